import factory
from django.utils import timezone

from businesses.models import BusinessStatus
from businesses.tests.factories import BusinessFactory
from showcase.models import Product, ProductStatus, Profile


class ProfileFactory(factory.django.DjangoModelFactory):
    """A public profile of a verified business whose owner has consented to public display."""

    class Meta:
        model = Profile

    business = factory.SubFactory(BusinessFactory, status=BusinessStatus.VERIFIED, verified_at=factory.LazyFunction(timezone.now))
    slug = factory.Sequence(lambda n: f"rendang-uni-{n}")
    story = "Rendang dimasak delapan jam di atas tungku kayu."
    order_phone = "+6281266000001"
    consented_at = factory.LazyFunction(timezone.now)


class ProductFactory(factory.django.DjangoModelFactory):
    """An approved product."""

    class Meta:
        model = Product

    profile = factory.SubFactory(ProfileFactory)
    slug = factory.Sequence(lambda n: f"rendang-daging-{n}")
    name = factory.Sequence(lambda n: f"Rendang daging {n}")
    description = "Rendang daging sapi, kering, tahan dua minggu."
    price_min = 150_000
    unit = "kg"
    status = ProductStatus.APPROVED
    decided_at = factory.LazyFunction(timezone.now)
