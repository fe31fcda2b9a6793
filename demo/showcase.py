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

import io
import random
from collections import Counter
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from businesses.models import Business, BusinessStatus
from showcase import services
from showcase.figures import month_first
from showcase.models import Inquiry, InterestCount, InterestKind, Product, ProductStatus, Profile, Sentra, StoreKind

from .catalogue import CATALOGUE
from .pictures import product_picture

PROFILE_COUNT = 70
DEMO_OWNER_PHONE = "+6281266000001"  # Rendang Uni Yus, the quick start's owner account
STAFF_EMAIL = "staf@disnakerin.payakumbuh.go.id"
_INTEREST_MONTHS = 6

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
_PROVINCE_CODES, _PROVINCE_WEIGHTS = zip(*_PROVINCES, strict=True)
_PLACE_BY_PROVINCE = {"31": "Jakarta", "14": "Pekanbaru"}
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


def _unique(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _businesses() -> list[Business]:
    """The demo owners' businesses first, then the first verified ones of each category in turn."""
    verified = list(
        Business.objects.filter(status=BusinessStatus.VERIFIED, kbli__code__in=CATALOGUE)
        .select_related("owner__user", "kbli", "kelurahan__kecamatan")
        .order_by("nib")
    )
    chosen = [b for b in verified if b.owner.phone in (DEMO_OWNER_PHONE, "+6281266000002")]
    by_code: dict[str, list[Business]] = {}
    for business in verified:
        if business not in chosen:
            by_code.setdefault(business.kbli.code, []).append(business)
    return chosen + _in_turn(by_code, PROFILE_COUNT - len(chosen))


def _in_turn(by_code: dict[str, list[Business]], wanted: int) -> list[Business]:
    """Up to ``wanted`` businesses: the first of each category, then the second, and so on."""
    taken: list[Business] = []
    while len(taken) < wanted and any(by_code.values()):
        for queue in by_code.values():
            if queue and len(taken) < wanted:
                taken.append(queue.pop(0))
    return taken


def _profile(business: Business, rng: random.Random, staff, taken: set[str], sentra: dict) -> Profile:
    """The owner's consent and profile: through the owners' service when the owner has an
    account (the demo owners), recorded as given at sign-up otherwise (imported businesses)."""
    products, story, _drawing = CATALOGUE[business.kbli.code]
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
    catalogue, _story, drawing = CATALOGUE[profile.business.kbli.code]
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


def showcase_seed() -> dict[str, int]:
    """Create the demo showcase where it is missing; return how many rows were created."""
    staff = get_user_model().objects.get(email=STAFF_EMAIL)
    created = Counter()
    with transaction.atomic():
        rng = random.Random(1213)  # nosec B311  # seeded demo data, reproducible on purpose; no secret
        taken = set(Profile.objects.values_list("slug", flat=True))
        has_profile = set(Profile.objects.values_list("business_id", flat=True))
        sentra = _sentra_index()
        new_products: list[Product] = []
        for business in _businesses():
            business_rng = random.Random(f"showcase-{business.nib}")  # nosec B311  # per business, so a missing one draws the same
            if business.pk in has_profile:
                continue
            products, counts = _business_showcase(business, business_rng, staff, taken, sentra)
            created += counts
            new_products += products
        created += _interest_seed(new_products, rng)
    return {key: created[key] for key in ("profiles", "products", "pending", "links", "counts", "inquiries", "reports")}


def _sentra_index() -> dict[tuple[int, str], Sentra]:
    """The sentra by (kecamatan, KBLI code) of the businesses they gather."""
    return {
        (s.kecamatan_id, code.code): s
        for s in Sentra.objects.select_related("category").prefetch_related("category__kbli")
        if s.category
        for code in s.category.kbli.all()
    }


def _business_showcase(
    business: Business, rng: random.Random, staff, taken: set[str], sentra: dict
) -> tuple[list[Product], Counter]:
    """One business's profile, products with their photos, and store links; the products and
    the rows created."""
    profile = _profile(business, rng, staff, taken, sentra)
    products = _products(profile, rng, staff)
    pending = _approve_all_but_newest(products, staff)
    links = _store_links(profile, products, rng, staff)
    return products, Counter(profiles=1, products=len(products), pending=pending, links=links)


def _approve_all_but_newest(products: list[Product], staff) -> int:
    """Products of an untrusted owner wait for staff: staff approved all but the newest. Returns
    how many are left waiting (0 or 1)."""
    for product in products:
        product.refresh_from_db(fields=["status"])
    pending = [p for p in products if p.status == ProductStatus.PENDING]
    for product in pending[1:]:
        services.product_approve(product=product, actor=staff)
    return min(1, len(pending))


def _store_links(profile: Profile, products: list[Product], rng: random.Random, staff) -> int:
    """One to three stores, and half the time a marketplace link to the first product; return how many links."""
    stores = rng.sample(_STORES, rng.randint(1, 3))
    for kind, pattern in stores:
        services.store_link_set(profile=profile, actor=staff, kind=kind, url=pattern.format(slug=profile.slug.replace("-", "")))
    if not (products and rng.random() < 0.5):
        return len(stores)
    services.store_link_set(
        profile=profile,
        actor=staff,
        kind=StoreKind.SHOPEE,
        url=f"https://shopee.co.id/{profile.slug.replace('-', '')}/{products[0].slug}",
        product=products[0],
    )
    return len(stores) + 1


def _interest_seed(products: list[Product], rng: random.Random) -> Counter:
    """Buyer interest for the approved new products, while none of their profiles has any, and
    one product reported."""
    approved = list(Product.objects.filter(pk__in=[p.pk for p in products], status=ProductStatus.APPROVED).order_by("pk"))
    if not approved or InterestCount.objects.filter(profile_id__in={p.profile_id for p in approved}).exists():
        return Counter()
    created = Counter(_interest(approved, rng))
    for product in approved[3:4]:
        services.product_report_create(
            product=product, reason="wrong", message="Harga di halaman berbeda dengan harga di toko online."
        )
        created["reports"] += 1
    return created


def _interest(products: list[Product], rng: random.Random) -> dict[str, int]:
    """Six months of counted interest and some inquiries, the older ones already erased."""
    today = timezone.localdate()
    months = _months_back(today)
    counts: dict[tuple, int] = {}
    inquiries = []
    for product in products:
        inquiries += _product_interest(product, rng, months, today, counts)
    InterestCount.objects.bulk_create(
        [InterestCount(profile_id=p, product_id=q, kind=k, day=d, count=n) for (p, q, k, d), n in counts.items()]
    )
    now = timezone.now()
    rows = [_inquiry(product, month, province, rng, now) for product, month, province in inquiries]
    Inquiry.objects.bulk_create(rows)
    return {"counts": len(counts), "inquiries": len(rows)}


def _months_back(today: date) -> list[date]:
    """The first days of this month and the ones before it, newest first."""
    months = [month_first(today)]
    for _ in range(_INTEREST_MONTHS - 1):
        months.append(month_first(months[-1] - timedelta(days=1)))
    return months


def _product_interest(product: Product, rng: random.Random, months: list[date], today: date, counts: dict) -> list[tuple]:
    """Add one product's counts to ``counts``, oldest month first (interest grows); return its
    inquiries as (product, month, province)."""
    appeal = rng.lognormvariate(0, 0.6)
    inquiries = []
    for age, month in enumerate(reversed(months)):
        growth = 0.6 + 0.12 * age
        last_day = today if month == months[0] else (month.replace(day=28))
        for _ in range(rng.randint(1, 3)):
            day = month + timedelta(days=rng.randint(0, (last_day - month).days))
            _day_interest(product, rng, day, appeal, growth, counts)
        if rng.random() < 0.18 * growth:
            inquiries.append((product, month, rng.choices(_PROVINCE_CODES, weights=_PROVINCE_WEIGHTS)[0]))
    return inquiries


def _day_interest(product: Product, rng: random.Random, day: date, appeal: float, growth: float, counts: dict) -> None:
    """One day's views, WhatsApp and store clicks of a product, and sometimes of its profile."""
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


def _inquiry(product: Product, month: date, province: str, rng: random.Random, now: datetime) -> Inquiry:
    """A buyer's inquiry in ``month``; past 90 days only its province is kept (erased)."""
    created = timezone.make_aware(datetime.combine(month + timedelta(days=rng.randint(0, 20)), time.min))
    created = min(created + timedelta(hours=rng.randint(8, 21)), now - timedelta(hours=1))
    place = _PLACE_BY_PROVINCE.get(province, "kota saya")
    erased = (now - created).days > 90
    return Inquiry(
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
