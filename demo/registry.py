"""A believable Payakumbuh for the quick start and for screenshots: a few hundred IKM across
kelurahan and sectors, and a demo account for every role. Deterministic and idempotent: every
row is keyed (email, phone, NIB, NIK), so a second run finds everything and changes nothing."""

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.roles import NIK_VIEWER_GROUP, Role
from accounts.services import user_create
from businesses.crypto import nik_digest
from businesses.models import Business, BusinessStatus, Certification, CertificationKind, Kbli, Kelurahan, Marketplace, Owner

DEMO_PASSWORD = "ikm-payakumbuh-2026"  # nosec B105  # the quick start's published demo password (README), set only by seed_demo
BUSINESS_COUNT = 320

# (KBLI code, weight, name patterns, products): Payakumbuh's IKM are mostly food (rendang,
# galamai, batiah) and textiles (bordir, tenun, rajutan), then wood, leather and crafts.
_SECTORS = [
    ("10750", 22, ["Rendang {n}", "Randang {n}", "Rendang Khas {p}"], "Rendang daging, rendang telur, rendang paru"),
    ("10796", 10, ["Galamai {n}", "Galamai Asli {p}"], "Galamai, wajik"),
    ("10794", 12, ["Batiah {n}", "Kerupuk {n}", "Keripik Sanjai {n}"], "Batiah, kerupuk kulit, keripik sanjai"),
    ("10772", 4, ["Bumbu Rendang {n}"], "Bumbu rendang siap masak"),
    ("10710", 8, ["Kue {n}", "Roti {n}"], "Kue kering, roti manis"),
    ("10792", 5, ["Kue Basah {n}"], "Lamang, kue talam, lapek"),
    ("10761", 3, ["Kopi {p}"], "Kopi bubuk, kopi kawa daun"),
    ("14302", 10, ["Bordir {n}", "Sulaman {p}"], "Mukena bordir, kerudung sulaman"),
    ("13121", 5, ["Tenun {p}", "Songket {n}"], "Kain tenun, songket Balai Panjang"),
    ("14301", 5, ["Rajutan {n}"], "Sweter, topi dan tas rajut"),
    ("14111", 5, ["Konveksi {n}"], "Seragam sekolah, kemeja"),
    ("16292", 3, ["Anyaman {n}"], "Tikar pandan, tas anyaman"),
    ("31001", 3, ["Mebel {n}"], "Lemari, kursi, meja kayu"),
    ("15121", 2, ["Kulit {n}"], "Tas dan dompet kulit"),
    ("32903", 3, ["Kerajinan {n}"], "Suvenir, miniatur rumah gadang"),
]
_WOMEN = [
    "Yusnimar",
    "Rosmaniar",
    "Nurhayati",
    "Syafrida",
    "Elviana",
    "Yenni",
    "Desmawati",
    "Fitri",
    "Rahmi",
    "Zurniati",
    "Marlina",
    "Sri Wahyuni",
    "Ernawati",
    "Yulia",
    "Asnidar",
    "Hasnah",
    "Mardiana",
    "Nelfi",
]
_MEN = [
    "Syafrizal",
    "Afrizal",
    "Zulkifli",
    "Hendri",
    "Yusrizal",
    "Darmawan",
    "Irwan",
    "Edi Putra",
    "Rusdi",
    "Arman",
    "Zainal",
    "Fauzan",
    "Yondri",
    "Novrizal",
    "Amril",
    "Dasril",
]
_SURNAMES = ["", " Dt. Rajo Mudo", " Chaniago", " Piliang", " Koto", " Tanjung", " Sikumbang", " Caniago", " Melayu", " Jambak"]
_TITLES_W = ["Uni", "Mak", "Etek", "Amak", "Bundo"]
_TITLES_M = ["Pak", "Uda", "Mamak", "Angku"]
_PLACES = [
    "Saiyo",
    "Sakato",
    "Minang",
    "Ranah Minang",
    "Luak Limopuluah",
    "Payakumbuh",
    "Koto Nan Ampek",
    "Bukik Sibaluik",
    "Sago",
]
_STREETS = [
    "Jl. Soekarno-Hatta",
    "Jl. Sudirman",
    "Jl. Ahmad Yani",
    "Jl. Tan Malaka",
    "Jl. Veteran",
    "Jl. Rasuna Said",
    "Jl. Diponegoro",
    "Jl. M. Yamin",
    "Jl. Pahlawan",
    "Jl. Khatib Sulaiman",
]

_DEMO_OWNERS = [
    # (full name, phone, email, business name, kbli, status)
    ("Yusnimar", "+6281266000001", None, "Rendang Uni Yus", "10750", BusinessStatus.VERIFIED),
    ("Rosmaniar", "+6281266000002", "pemilik@contoh.id", "Galamai Mak Ros", "10796", BusinessStatus.VERIFIED),
]


def _nik(rng: random.Random, kecamatan_index: int, woman: bool, serial: int) -> str:
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
    day = born.day + (40 if woman else 0)
    return f"13760{kecamatan_index}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def _programme_dates(nib: str, status: str) -> dict:
    """When a demo business joined the programme (and left it, when inactive): most joined more
    than a year ago, about one in six during the last year, so the dashboard's history shows the
    registry growing; the inactive ones left during the last ten months. From the business's own
    generator, so the rest of the demo draws the same numbers whatever this does."""
    if status not in (BusinessStatus.VERIFIED, BusinessStatus.INACTIVE):
        return {"verified_at": None, "deactivated_at": None}
    rng = random.Random(f"{nib}-programme")  # nosec B311  # seeded demo dates, reproducible; no secret
    now = timezone.now()
    days_ago = rng.randint(20, 330) if rng.random() < 0.16 else rng.randint(400, 1500)
    verified_at = now - timedelta(days=days_ago, hours=rng.randint(0, 23))
    deactivated_at = None
    if status == BusinessStatus.INACTIVE:
        deactivated_at = now - timedelta(days=rng.randint(5, min(300, days_ago - 1)))
    return {"verified_at": verified_at, "deactivated_at": deactivated_at}


@transaction.atomic
def demo_seed() -> dict[str, int]:
    """Create the demo accounts and businesses that are missing; return how many were created."""
    created = {"users": 0, "businesses": 0}
    User = get_user_model()
    staff_accounts = [
        ("Admin Portal", "admin@payakumbuh.go.id", None, "superuser"),
        ("Staf Disnakerin", "staf@disnakerin.payakumbuh.go.id", Role.STAFF, ()),
        ("Verifikator Disnakerin", "verifikator@disnakerin.payakumbuh.go.id", Role.STAFF, (NIK_VIEWER_GROUP,)),
        ("Pejabat Kota Payakumbuh", "pejabat@payakumbuh.go.id", Role.OFFICIAL, ()),
    ]
    for full_name, email, role, extra in staff_accounts:
        if User.objects.filter(email=email).exists():
            continue
        if extra == "superuser":
            User.objects.create_superuser(email=email, password=DEMO_PASSWORD, full_name=full_name)
        else:
            user_create(full_name=full_name, email=email, password=DEMO_PASSWORD, role=role, extra_groups=extra)
        created["users"] += 1

    rng = random.Random(1376)  # nosec B311  # seeded demo data, reproducible on purpose; no secret
    kelurahan = list(Kelurahan.objects.select_related("kecamatan").order_by("code"))
    kbli = {k.code: k for k in Kbli.objects.filter(version=2020)}
    marketplaces = list(Marketplace.objects.order_by("name"))
    existing_nibs = set(Business.objects.values_list("nib", flat=True))
    existing_niks = set(Owner.objects.values_list("nik", flat=True))

    for index, (full_name, phone, email, business_name, code, status) in enumerate(_DEMO_OWNERS):
        user = User.objects.filter(phone=phone).first()
        if user is None:
            user = user_create(full_name=full_name, phone=phone, email=email, password=DEMO_PASSWORD, role=Role.OWNER)
            created["users"] += 1
        nik = _nik(random.Random(index), 2, True, 9000 + index)  # nosec B311  # a demo NIK, reproducible
        owner, _ = Owner.objects.get_or_create(
            nik_hash=nik_digest(nik), defaults={"nik": nik, "user": user, "name": full_name, "phone": phone, "email": email or ""}
        )
        nib = f"91200{index:08d}"
        if nib not in existing_nibs:
            Business.objects.create(
                owner=owner,
                name=business_name,
                nib=nib,
                kbli=kbli[code],
                kelurahan=kelurahan[20 + index],
                products=next(s[3] for s in _SECTORS if s[0] == code),
                address=f"{_STREETS[index]} No. {10 + index}",
                year_founded=2008 + index,
                workers_male=1,
                workers_female=4,
                investment=85_000_000,
                turnover_2019=32_000_000,
                sells_in_shop=True,
                sells_on_whatsapp=True,
                reaches_city=True,
                reaches_province=True,
                reaches_other_provinces=True,
                status=status,
                status_changed_at=timezone.now(),
                verified_at=timezone.now() - timedelta(days=900) if status == BusinessStatus.VERIFIED else None,
            )
            created["businesses"] += 1

    owners, businesses, pending_m2m = [], [], []
    weights = [s[1] for s in _SECTORS]
    for i in range(BUSINESS_COUNT):
        code, _w, patterns, products = rng.choices(_SECTORS, weights=weights)[0]
        woman = rng.random() < 0.68  # most IKM owners in food and textiles are women
        given = rng.choice(_WOMEN if woman else _MEN)
        name = given + rng.choice(_SURNAMES)
        place = kelurahan[rng.randrange(len(kelurahan))]
        title = rng.choice(_TITLES_W if woman else _TITLES_M)
        business_name = rng.choice(patterns).format(n=f"{title} {given.split()[0]}", p=rng.choice(_PLACES))
        nib = f"{9120100000000 + i:013d}"
        nik = _nik(rng, int(place.kecamatan.code[-1]), woman, i + 1)
        turnover = int(round(rng.lognormvariate(16.6, 0.8), -4))  # median about Rp16 juta a month
        workers = max(1, int(rng.lognormvariate(1.2, 0.7)))
        investment = int(round(rng.lognormvariate(17.8, 1.0), -5))
        online = rng.random() < 0.45
        status = rng.choices(list(BusinessStatus), weights=[12, 78, 4, 6])[0]
        if nib in existing_nibs or nik in existing_niks:
            continue
        phone = f"+62813{66000000 + i:08d}"
        owner = Owner(name=name, nik=nik, phone=phone, email="")
        owners.append(owner)
        business = Business(
            owner=owner,
            name=business_name,
            products=products,
            nib=nib,
            kbli=kbli[code],
            kelurahan=place,
            address=f"{rng.choice(_STREETS)} No. {rng.randint(1, 250)}",
            year_founded=rng.randint(1985, 2019),
            workers_male=(men := rng.randint(0, workers)),
            workers_female=workers - men,
            investment=investment,
            turnover_2019=turnover,
            sells_in_shop=rng.random() < 0.6,
            sells_on_marketplace=online and rng.random() < 0.6,
            sells_on_social_media=online,
            social_media=f"@{business_name.lower().replace(' ', '')}" if online else "",
            sells_on_whatsapp=rng.random() < 0.7,
            reaches_city=True,
            reaches_province=rng.random() < 0.6,
            reaches_other_provinces=rng.random() < 0.45,
            reaches_export=rng.random() < 0.03,
            status=status,
            rejection_reason="Dokumen NIB tidak terbaca; unggah ulang." if status == BusinessStatus.REJECTED else "",
            status_changed_at=timezone.now() if status != BusinessStatus.PENDING else None,
            **_programme_dates(nib, status),
        )
        businesses.append(business)
        if business.sells_on_marketplace:
            pending_m2m.append((nib, rng.sample(marketplaces, k=rng.randint(1, 3))))

    if owners:
        bulk_create_with_history(owners, Owner)
        owner_ids = dict(Owner.objects.filter(nik_hash__in=[o.nik_hash for o in owners]).values_list("nik_hash", "pk"))
        for business in businesses:
            business.owner_id = owner_ids[nik_digest(business.owner.nik)]
        bulk_create_with_history(businesses, Business)
        ids = dict(Business.objects.filter(nib__in=[b.nib for b in businesses]).values_list("nib", "pk"))
        Through = Business.marketplaces.through
        Through.objects.bulk_create(
            [Through(business_id=ids[nib], marketplace_id=m.pk) for nib, chosen in pending_m2m for m in chosen]
        )
        certs = []
        for business in businesses:
            if business.kbli.code.startswith("10") and rng.random() < 0.5:
                certs.append(
                    Certification(
                        business_id=ids[business.nib],
                        kind=CertificationKind.PIRT,
                        number=f"2{rng.randint(10, 99)}1376{rng.randint(10, 99)}{rng.randint(1000, 9999)}{rng.randint(25, 30)}",
                        issued_on=date(2021, 1, 1) + timedelta(days=rng.randrange(0, 1000)),
                    )
                )
            if business.kbli.code.startswith("10") and rng.random() < 0.3:
                certs.append(
                    Certification(
                        business_id=ids[business.nib],
                        kind=CertificationKind.HALAL,
                        number=f"ID1311000{rng.randint(1000000, 9999999)}",
                        issued_on=date(2022, 1, 1) + timedelta(days=rng.randrange(0, 800)),
                    )
                )
        bulk_create_with_history(certs, Certification)
        created["businesses"] += len(businesses)
    return created
