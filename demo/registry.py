"""A believable Payakumbuh for the quick start and for screenshots: a few hundred IKM across
kelurahan and sectors, and a demo account for every role. Deterministic and idempotent: every
row is keyed (email, phone, NIB, NIK), so a second run finds everything and changes nothing."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.roles import Role
from accounts.services import user_create
from businesses.crypto import nik_digest
from businesses.models import Business, BusinessStatus, Certification, CertificationKind, Kbli, Kelurahan, Marketplace, Owner

from .city_data import DEMO_OWNERS, MEN, PLACES, SECTORS, STAFF_ACCOUNTS, STREETS, SURNAMES, TITLES_M, TITLES_W, WOMEN

DEMO_PASSWORD = "ikm-payakumbuh-2026"  # nosec B105  # the quick start's published demo password (README), set only by seed_demo
BUSINESS_COUNT = 320
_WEIGHTS = [sector[1] for sector in SECTORS]


@dataclass
class _Registry:
    """What the city is drawn over, read once: places, codes and marketplaces, and the NIBs and
    NIKs that exist already (a second run skips those businesses)."""

    kelurahan: list[Kelurahan]
    kbli: dict[str, Kbli]
    marketplaces: list[Marketplace]
    existing_nibs: set[str]
    existing_niks: set[str]

    @classmethod
    def load(cls) -> "_Registry":
        return cls(
            kelurahan=list(Kelurahan.objects.select_related("kecamatan").order_by("code")),
            kbli={k.code: k for k in Kbli.objects.filter(version=2020)},
            marketplaces=list(Marketplace.objects.order_by("name")),
            existing_nibs=set(Business.objects.values_list("nib", flat=True)),
            existing_niks=set(Owner.objects.values_list("nik", flat=True)),
        )


@dataclass(frozen=True)
class _Draw:
    """A city business's first draws: who, what and where, and its figures."""

    code: str
    products: str
    owner_name: str
    place: Kelurahan
    business_name: str
    nib: str
    nik: str
    turnover: int
    workers: int
    investment: int
    online: bool
    status: str


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
def registry_seed() -> dict[str, int]:
    """Create the demo accounts and businesses that are missing; return how many were created."""
    users = staff_accounts_create()
    rng = random.Random(1376)  # nosec B311  # seeded demo data, reproducible on purpose; no secret
    registry = _Registry.load()
    owner_users, owner_businesses = demo_owners_create(registry)
    return {"users": users + owner_users, "businesses": owner_businesses + city_create(rng, registry)}


def staff_accounts_create() -> int:
    """The admin, staff, NIK viewer and official logins of the README; return how many were missing."""
    User = get_user_model()
    created = 0
    for full_name, email, role, extra in STAFF_ACCOUNTS:
        if User.objects.filter(email=email).exists():
            continue
        if extra == "superuser":
            User.objects.create_superuser(email=email, password=DEMO_PASSWORD, full_name=full_name)
        else:
            user_create(full_name=full_name, email=email, password=DEMO_PASSWORD, role=role, extra_groups=extra)
        created += 1
    return created


def demo_owners_create(registry: _Registry) -> tuple[int, int]:
    """The two owners who sign in (README), each with a business; return (users, businesses) created."""
    users = businesses = 0
    for index, spec in enumerate(DEMO_OWNERS):
        new_user, new_business = _demo_owner_create(index, *spec, registry=registry)
        users += new_user
        businesses += new_business
    return users, businesses


def _demo_owner_create(index, full_name, phone, email, business_name, code, status, *, registry) -> tuple[bool, bool]:
    user, new_user = _demo_owner_user(full_name=full_name, phone=phone, email=email)
    nik = _nik(random.Random(index), 2, True, 9000 + index)  # nosec B311  # a demo NIK, reproducible
    owner, _ = Owner.objects.get_or_create(
        nik_hash=nik_digest(nik), defaults={"nik": nik, "user": user, "name": full_name, "phone": phone, "email": email or ""}
    )
    nib = f"91200{index:08d}"
    if nib in registry.existing_nibs:
        return new_user, False
    Business.objects.create(
        owner=owner,
        name=business_name,
        nib=nib,
        kbli=registry.kbli[code],
        kelurahan=registry.kelurahan[20 + index],
        products=next(s[3] for s in SECTORS if s[0] == code),
        address=f"{STREETS[index]} No. {10 + index}",
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
    return new_user, True


def _demo_owner_user(*, full_name: str, phone: str, email: str | None):
    """The owner's account, found by phone or created; and whether it was created."""
    user = get_user_model().objects.filter(phone=phone).first()
    if user is not None:
        return user, False
    return user_create(full_name=full_name, phone=phone, email=email, password=DEMO_PASSWORD, role=Role.OWNER), True


def city_create(rng: random.Random, registry: _Registry) -> int:
    """BUSINESS_COUNT businesses across kelurahan and sectors with their owners, marketplaces and
    certificates, all drawn from ``rng``; return how many were created. A business that exists
    already is skipped after its first draws, so the ones after it draw what they always did."""
    owners, businesses, marketplaces = [], [], []
    for i in range(BUSINESS_COUNT):
        draw = _city_draw(rng, i, registry.kelurahan)
        if draw.nib in registry.existing_nibs or draw.nik in registry.existing_niks:
            continue
        owner = Owner(name=draw.owner_name, nik=draw.nik, phone=f"+62813{66000000 + i:08d}", email="")
        business = _city_business(rng, draw, owner, registry.kbli)
        owners.append(owner)
        businesses.append(business)
        if business.sells_on_marketplace:
            marketplaces.append((draw.nib, rng.sample(registry.marketplaces, k=rng.randint(1, 3))))
    if not owners:
        return 0
    ids = _city_save(owners, businesses, marketplaces)
    bulk_create_with_history(_certifications(rng, businesses, ids), Certification)
    return len(businesses)


def _city_draw(rng: random.Random, i: int, kelurahan: list[Kelurahan]) -> _Draw:
    code, _weight, patterns, products = rng.choices(SECTORS, weights=_WEIGHTS)[0]
    woman = rng.random() < 0.68  # most IKM owners in food and textiles are women
    given = rng.choice(WOMEN if woman else MEN)
    owner_name = given + rng.choice(SURNAMES)
    place = kelurahan[rng.randrange(len(kelurahan))]
    title = rng.choice(TITLES_W if woman else TITLES_M)
    business_name = rng.choice(patterns).format(n=f"{title} {given.split()[0]}", p=rng.choice(PLACES))
    # Keyword arguments are evaluated in the order written: this is the order of the draws.
    return _Draw(
        code=code,
        products=products,
        owner_name=owner_name,
        place=place,
        business_name=business_name,
        nib=f"{9120100000000 + i:013d}",
        nik=_nik(rng, int(place.kecamatan.code[-1]), woman, i + 1),
        turnover=int(round(rng.lognormvariate(16.6, 0.8), -4)),  # median about Rp16 juta a month
        workers=max(1, int(rng.lognormvariate(1.2, 0.7))),
        investment=int(round(rng.lognormvariate(17.8, 1.0), -5)),
        online=rng.random() < 0.45,
        status=rng.choices(list(BusinessStatus), weights=[12, 78, 4, 6])[0],
    )


def _city_business(rng: random.Random, draw: _Draw, owner: Owner, kbli: dict[str, Kbli]) -> Business:
    """The business of ``draw``, unsaved, with the rest of its draws (address, workers, sales channels)."""
    return Business(
        owner=owner,
        name=draw.business_name,
        products=draw.products,
        nib=draw.nib,
        kbli=kbli[draw.code],
        kelurahan=draw.place,
        address=f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}",
        year_founded=rng.randint(1985, 2019),
        workers_male=(men := rng.randint(0, draw.workers)),
        workers_female=draw.workers - men,
        investment=draw.investment,
        turnover_2019=draw.turnover,
        sells_in_shop=rng.random() < 0.6,
        sells_on_marketplace=draw.online and rng.random() < 0.6,
        sells_on_social_media=draw.online,
        social_media=f"@{draw.business_name.lower().replace(' ', '')}" if draw.online else "",
        sells_on_whatsapp=rng.random() < 0.7,
        reaches_city=True,
        reaches_province=rng.random() < 0.6,
        reaches_other_provinces=rng.random() < 0.45,
        reaches_export=rng.random() < 0.03,
        status=draw.status,
        rejection_reason="Dokumen NIB tidak terbaca; unggah ulang." if draw.status == BusinessStatus.REJECTED else "",
        status_changed_at=timezone.now() if draw.status != BusinessStatus.PENDING else None,
        **_programme_dates(draw.nib, draw.status),
    )


def _city_save(owners: list[Owner], businesses: list[Business], marketplaces: list[tuple]) -> dict[str, int]:
    """Write the owners, then the businesses (with history) and their marketplaces; return the
    businesses' ids by NIB."""
    bulk_create_with_history(owners, Owner)
    owner_ids = dict(Owner.objects.filter(nik_hash__in=[o.nik_hash for o in owners]).values_list("nik_hash", "pk"))
    for business in businesses:
        business.owner_id = owner_ids[nik_digest(business.owner.nik)]
    bulk_create_with_history(businesses, Business)
    ids = dict(Business.objects.filter(nib__in=[b.nib for b in businesses]).values_list("nib", "pk"))
    Through = Business.marketplaces.through
    Through.objects.bulk_create(
        [Through(business_id=ids[nib], marketplace_id=m.pk) for nib, chosen in marketplaces for m in chosen]
    )
    return ids


def _certifications(rng: random.Random, businesses: list[Business], ids: dict[str, int]) -> list[Certification]:
    certifications = []
    for business in businesses:
        certifications += _food_certifications(rng, business.kbli.code, ids[business.nib])
    return certifications


def _food_certifications(rng: random.Random, code: str, business_id: int) -> list[Certification]:
    """A food business's PIRT (about half of them) and halal certificate (about three in ten)."""
    certifications = []
    if code.startswith("10") and rng.random() < 0.5:
        certifications.append(
            Certification(
                business_id=business_id,
                kind=CertificationKind.PIRT,
                number=f"2{rng.randint(10, 99)}1376{rng.randint(10, 99)}{rng.randint(1000, 9999)}{rng.randint(25, 30)}",
                issued_on=date(2021, 1, 1) + timedelta(days=rng.randrange(0, 1000)),
            )
        )
    if code.startswith("10") and rng.random() < 0.3:
        certifications.append(
            Certification(
                business_id=business_id,
                kind=CertificationKind.HALAL,
                number=f"ID1311000{rng.randint(1000000, 9999999)}",
                issued_on=date(2022, 1, 1) + timedelta(days=rng.randrange(0, 800)),
            )
        )
    return certifications
