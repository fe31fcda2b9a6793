from datetime import datetime
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import GROUP_NAMES, Role
from businesses.models import Business, BusinessStatus, Certification, CertificationKind, Kbli, Kelurahan, Owner

PROGRAMME_START = datetime(2019, 12, 1, tzinfo=ZoneInfo("Asia/Jakarta"))


def _nik(n: int) -> str:
    # 1376 01 | day 01-28 | month 01-12 | year | serial from 0001: always a plausible NIK
    return f"137601{n % 28 + 1:02d}{n % 12 + 1:02d}{80 + n % 20:02d}{n % 9999 + 1:04d}"


# Every factory-made user's password (tests that sign in through a form type it).
PASSWORD = "rahasia-ikm-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.User"
        skip_postgeneration_save = True

    full_name = factory.Faker("name", locale="id_ID")
    email = factory.Sequence(lambda n: f"pengguna{n}@contoh.id")
    phone = factory.Sequence(lambda n: f"+62812{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if extracted:
            # get_or_create: a transactional test before this one may have flushed the migrations' groups.
            obj.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role(extracted)])[0])
            if Role(extracted) == Role.STAFF:
                obj.is_staff = True
        if create:
            obj.save()


class OwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Owner

    user = factory.SubFactory(UserFactory, role=Role.OWNER)
    name = factory.LazyAttribute(lambda o: o.user.full_name if o.user else "Pemilik")
    nik = factory.Sequence(_nik)
    phone = factory.LazyAttribute(lambda o: o.user.phone if o.user else "+6281300000000")
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "")


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    owner = factory.SubFactory(OwnerFactory)
    name = factory.Sequence(lambda n: f"Rendang Uni {n}")
    products = "Rendang daging, rendang telur"
    nib = factory.Sequence(lambda n: f"{9120000000000 + n:013d}")
    kbli = factory.LazyFunction(lambda: Kbli.objects.get(version=2020, code="10750"))
    kelurahan = factory.LazyFunction(lambda: Kelurahan.objects.order_by("code").first())
    address = "Jl. Soekarno Hatta No. 1"
    year_founded = 2010
    workers_male = 2
    workers_female = 3
    investment = 50_000_000
    turnover_2019 = 15_000_000
    status = BusinessStatus.PENDING
    # In the programme since before reporting began (every month counts it), unless a test says
    # otherwise; an inactive business left it now.
    verified_at = factory.LazyAttribute(
        lambda o: PROGRAMME_START if o.status in (BusinessStatus.VERIFIED, BusinessStatus.INACTIVE) else None
    )
    deactivated_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == BusinessStatus.INACTIVE else None)


class VerifiedBusinessFactory(BusinessFactory):
    status = BusinessStatus.VERIFIED


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    business = factory.SubFactory(BusinessFactory)
    kind = CertificationKind.PIRT
    number = factory.Sequence(lambda n: f"2010137601{n:03d}26")
    issued_on = factory.Faker("date_between", start_date="-4y", end_date="-1y")
