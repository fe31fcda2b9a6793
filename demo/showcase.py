"""A believable Etalase IKM for the quick start and for screenshots, on top of the registry's demo (demo.registry).

About 70 of the demo city's verified businesses (and the two demo owners' own) get a public
profile with 2 to 5 products each: Indonesian names, descriptions and Rupiah prices per
category, store links, and a product photo the project draws itself with Pillow (a coloured
composition with the product's initials; no download) stored through the owners' photo
service, so it is checked and re-encoded like any upload. A few products wait for staff, one
is reported, and six months of buyer interest and inquiries give the dashboard's "minat
pembeli" and the owners' counts something to show.

Deterministic (seeded) and idempotent: a business that has a profile is left as it is, and the
interest is added only while no demo interest exists.
"""

import hashlib
import io
import random
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from businesses.models import Business, BusinessStatus
from showcase import services
from showcase.figures import month_first
from showcase.models import Inquiry, InterestCount, InterestKind, Product, ProductStatus, Profile, Sentra, StoreKind

PROFILE_COUNT = 70
DEMO_OWNER_PHONE = "+6281266000001"  # Rendang Uni Yus, the quick start's owner account
STAFF_EMAIL = "staf@disnakerin.payakumbuh.go.id"
PHOTO_SIDE = 480  # drawn at 800 px, uploaded at 480: two renditions (320, 480), not three
_CANVAS = 800

# Per KBLI code: (products, story, drawing). A product: (name, unit, price_min, price_max,
# description, shipping note).
_CATALOGUE = {
    "10750": (
        [
            (
                "Rendang Daging Sapi",
                "kg",
                280_000,
                None,
                "Daging sapi lokal dimasak 8 jam dengan santan kelapa tua dan cabai Kamang sampai kering dan hitam.",
                "Tahan 3 minggu tanpa pengawet; dikirim vakum ke seluruh Indonesia.",
            ),
            (
                "Rendang Telur",
                "bungkus 250 g",
                35_000,
                None,
                "Telur dadar tipis berbumbu rendang, digoreng renyah. Camilan khas Payakumbuh.",
                "Tahan 2 bulan dalam kemasan tertutup.",
            ),
            (
                "Rendang Paru",
                "bungkus 250 g",
                55_000,
                None,
                "Paru sapi diiris tipis, dibalut bumbu rendang yang digoreng kering.",
                "Tahan 1 bulan.",
            ),
            (
                "Rendang Suir Daging",
                "toples 200 g",
                65_000,
                None,
                "Daging sapi disuir halus dan dimasak kering dengan bumbu rendang, siap tabur di nasi hangat.",
                "Tahan 1 bulan.",
            ),
            (
                "Rendang Ayam Kampung",
                "kg",
                190_000,
                None,
                "Ayam kampung dimasak lama dengan bumbu rendang Luak Limopuluah.",
                "Dikirim beku atau vakum; tahan 2 minggu.",
            ),
        ],
        "Rendang kami dimasak di atas tungku kayu seperti resep keluarga sejak tiga generasi, tanpa pengawet.",
        "circles",
    ),
    "10772": (
        [
            (
                "Bumbu Rendang Siap Masak",
                "bungkus 200 g",
                25_000,
                None,
                "Bumbu rendang lengkap (cabai, bawang, lengkuas, serai, kunyit) yang sudah ditumis; tinggal tambah daging dan santan.",
                "Tahan 6 bulan.",
            ),
            (
                "Bumbu Kalio",
                "bungkus 200 g",
                22_000,
                None,
                "Bumbu kalio untuk gulai daging dan ayam ala Minang.",
                "Tahan 6 bulan.",
            ),
            (
                "Cabai Giling Kering",
                "toples 150 g",
                30_000,
                None,
                "Cabai merah giling yang dijemur dan disangrai, pedasnya tahan lama.",
                "Tahan 4 bulan.",
            ),
        ],
        "Bumbu kami diulek dan ditumis dengan tangan, resep rendang Payakumbuh yang dibuat praktis untuk perantau.",
        "circles",
    ),
    "10796": (
        [
            (
                "Galamai Original",
                "kotak 500 g",
                45_000,
                None,
                "Galamai dari tepung beras ketan, gula aren dan santan, diaduk 6 jam di kuali besar.",
                "Tahan 1 bulan.",
            ),
            (
                "Galamai Durian",
                "kotak 500 g",
                60_000,
                None,
                "Galamai dengan durian lokal yang harum, oleh-oleh khas Payakumbuh.",
                "Tahan 3 minggu.",
            ),
            ("Galamai Kacang", "kotak 500 g", 50_000, None, "Galamai bertabur kacang tanah sangrai.", "Tahan 1 bulan."),
            (
                "Wajik Ketan Gula Aren",
                "kotak 400 g",
                40_000,
                None,
                "Wajik ketan manis legit dari gula aren asli.",
                "Tahan 2 minggu.",
            ),
        ],
        "Galamai kami diaduk di kuali besar dengan kayu bakar, seperti yang dibuat untuk baralek di kampung.",
        "squares",
    ),
    "10794": (
        [
            (
                "Batiah Original",
                "bungkus 250 g",
                20_000,
                None,
                "Kerupuk beras ketan khas Payakumbuh, dijemur dan digoreng renyah.",
                "Tahan 3 bulan.",
            ),
            (
                "Batiah Balado",
                "bungkus 250 g",
                25_000,
                None,
                "Batiah dibalut sambal balado merah yang manis pedas.",
                "Tahan 2 bulan.",
            ),
            (
                "Keripik Sanjai Balado",
                "bungkus 500 g",
                45_000,
                None,
                "Keripik singkong tipis dengan balado cabai merah.",
                "Tahan 2 bulan.",
            ),
            (
                "Kerupuk Kulit Jangek",
                "bungkus 200 g",
                30_000,
                None,
                "Kerupuk kulit sapi (jangek) yang mengembang renyah, teman gulai dan sayur.",
                "Tahan 3 bulan.",
            ),
            (
                "Kerupuk Sanjai Tawar",
                "bungkus 500 g",
                35_000,
                None,
                "Keripik singkong tawar yang gurih, tanpa penyedap.",
                "Tahan 3 bulan.",
            ),
        ],
        "Camilan kami dibuat tiap hari dari singkong dan beras ketan petani Lima Puluh Kota.",
        "squares",
    ),
    "10710": (
        [
            (
                "Kue Sapik",
                "toples 500 g",
                55_000,
                None,
                "Kue kering gulung tipis dari tepung beras dan santan, dipanggang di cetakan besi.",
                "Tahan 1 bulan.",
            ),
            (
                "Roti Kacang Payakumbuh",
                "bungkus isi 10",
                30_000,
                None,
                "Roti manis isi kacang hijau, dipanggang tiap pagi.",
                "Tahan 4 hari.",
            ),
            ("Kue Bawang", "toples 400 g", 40_000, None, "Kue bawang renyah dengan daun seledri.", "Tahan 1 bulan."),
        ],
        "Dapur kami membuat kue kering untuk Lebaran dan oleh-oleh sejak puluhan tahun.",
        "squares",
    ),
    "10792": (
        [
            (
                "Lamang Tapai",
                "porsi",
                35_000,
                None,
                "Lemang ketan dimasak dalam bambu, disajikan dengan tapai ketan hitam.",
                "Hanya dalam kota; pesan sehari sebelumnya.",
            ),
            ("Kue Talam Pandan", "kotak isi 12", 36_000, None, "Kue talam dua lapis, pandan dan santan.", "Hanya dalam kota."),
            (
                "Lapek Bugis",
                "kotak isi 10",
                30_000,
                None,
                "Kue ketan hitam isi kelapa parut gula aren, dibungkus daun pisang.",
                "Hanya dalam kota.",
            ),
        ],
        "Kue basah kami dibuat subuh dan diantar ke pasar pagi Payakumbuh.",
        "squares",
    ),
    "10761": (
        [
            (
                "Kopi Robusta Bubuk Lima Puluh Kota",
                "bungkus 250 g",
                45_000,
                None,
                "Robusta dari kebun di lereng Sago, disangrai sedang dan digiling halus.",
                "Tahan 6 bulan.",
            ),
            (
                "Kopi Kawa Daun",
                "bungkus 100 g",
                30_000,
                None,
                "Daun kopi kering untuk diseduh, minuman warisan Minang.",
                "Tahan 6 bulan.",
            ),
            (
                "Biji Kopi Arabika Sangrai",
                "bungkus 250 g",
                85_000,
                None,
                "Arabika dataran tinggi, sangrai medium untuk seduh manual.",
                "Tahan 6 bulan.",
            ),
        ],
        "Kopi kami dipetik merah dari kebun sendiri dan disangrai di rumah produksi kami.",
        "circles",
    ),
    "14302": (
        [
            (
                "Mukena Bordir Kerancang",
                "helai",
                350_000,
                650_000,
                "Mukena katun Jepang dengan bordir kerancang tangan, motif pucuk rebung.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Kerudung Sulaman Benang Emas",
                "helai",
                150_000,
                275_000,
                "Kerudung voal dengan sulaman benang emas khas Minang.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Taplak Meja Bordir",
                "helai",
                180_000,
                None,
                "Taplak meja 150 x 150 cm dengan bordir bunga.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Selendang Bordir Suji Cair",
                "helai",
                250_000,
                None,
                "Selendang dengan sulaman suji cair warna-warni.",
                "Dikirim ke seluruh Indonesia.",
            ),
        ],
        "Bordir kami dikerjakan ibu-ibu di sekitar rumah produksi, satu mukena sampai seminggu.",
        "stripes",
    ),
    "13121": (
        [
            (
                "Songket Balai Panjang Motif Pucuk Rebung",
                "helai",
                1_500_000,
                3_500_000,
                "Songket tenun tangan dengan benang emas, motif pucuk rebung.",
                "Dikirim dengan kotak kayu.",
            ),
            (
                "Kain Tenun Ikat",
                "helai",
                450_000,
                750_000,
                "Kain tenun ATBM dari benang katun, warna alam.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Selendang Songket",
                "helai",
                650_000,
                None,
                "Selendang songket ringan untuk pesta dan baralek.",
                "Dikirim ke seluruh Indonesia.",
            ),
            ("Sarung Tenun", "helai", 350_000, None, "Sarung tenun tangan, kotak-kotak klasik.", "Dikirim ke seluruh Indonesia."),
        ],
        "Kain kami ditenun dengan alat tenun bukan mesin; sehelai songket butuh sampai sebulan.",
        "stripes",
    ),
    "14301": (
        [
            (
                "Sweter Rajut",
                "helai",
                175_000,
                225_000,
                "Sweter rajut benang akrilik lembut, ukuran S sampai XL.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Topi Kupluk Rajut",
                "buah",
                45_000,
                None,
                "Kupluk rajut hangat, banyak pilihan warna.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Tas Rajut Tali",
                "buah",
                120_000,
                None,
                "Tas rajut dari tali kur, kuat untuk belanja.",
                "Dikirim ke seluruh Indonesia.",
            ),
            ("Syal Rajut", "helai", 75_000, None, "Syal rajut panjang 160 cm.", "Dikirim ke seluruh Indonesia."),
        ],
        "Perajin rajutan kami bekerja dari rumah di sekitar Parit Muko Aie.",
        "stripes",
    ),
    "14111": (
        [
            (
                "Seragam Sekolah SD",
                "stel",
                120_000,
                150_000,
                "Kemeja dan celana/rok seragam SD, jahitan rapi, semua ukuran.",
                "Pesanan sekolah dilayani.",
            ),
            (
                "Kemeja Batik Tanah Liek",
                "helai",
                185_000,
                None,
                "Kemeja katun bermotif batik tanah liek khas Sumatera Barat.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Baju Kurung Basiba",
                "stel",
                275_000,
                None,
                "Baju kurung basiba untuk acara adat dan Lebaran.",
                "Dikirim ke seluruh Indonesia.",
            ),
        ],
        "Konveksi kami menjahit seragam dan baju adat untuk sekolah dan nagari di Luak Limopuluah.",
        "stripes",
    ),
    "16292": (
        [
            (
                "Tikar Pandan Anyam",
                "lembar",
                150_000,
                250_000,
                "Tikar pandan duri dianyam tangan, ukuran 2 x 3 m.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Tas Anyaman Pandan",
                "buah",
                85_000,
                None,
                "Tas anyaman pandan dengan tali kulit sintetis.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Kipas Anyaman",
                "buah",
                15_000,
                None,
                "Kipas anyaman bambu, cocok untuk suvenir pesta.",
                "Pesanan partai besar dilayani.",
            ),
        ],
        "Anyaman kami dari pandan yang ditanam dan dijemur sendiri.",
        "grid",
    ),
    "31001": (
        [
            (
                "Kursi Ukir Kayu Surian",
                "buah",
                850_000,
                None,
                "Kursi kayu surian dengan ukiran itiak pulang patang.",
                "Dikirim dengan peti kayu; ongkos kirim menyesuaikan.",
            ),
            (
                "Lemari Dua Pintu",
                "buah",
                2_750_000,
                None,
                "Lemari pakaian kayu mahoni, finishing melamin.",
                "Dalam Sumatera Barat.",
            ),
            ("Meja Tamu Ukir", "set", 1_950_000, None, "Meja tamu dengan ukiran Minang.", "Dalam Sumatera Barat."),
        ],
        "Mebel kami dibuat dari kayu kering oven dan diukir tangan oleh tukang ukir Payakumbuh.",
        "grid",
    ),
    "15121": (
        [
            (
                "Dompet Kulit Sapi",
                "buah",
                150_000,
                None,
                "Dompet kulit sapi asli, jahit tangan.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Tas Selempang Kulit",
                "buah",
                425_000,
                None,
                "Tas selempang kulit nabati yang makin bagus dipakai.",
                "Dikirim ke seluruh Indonesia.",
            ),
            (
                "Ikat Pinggang Kulit",
                "buah",
                120_000,
                None,
                "Ikat pinggang kulit sapi dengan gesper kuningan.",
                "Dikirim ke seluruh Indonesia.",
            ),
        ],
        "Barang kulit kami dijahit tangan dari kulit sapi samakan Padang Panjang.",
        "grid",
    ),
    "32903": (
        [
            (
                "Miniatur Rumah Gadang",
                "buah",
                250_000,
                750_000,
                "Miniatur rumah gadang dari kayu, atap gonjong dari seng tembaga.",
                "Dikirim dengan kotak kayu.",
            ),
            (
                "Gantungan Kunci Gonjong",
                "lusin",
                60_000,
                None,
                "Gantungan kunci berbentuk gonjong, suvenir pesta dan wisata.",
                "Pesanan partai besar dilayani.",
            ),
            (
                "Hiasan Dinding Ukiran Minang",
                "buah",
                350_000,
                None,
                "Panel ukiran kayu motif kaluak paku.",
                "Dikirim ke seluruh Indonesia.",
            ),
        ],
        "Kerajinan kami menghadirkan rumah gadang dan ukiran Minang dalam ukuran kecil.",
        "grid",
    ),
}

_PALETTES = {
    "circles": [(122, 50, 18), (156, 74, 28), (94, 38, 20), (176, 96, 36)],
    "squares": [(181, 120, 43), (140, 80, 40), (201, 150, 72), (120, 74, 40)],
    "stripes": [(128, 24, 48), (26, 74, 120), (120, 20, 90), (20, 100, 80)],
    "grid": [(96, 110, 44), (110, 78, 50), (70, 96, 60), (130, 100, 60)],
}

_STORES = [
    (StoreKind.TOKOPEDIA, "https://www.tokopedia.com/{slug}"),
    (StoreKind.SHOPEE, "https://shopee.co.id/{slug}"),
    (StoreKind.INSTAGRAM, "https://www.instagram.com/{slug}"),
    (StoreKind.FACEBOOK, "https://www.facebook.com/{slug}"),
]

# Where buyers wrote from (Kemendagri codes): West Sumatra, then the perantau's provinces.
_PROVINCES = [
    ("13", 30),
    ("31", 18),
    ("14", 12),
    ("32", 10),
    ("12", 7),
    ("21", 6),
    ("36", 5),
    ("15", 4),
    ("35", 4),
    ("LN", 2),
    ("64", 2),
]
_BUYERS = [
    "Siti Aminah",
    "Rudi Hartono",
    "Dewi Lestari",
    "Andi Saputra",
    "Rina Marlina",
    "Fajar Nugroho",
    "Yuni Astuti",
    "Hendra Gunawan",
]
_QUESTIONS = [
    "Apakah bisa kirim {product} ke {place}? Berapa ongkos kirimnya?",
    "Saya mau pesan {product} untuk acara keluarga bulan depan, bisa 10?",
    "Apakah {product} ada harga grosir untuk dijual lagi di toko saya?",
    "Berapa lama {product} tahan dalam perjalanan ke {place}?",
]


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper()


def product_picture(name: str, drawing: str, key: str = "") -> bytes:
    """A square PNG with the initials of ``name``, drawn from ``key`` and ``name``: the same
    picture for the same key and name, every time."""
    seed = int(hashlib.sha256(f"{key}|{name}".encode()).hexdigest()[:8], 16)
    rng = random.Random(seed)  # nosec B311  # a drawing's shapes, not a secret
    palette = _PALETTES[drawing]
    background = palette[seed % len(palette)]
    image = Image.new("RGB", (_CANVAS, _CANVAS), background)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, c + 70) for c in background)
    dark = tuple(max(0, c - 40) for c in background)
    side = _CANVAS
    if drawing == "circles":  # a plate seen from above
        draw.ellipse((90, 90, side - 90, side - 90), fill=(238, 232, 220))
        for _ in range(26):
            x, y, r = rng.randint(210, side - 210), rng.randint(210, side - 210), rng.randint(18, 46)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice([background, dark, light]))
    elif drawing == "squares":  # pieces on a tray
        draw.rounded_rectangle((80, 140, side - 80, side - 140), radius=40, fill=(240, 228, 200))
        for row in range(3):
            for col in range(4):
                x, y = 130 + col * 140, 200 + row * 140
                draw.rounded_rectangle((x, y, x + 110, y + 110), radius=14, fill=rng.choice([background, dark, light]))
    elif drawing == "stripes":  # a woven cloth
        for y in range(0, side, 40):
            draw.rectangle((0, y, side, y + 20), fill=light if (y // 40) % 2 else dark)
        gold = (212, 175, 55)
        for x in range(60, side, 120):
            draw.polygon([(x, 60), (x + 40, 140), (x, 220), (x - 40, 140)], fill=gold)
            draw.polygon([(x, side - 220), (x + 40, side - 140), (x, side - 60), (x - 40, side - 140)], fill=gold)
    else:  # grid: woven pandan, wood grain
        for i in range(0, side, 50):
            draw.rectangle((i, 0, i + 24, side), fill=light)
            draw.rectangle((0, i, side, i + 24), fill=dark)
    font = ImageFont.load_default(size=200)
    text = _initials(name)
    box = draw.textbbox((0, 0), text, font=font)
    x, y = (side - (box[2] - box[0])) // 2, (side - (box[3] - box[1])) // 2 - box[1]
    draw.text((x + 6, y + 6), text, font=font, fill=(30, 20, 10))
    draw.text((x, y), text, font=font, fill=(255, 250, 240))
    out = io.BytesIO()
    image.resize((PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS).save(out, format="PNG")
    return out.getvalue()


def _unique(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _businesses() -> list[Business]:
    """The demo owners' businesses first, then the first verified ones of each category in turn."""
    verified = list(
        Business.objects.filter(status=BusinessStatus.VERIFIED, kbli__code__in=_CATALOGUE)
        .select_related("owner__user", "kbli", "kelurahan__kecamatan")
        .order_by("nib")
    )
    chosen = [b for b in verified if b.owner.phone in (DEMO_OWNER_PHONE, "+6281266000002")]
    by_code: dict[str, list[Business]] = {}
    for business in verified:
        if business not in chosen:
            by_code.setdefault(business.kbli.code, []).append(business)
    while len(chosen) < PROFILE_COUNT and any(by_code.values()):
        for code in list(by_code):
            if by_code[code] and len(chosen) < PROFILE_COUNT:
                chosen.append(by_code[code].pop(0))
    return chosen


def _profile(business: Business, rng: random.Random, staff, taken: set[str], sentra: dict) -> Profile:
    """The owner's consent and profile: through the owners' service when the owner has an
    account (the demo owners), recorded as given at sign-up otherwise (imported businesses)."""
    products, story, _drawing = _CATALOGUE[business.kbli.code]
    user = business.owner.user
    if user is not None:
        profile = services.profile_consent_give(business=business, actor=user)
        taken.add(profile.slug)
    else:
        profile = Profile.objects.create(
            business=business,
            slug=_unique(slugify(business.name)[:100] or "usaha", taken),
            consented_at=timezone.now() - timedelta(days=rng.randint(30, 200)),
        )
    profile.story = f"{story} {business.name} berada di {business.kelurahan.name}, {business.kelurahan.kecamatan.name}."
    profile.order_phone = business.owner.phone
    profile.sentra = sentra.get((business.kelurahan.kecamatan_id, business.kbli.code))
    # Most demo owners are trusted (their products show at once); a few wait for staff.
    profile.trusted = rng.random() < 0.9 or business.owner.phone == DEMO_OWNER_PHONE
    profile.save()
    return profile


def _products(profile: Profile, rng: random.Random, staff) -> list[Product]:
    catalogue, _story, drawing = _CATALOGUE[profile.business.kbli.code]
    count = min(len(catalogue), rng.randint(2, 5))
    if profile.business.owner.phone == DEMO_OWNER_PHONE:
        count = len(catalogue)
    made = []
    for name, unit, low, high, description, shipping in rng.sample(catalogue, count):
        bump = rng.choice([0, 0, 5_000, 10_000, -5_000])
        product = services.product_create(
            profile=profile,
            actor=staff,
            data={
                "name": name,
                "unit": unit,
                "price_min": max(5_000, low + bump),
                "price_max": high,
                "description": description,
                "shipping_note": shipping,
                "min_order": rng.choice([1, 1, 1, 2, 5]) if low < 100_000 else 1,
            },
        )
        upload = io.BytesIO(product_picture(name, drawing, key=profile.business.nib))
        upload.name = "foto.png"
        services.product_photo_add(product=product, upload=upload, actor=staff, alt=name)
        made.append(product)
    return made


def _interest(products: list[Product], rng: random.Random) -> dict[str, int]:
    """Six months of counted interest and some inquiries, the older ones already erased."""
    today = timezone.localdate()
    months = [month_first(today)]
    for _ in range(5):
        months.append(month_first(months[-1] - timedelta(days=1)))
    counts: dict[tuple, int] = {}
    inquiries = []
    codes, weights = zip(*_PROVINCES, strict=True)
    for product in products:
        appeal = rng.lognormvariate(0, 0.6)
        for age, month in enumerate(reversed(months)):  # oldest first: interest grows
            growth = 0.6 + 0.12 * age
            last_day = today if month == months[0] else (month.replace(day=28))
            for _ in range(rng.randint(1, 3)):
                day = month + timedelta(days=rng.randint(0, (last_day - month).days))
                views = max(1, int(rng.randint(4, 30) * appeal * growth))
                for kind, n in (
                    (InterestKind.PRODUCT_VIEW, views),
                    (InterestKind.WHATSAPP, int(views * rng.uniform(0.05, 0.25))),
                    (InterestKind.STORE, int(views * rng.uniform(0.0, 0.15))),
                ):
                    if n:
                        key = (product.profile_id, product.pk, kind, day)
                        counts[key] = counts.get(key, 0) + n
                if rng.random() < 0.5:
                    key = (product.profile_id, None, InterestKind.PROFILE_VIEW, day)
                    counts[key] = counts.get(key, 0) + max(1, views // 2)
            if rng.random() < 0.18 * growth:
                inquiries.append((product, month, rng.choices(codes, weights=weights)[0]))
    InterestCount.objects.bulk_create(
        [InterestCount(profile_id=p, product_id=q, kind=k, day=d, count=n) for (p, q, k, d), n in counts.items()]
    )
    rows = []
    now = timezone.now()
    for product, month, province in inquiries:
        created = timezone.make_aware(datetime.combine(month + timedelta(days=rng.randint(0, 20)), time.min))
        created = min(created + timedelta(hours=rng.randint(8, 21)), now - timedelta(hours=1))
        place = "Jakarta" if province == "31" else ("Pekanbaru" if province == "14" else "kota saya")
        erased = (now - created).days > 90
        rows.append(
            Inquiry(
                profile_id=product.profile_id,
                product=product,
                buyer_name="" if erased else rng.choice(_BUYERS),
                buyer_contact="" if erased else f"+62812{rng.randint(10_000_000, 99_999_999)}",
                buyer_province=province,
                message="" if erased else rng.choice(_QUESTIONS).format(product=product.name.lower(), place=place),
                created_at=created,
                forwarded_at=created,
                erased_at=now if erased else None,
            )
        )
    Inquiry.objects.bulk_create(rows)
    return {"counts": len(counts), "inquiries": len(rows)}


def showcase_demo_seed() -> dict[str, int]:
    """Create the demo showcase where it is missing; return how many rows were created."""
    staff = get_user_model().objects.get(email=STAFF_EMAIL)
    created = {"profiles": 0, "products": 0, "pending": 0, "links": 0, "counts": 0, "inquiries": 0, "reports": 0}
    with transaction.atomic():
        rng = random.Random(1213)  # nosec B311  # seeded demo data, reproducible on purpose; no secret
        taken = set(Profile.objects.values_list("slug", flat=True))
        has_profile = set(Profile.objects.values_list("business_id", flat=True))
        sentra = {
            (s.kecamatan_id, code.code): s
            for s in Sentra.objects.select_related("category").prefetch_related("category__kbli")
            if s.category
            for code in s.category.kbli.all()
        }
        new_products: list[Product] = []
        for business in _businesses():
            business_rng = random.Random(f"showcase-{business.nib}")  # nosec B311  # per business, so a missing one draws the same
            if business.pk in has_profile:
                continue
            profile = _profile(business, business_rng, staff, taken, sentra)
            products = _products(profile, business_rng, staff)
            for product in products:
                product.refresh_from_db(fields=["status"])
            pending = [p for p in products if p.status == ProductStatus.PENDING]
            for product in pending[1:]:  # staff approved all but the newest
                services.product_approve(product=product, actor=staff)
            created["pending"] += min(1, len(pending))
            stores = business_rng.sample(_STORES, business_rng.randint(1, 3))
            for kind, pattern in stores:
                services.store_link_set(
                    profile=profile, actor=staff, kind=kind, url=pattern.format(slug=profile.slug.replace("-", ""))
                )
            if products and business_rng.random() < 0.5:
                services.store_link_set(
                    profile=profile,
                    actor=staff,
                    kind=StoreKind.SHOPEE,
                    url=f"https://shopee.co.id/{profile.slug.replace('-', '')}/{products[0].slug}",
                    product=products[0],
                )
                created["links"] += 1
            created["profiles"] += 1
            created["products"] += len(products)
            created["links"] += len(stores)
            new_products += products
        approved = list(Product.objects.filter(pk__in=[p.pk for p in new_products], status=ProductStatus.APPROVED).order_by("pk"))
        if approved and not InterestCount.objects.filter(profile_id__in={p.profile_id for p in approved}).exists():
            created |= _interest(approved, rng)
            for product in approved[3:4]:
                services.product_report_create(
                    product=product, reason="wrong", message="Harga di halaman berbeda dengan harga di toko online."
                )
                created["reports"] += 1
    return created
