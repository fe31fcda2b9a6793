import pytest
from django.db.models import Count

from demo.pictures import product_picture
from demo.registry import registry_seed
from demo.showcase import PROFILE_COUNT, showcase_seed
from showcase.figures import city_interest, owner_interest
from showcase.models import Inquiry, InterestCount, Product, ProductPhoto, ProductReport, ProductStatus, Profile, StoreLink
from showcase.selectors import products_public, profiles_public

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_pictures_are_drawn_the_same_every_time():
    assert product_picture("Rendang Uni Yus Rendang Telur", "circles") == product_picture(
        "Rendang Uni Yus Rendang Telur", "circles"
    )
    assert product_picture("Rendang Uni Yus Rendang Telur", "circles") != product_picture("Galamai Mak Ros Galamai", "squares")


def test_the_demo_showcase_is_believable_and_a_second_run_adds_nothing(showcase_reference, django_capture_on_commit_callbacks):
    registry_seed()
    with django_capture_on_commit_callbacks(execute=True):
        created = showcase_seed()
    assert 60 <= created["profiles"] <= PROFILE_COUNT + 2
    public = profiles_public().annotate(n=Count("products")).values_list("n", flat=True)
    assert public.count() >= 60 and min(public) >= 2 and max(public) <= 5
    assert products_public().count() >= 150
    # Every product has a photo, written as WebP renditions by the owners' photo service.
    assert not Product.objects.filter(photos__isnull=True).exists()
    photo = ProductPhoto.objects.first()
    assert photo.width == 480 and photo.image_320.read(4) == b"RIFF"
    assert StoreLink.objects.count() >= 60
    assert 1 <= Product.objects.filter(status=ProductStatus.PENDING).count() <= 15
    assert ProductReport.objects.filter(resolved_at__isnull=True).exists()
    assert Inquiry.objects.exclude(buyer_province="13").exists() and InterestCount.objects.count() > 1000
    # The demo owner's own business shows, with products and counts.
    uni_yus = Profile.objects.get(business__owner__phone="+6281266000001")
    assert uni_yus in profiles_public() and uni_yus.products.filter(status=ProductStatus.APPROVED).count() >= 2
    (mine,) = owner_interest(user=uni_yus.business.owner.user)["businesses"]
    assert mine["total"].views > 0
    months = city_interest(start=min(r.day for r in InterestCount.objects.all()).replace(day=1), end=uni_yus.created_at.date())
    assert months["total"].inquiries == Inquiry.objects.count()

    before = [
        Model.objects.count() for Model in (Profile, Product, ProductPhoto, StoreLink, InterestCount, Inquiry, ProductReport)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        again = showcase_seed()
    assert set(again.values()) == {0}
    assert [
        Model.objects.count() for Model in (Profile, Product, ProductPhoto, StoreLink, InterestCount, Inquiry, ProductReport)
    ] == before
