"""The showcase's write services: consent, products, photos (files and rollback), store links."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from businesses.tests.factories import BusinessFactory, OwnerFactory, UserFactory
from showcase import services
from showcase.models import Product, ProductPhoto, ProductStatus, Profile, StoreLink

from .factories import ProductFactory, ProfileFactory

pytestmark = pytest.mark.django_db

PRODUCT = {"name": "Rendang Telur", "price_min": 60_000, "unit": "bungkus", "description": "Renyah, tahan sebulan."}


@pytest.fixture
def staff(reference):
    return UserFactory(role="staf")


@pytest.fixture
def profile(reference):
    return ProfileFactory()


def _owner(profile):
    return profile.business.owner.user


def photo_upload(size=(1200, 900), name="foto.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (150, 60, 20)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_consent_creates_the_profile_with_a_slug_from_the_name_and_records_the_time(reference):
    business = BusinessFactory(name="Galamai Amak")
    profile = services.profile_consent_give(business=business, actor=business.owner.user)
    assert profile.slug == "galamai-amak"
    assert profile.consent_active and profile.consented_at is not None
    assert profile.order_phone == ""  # the private registry number is never copied into public


def test_a_second_business_with_the_same_name_gets_its_own_address(reference):
    first, second = BusinessFactory(name="Galamai Amak"), BusinessFactory(name="Galamai Amak")
    a = services.profile_consent_give(business=first, actor=first.owner.user)
    b = services.profile_consent_give(business=second, actor=second.owner.user)
    assert (a.slug, b.slug) == ("galamai-amak", "galamai-amak-2")


def test_only_the_owner_gives_consent_not_staff_nor_another_owner(reference, staff):
    business = BusinessFactory()
    intruder = OwnerFactory().user
    for actor in (staff, intruder):
        with pytest.raises(PermissionDenied):
            services.profile_consent_give(business=business, actor=actor)
    assert not Profile.objects.exists()


def test_withdrawal_ends_consent_at_once_and_giving_it_again_records_a_new_time(profile):
    owner = _owner(profile)
    withdrawn = services.profile_consent_withdraw(profile=profile, actor=owner)
    assert not withdrawn.consent_active and withdrawn.withdrawn_at is not None
    again = services.profile_consent_give(business=profile.business, actor=owner)
    assert again.consent_active and again.consented_at > withdrawn.withdrawn_at
    assert again.history.count() >= 3  # each change of consent is kept with its time


def test_another_owner_cannot_withdraw_or_edit(profile):
    intruder = OwnerFactory().user
    with pytest.raises(PermissionDenied):
        services.profile_consent_withdraw(profile=profile, actor=intruder)
    with pytest.raises(PermissionDenied):
        services.profile_update(profile=profile, actor=intruder, data={"story": "Diretas"})
    with pytest.raises(PermissionDenied):
        services.product_create(profile=profile, actor=intruder, data=PRODUCT)


def test_a_new_product_of_an_untrusted_owner_waits_for_approval(profile):
    product = services.product_create(profile=profile, actor=_owner(profile), data=PRODUCT)
    assert product.status == ProductStatus.PENDING and product.decided_at is None
    assert product.slug == "rendang-telur"


def test_a_trusted_owners_product_is_approved_at_once(profile, staff):
    services.profile_trust(profile=profile, actor=staff)
    product = services.product_create(profile=profile, actor=_owner(profile), data=PRODUCT)
    assert product.status == ProductStatus.APPROVED and product.decided_at is not None


def test_an_edit_of_an_approved_product_sends_it_back_to_review_but_saving_unchanged_does_not(profile):
    product = ProductFactory(profile=profile, name="Rendang", price_min=100_000)
    owner = _owner(profile)
    same = services.product_update(product=product, actor=owner, data={"name": "Rendang", "price_min": 100_000})
    assert same.status == ProductStatus.APPROVED
    edited = services.product_update(product=product, actor=owner, data={"name": "Rendang Paru"})
    assert edited.status == ProductStatus.PENDING and edited.decided_at is None


def test_a_refused_product_edited_is_reviewed_again_without_the_old_reason(profile, staff):
    product = ProductFactory(profile=profile, status=ProductStatus.PENDING)
    services.product_refuse(product=product, actor=staff, reason="Foto buram")
    edited = services.product_update(product=product, actor=_owner(profile), data={"description": "Foto baru"})
    assert edited.status == ProductStatus.PENDING and edited.refusal_reason == ""


def test_refusal_needs_a_reason_and_only_staff_decide(profile, staff):
    product = ProductFactory(profile=profile, status=ProductStatus.PENDING)
    with pytest.raises(ValidationError) as caught:
        services.product_refuse(product=product, actor=staff, reason="   ")
    assert "alasan" in str(caught.value)
    for decide in (services.product_approve, services.product_refuse):
        kwargs = {"reason": "x"} if decide is services.product_refuse else {}
        with pytest.raises(PermissionDenied):
            decide(product=product, actor=_owner(profile), **kwargs)
    product.refresh_from_db()
    assert product.status == ProductStatus.PENDING


def test_the_owner_is_told_of_each_decision_once(profile, staff, django_capture_on_commit_callbacks):
    from notifications.models import Message

    product = ProductFactory(profile=profile, status=ProductStatus.PENDING, name="Galamai")
    services.product_refuse(product=product, actor=staff, reason="Harga belum diisi dengan benar")
    services.product_approve(product=product, actor=staff)
    services.product_approve(product=product, actor=staff)  # already approved: nothing new
    subjects = sorted(set(Message.objects.values_list("subject", flat=True)))
    assert subjects == ["Produk Galamai belum dapat ditampilkan", "Produk Galamai sudah tampil di Etalase IKM"]
    refused = Message.objects.filter(subject__contains="belum").first()
    assert "Harga belum diisi dengan benar" in refused.body and "/etalase/kelola/" in refused.body


def test_hiding_and_showing_again_keeps_an_approval_but_not_an_edit(profile):
    owner = _owner(profile)
    product = ProductFactory(profile=profile)
    services.product_hide(product=product, actor=owner)
    assert services.product_unhide(product=product, actor=owner).status == ProductStatus.APPROVED
    services.product_hide(product=product, actor=owner)
    services.product_update(product=product, actor=owner, data={"name": "Nama baru"})
    product.refresh_from_db()
    assert product.status == ProductStatus.HIDDEN
    assert services.product_unhide(product=product, actor=owner).status == ProductStatus.PENDING


def test_a_photo_is_written_on_commit_under_a_random_name(profile, django_capture_on_commit_callbacks):
    product = ProductFactory(profile=profile)
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.product_photo_add(product=product, upload=photo_upload(name="KTP Budi.jpg"), actor=_owner(profile))
    assert (photo.width, photo.height) == (1200, 900)
    names = {photo.image_320.name, photo.image_640.name, photo.image_1280.name}
    assert len(names) == 3 and all(n.startswith(f"etalase/{product.pk}/") and n.endswith(".webp") for n in names)
    assert not any("KTP" in n or "Budi" in n for n in names)
    with photo.image_1280.open("rb") as handle, Image.open(handle) as decoded:
        assert decoded.size == (1200, 900)
    product.refresh_from_db()
    assert product.status == ProductStatus.PENDING  # a new photo is looked at too


def test_a_small_photo_shares_one_file_for_the_widths_it_cannot_fill(profile, django_capture_on_commit_callbacks):
    product = ProductFactory(profile=profile)
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.product_photo_add(product=product, upload=photo_upload((500, 400)), actor=_owner(profile))
    assert photo.image_640.name == photo.image_1280.name != photo.image_320.name
    assert photo.image_640.storage.exists(photo.image_640.name)


def test_a_rolled_back_upload_leaves_no_file_and_no_row(profile, settings, django_capture_on_commit_callbacks):
    product = ProductFactory(profile=profile)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            with transaction.atomic():
                services.product_photo_add(product=product, upload=photo_upload(), actor=_owner(profile))
                services.product_photo_add(product=product, upload=photo_upload(name="x.jpg"), actor=_owner(profile))
                raise ValidationError("the second step of the form failed")
    assert callbacks == []
    assert not ProductPhoto.objects.exists()
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_a_refused_upload_adds_nothing(profile):
    product = ProductFactory(profile=profile)
    bad = SimpleUploadedFile("foto.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        services.product_photo_add(product=product, upload=bad, actor=_owner(profile))
    assert not product.photos.exists()


def test_at_most_five_photos(profile, django_capture_on_commit_callbacks):
    product = ProductFactory(profile=profile)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(ProductPhoto.MAX_PER_PRODUCT):
            services.product_photo_add(product=product, upload=photo_upload((400, 300)), actor=_owner(profile))
    with pytest.raises(ValidationError) as caught:
        services.product_photo_add(product=product, upload=photo_upload((400, 300)), actor=_owner(profile))
    assert "Paling banyak 5 foto" in caught.value.messages[0]


def test_removing_a_photo_deletes_its_files_after_commit_and_closes_the_order(profile, django_capture_on_commit_callbacks):
    product = ProductFactory(profile=profile)
    owner = _owner(profile)
    with django_capture_on_commit_callbacks(execute=True):
        photos = [services.product_photo_add(product=product, upload=photo_upload((400, 300)), actor=owner) for _ in range(3)]
    storage = photos[0].image_320.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.product_photo_remove(photo=photos[0], actor=owner)
    assert not storage.exists(photos[0].image_320.name)
    assert list(product.photos.values_list("pk", "position")) == [(photos[1].pk, 0), (photos[2].pk, 1)]
    services.product_photo_reorder(product=product, actor=owner, photo_ids=[photos[2].pk, photos[1].pk])
    assert list(product.photos.values_list("pk", flat=True)) == [photos[2].pk, photos[1].pk]
    with pytest.raises(ValidationError):
        services.product_photo_reorder(product=product, actor=owner, photo_ids=[photos[2].pk])


def test_deleting_a_product_deletes_its_photo_files(profile, django_capture_on_commit_callbacks):
    product = ProductFactory(profile=profile)
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.product_photo_add(product=product, upload=photo_upload(), actor=_owner(profile))
    storage = photo.image_320.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.product_delete(product=product, actor=_owner(profile))
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not any(storage.exists(getattr(photo, f"image_{w}").name) for w in ProductPhoto.WIDTHS)


def test_store_links_are_validated_and_replaced_per_kind(profile):
    owner = _owner(profile)
    services.store_link_set(profile=profile, actor=owner, kind="tokopedia", url="tokopedia.com/rendang-uni")
    link = services.store_link_set(profile=profile, actor=owner, kind="tokopedia", url="https://www.tokopedia.com/uni-sri")
    assert list(StoreLink.objects.values_list("url", flat=True)) == [link.url] == ["https://www.tokopedia.com/uni-sri"]
    with pytest.raises(ValidationError):
        services.store_link_set(profile=profile, actor=owner, kind="tokopedia", url="https://evil.example.com/tokopedia.com")
    other = ProductFactory()
    with pytest.raises(PermissionDenied):
        services.store_link_set(profile=profile, actor=owner, kind="shopee", url="https://shopee.co.id/x", product=other)


def test_a_report_is_kept_and_resolving_it_can_take_the_product_down(profile, staff):
    product = ProductFactory(profile=profile)
    report = services.product_report_create(product=product, reason="fraud", message="Tidak pernah dikirim")
    with pytest.raises(ValidationError):
        services.product_report_resolve(report=report, actor=staff, resolution="")
    resolved = services.product_report_resolve(report=report, actor=staff, resolution="Penjual fiktif", refuse_product=True)
    assert resolved.resolved_at and resolved.resolved_by == staff
    product.refresh_from_db()
    assert product.status == ProductStatus.REFUSED and product.refusal_reason == "Penjual fiktif"
    with pytest.raises(ValidationError):
        services.product_report_resolve(report=report, actor=staff, resolution="lagi")
    with pytest.raises(ValidationError):
        services.product_report_create(product=product, reason="bukan-alasan")
