"""The owners' showcase pages, used the way an owner uses them from a phone (no JavaScript):
consent, profile, products with photos, store links; and who may reach them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from businesses.tests.factories import BusinessFactory, OwnerFactory, UserFactory
from showcase import services
from showcase.models import Product, ProductPhoto, ProductStatus, Profile, StoreLink

from .factories import ProductFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def jpeg(name="rendang.jpg", size=(1200, 900)):
    out = io.BytesIO()
    Image.new("RGB", size, (160, 70, 20)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def profile(reference):
    return ProfileFactory()


@pytest.fixture
def owner_client(client, profile):
    client.force_login(profile.business.owner.user)
    return client


def _owner_urls(profile, product, photo, link):
    b = profile.business_id
    return {
        "GET": [
            reverse("showcase:owner-consent", args=[b]),
            reverse("showcase:owner-profile", args=[b]),
            reverse("showcase:owner-products", args=[b]),
            reverse("showcase:owner-product-add", args=[b]),
            reverse("showcase:owner-product-edit", args=[b, product.pk]),
            reverse("showcase:owner-product-delete", args=[b, product.pk]),
            reverse("showcase:owner-links", args=[b]),
            reverse("showcase:owner-photo", args=[photo.pk, 320]),
        ],
        "POST": [
            reverse("showcase:owner-consent-withdraw", args=[b]),
            reverse("showcase:owner-profile", args=[b]),
            reverse("showcase:owner-product-add", args=[b]),
            reverse("showcase:owner-product-edit", args=[b, product.pk]),
            reverse("showcase:owner-product-delete", args=[b, product.pk]),
            reverse("showcase:owner-product-action", args=[b, product.pk, "sembunyikan"]),
            reverse("showcase:owner-photo-remove", args=[b, photo.pk]),
            reverse("showcase:owner-photo-first", args=[b, photo.pk]),
            reverse("showcase:owner-links", args=[b]),
            reverse("showcase:owner-link-remove", args=[b, link.pk]),
        ],
    }


@pytest.fixture
def world(profile, django_capture_on_commit_callbacks):
    product = ProductFactory(profile=profile)
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.product_photo_add(product=product, upload=jpeg(), actor=profile.business.owner.user)
    Product.objects.filter(pk=product.pk).update(
        status=ProductStatus.APPROVED, decided_at=timezone.now()
    )  # approved with its photo
    product.refresh_from_db()
    link = StoreLink.objects.create(profile=profile, kind="shopee", url="https://shopee.co.id/rendang")
    return {"product": product, "photo": photo, "link": link}


def test_another_owner_gets_404_on_every_page_and_action_and_changes_nothing(client, profile, world):
    intruder = BusinessFactory(owner=OwnerFactory())  # an owner with a business of their own
    client.force_login(intruder.owner.user)
    urls = _owner_urls(profile, **world)
    for url in urls["GET"]:
        assert client.get(url).status_code == 404, url
    for url in urls["POST"]:
        assert (
            client.post(url, {"story": "x", "name": "x", "kind": "shopee", "url": "https://shopee.co.id/x"}).status_code == 404
        ), url
    assert Product.objects.filter(pk=world["product"].pk, status=ProductStatus.APPROVED).exists()
    assert ProductPhoto.objects.filter(pk=world["photo"].pk).exists()
    assert StoreLink.objects.filter(pk=world["link"].pk).exists()
    assert Profile.objects.get(pk=profile.pk).consent_active


def test_an_official_is_refused_and_an_anonymous_visitor_sent_to_sign_in(client, profile, world):
    urls = _owner_urls(profile, **world)
    for url in urls["GET"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url
    client.force_login(UserFactory(role="pejabat"))
    for url in urls["GET"]:
        assert client.get(url).status_code == 403, url


def test_staff_reach_every_page_of_any_business(client, profile, world):
    client.force_login(UserFactory(role="staf"))
    for url in _owner_urls(profile, **world)["GET"]:
        assert client.get(url).status_code == 200, url


def test_staff_cannot_give_consent_for_an_owner(client, reference):
    business = BusinessFactory()
    client.force_login(UserFactory(role="staf"))
    response = client.post(reverse("showcase:owner-consent-give", args=[business.pk]), {"agree": "on"})
    assert response.status_code == 403
    assert not Profile.objects.exists()


def test_the_owner_home_links_to_the_showcase(client, profile):
    client.force_login(profile.business.owner.user)
    page = client.get(reverse("businesses:mine")).content.decode()
    assert reverse("showcase:owner-home") in page
    home = client.get(reverse("showcase:owner-home")).content.decode()
    assert profile.business.name in home and reverse("showcase:owner-products", args=[profile.business_id]) in home


def test_consent_is_explained_needs_the_box_ticked_and_is_recorded(client, reference):
    business = BusinessFactory()
    client.force_login(business.owner.user)
    url = reverse("showcase:owner-consent", args=[business.pk])
    page = client.get(url).content.decode()
    assert "terpisah dari persetujuan data saat mendaftar" in page and "NIK" in page
    refused = client.post(reverse("showcase:owner-consent-give", args=[business.pk]), {}, follow=True)
    assert refused.redirect_chain == [(url, 302)] and "Centang persetujuan" in refused.content.decode()
    assert not Profile.objects.exists()
    given = client.post(reverse("showcase:owner-consent-give", args=[business.pk]), {"agree": "on"})
    assert given.status_code == 302
    assert Profile.objects.get(business=business).consent_active


def test_withdrawing_consent_from_the_page_hides_the_business_at_once(owner_client, profile, world):
    from showcase.selectors import products_public, profiles_public

    assert profiles_public().filter(pk=profile.pk).exists() and products_public().exists()
    response = owner_client.post(reverse("showcase:owner-consent-withdraw", args=[profile.business_id]))
    assert response.status_code == 302
    assert not profiles_public().filter(pk=profile.pk).exists()
    assert not products_public().exists()
    page = owner_client.get(reverse("showcase:owner-consent", args=[profile.business_id])).content.decode()
    assert "Persetujuan ditarik pada" in page


def test_pages_without_consent_send_the_owner_to_the_consent_page(client, reference):
    business = BusinessFactory()
    client.force_login(business.owner.user)
    for name in ("showcase:owner-profile", "showcase:owner-products", "showcase:owner-product-add", "showcase:owner-links"):
        response = client.get(reverse(name, args=[business.pk]))
        assert response["Location"] == reverse("showcase:owner-consent", args=[business.pk])


def test_profile_edit_saves_the_order_number_and_address_choice(owner_client, profile):
    url = reverse("showcase:owner-profile", args=[profile.business_id])
    response = owner_client.post(url, {"story": "Sejak 1985.", "order_phone": "0812 6600 0099", "show_address": "on"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.story, profile.order_phone, profile.show_address) == ("Sejak 1985.", "+6281266000099", True)
    bad = owner_client.post(url, {"story": "Cerita\x00tersembunyi"})
    assert bad.status_code == 200 and not Profile.objects.filter(story__contains="tersembunyi").exists()


def test_an_owner_adds_a_product_with_two_photos_and_it_waits_for_approval(
    owner_client, profile, django_capture_on_commit_callbacks
):
    url = reverse("showcase:owner-product-add", args=[profile.business_id])
    form = owner_client.get(url).content.decode()
    assert 'type="file"' in form and 'accept="image/jpeg,image/png,image/webp,image/*"' in form and "multiple" in form
    assert "diperiksa petugas Disnakerin" in form
    data = {"name": "Rendang Paru", "price_min": "85000", "unit": "bungkus", "min_order": "1", "photos": [jpeg(), jpeg("b.png")]}
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url, data, follow=True)
    product = Product.objects.get(name="Rendang Paru")
    assert product.status == ProductStatus.PENDING
    assert product.photos.count() == 2
    assert "menunggu pemeriksaan petugas" in response.content.decode()
    listing = owner_client.get(reverse("showcase:owner-products", args=[profile.business_id])).content.decode()
    assert "Menunggu persetujuan" in listing and "Rp 85.000" in listing


def test_one_bad_photo_saves_nothing_and_says_which_file(owner_client, profile, settings, django_capture_on_commit_callbacks):
    url = reverse("showcase:owner-product-add", args=[profile.business_id])
    script = SimpleUploadedFile("bukan-foto.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    data = {"name": "Galamai", "price_min": "30000", "unit": "kotak", "min_order": "1", "photos": [jpeg(), script]}
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url, data)
    assert response.status_code == 200
    assert "bukan-foto.jpg: Berkas ini bukan foto JPG, PNG atau WebP" in response.content.decode()
    assert not Product.objects.filter(name="Galamai").exists()
    assert not ProductPhoto.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_more_than_five_photos_are_refused_by_the_form(owner_client, profile):
    url = reverse("showcase:owner-product-add", args=[profile.business_id])
    data = {
        "name": "Songket",
        "price_min": "900000",
        "unit": "helai",
        "min_order": "1",
        "photos": [jpeg(f"{i}.jpg") for i in range(6)],
    }
    response = owner_client.post(url, data)
    assert "Paling banyak 5 foto" in response.content.decode()
    assert not Product.objects.exists()


def test_editing_a_refused_product_shows_the_reason_and_sends_it_back_for_review(owner_client, profile):
    product = ProductFactory(profile=profile, status=ProductStatus.REFUSED, refusal_reason="Foto tidak jelas")
    url = reverse("showcase:owner-product-edit", args=[profile.business_id, product.pk])
    assert "Foto tidak jelas" in owner_client.get(url).content.decode()
    listing = owner_client.get(reverse("showcase:owner-products", args=[profile.business_id])).content.decode()
    assert "Foto tidak jelas" in listing
    data = {"name": product.name, "price_min": "150000", "unit": "kg", "min_order": "1", "description": "Foto baru"}
    assert owner_client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert product.status == ProductStatus.PENDING and product.refusal_reason == ""


def test_hide_show_and_delete_from_the_list(owner_client, profile, world):
    b, product = profile.business_id, world["product"]
    owner_client.post(reverse("showcase:owner-product-action", args=[b, product.pk, "sembunyikan"]))
    product.refresh_from_db()
    assert product.status == ProductStatus.HIDDEN
    owner_client.post(reverse("showcase:owner-product-action", args=[b, product.pk, "tampilkan"]))
    product.refresh_from_db()
    assert product.status == ProductStatus.APPROVED  # approved before hiding, unchanged since
    assert owner_client.post(reverse("showcase:owner-product-action", args=[b, product.pk, "hapus-semua"])).status_code == 404
    confirm = owner_client.get(reverse("showcase:owner-product-delete", args=[b, product.pk]))
    assert "Ya, hapus produk" in confirm.content.decode()
    owner_client.post(reverse("showcase:owner-product-delete", args=[b, product.pk]))
    assert not Product.objects.filter(pk=product.pk).exists()


def test_store_links_for_the_business_and_for_a_product(owner_client, profile, world):
    b, product = profile.business_id, world["product"]
    url = reverse("showcase:owner-links", args=[b])
    refused = owner_client.post(url, {"kind": "tokopedia", "url": "https://tokopedia.evil.example/toko"})
    assert refused.status_code == 200 and "bukan alamat Tokopedia" in refused.content.decode()
    owner_client.post(url, {"kind": "tokopedia", "url": "tokopedia.com/rendanguni"})
    owner_client.post(url, {"kind": "shopee", "url": "https://shopee.co.id/rendang-1kg", "product": str(product.pk)})
    assert StoreLink.objects.filter(
        profile=profile, product=None, kind="tokopedia", url="https://tokopedia.com/rendanguni"
    ).exists()
    assert StoreLink.objects.filter(product=product, kind="shopee").exists()
    page = owner_client.get(reverse("showcase:owner-product-edit", args=[b, product.pk])).content.decode()
    assert "https://shopee.co.id/rendang-1kg" in page
    bad_product_link = owner_client.post(url, {"kind": "shopee", "url": "https://evil.example/", "product": str(product.pk)})
    assert bad_product_link.status_code == 200 and "bukan alamat Shopee" in bad_product_link.content.decode()


def test_the_owner_sees_their_pending_photo_but_another_owner_does_not(client, owner_client, profile, world):
    response = owner_client.get(reverse("showcase:owner-photo", args=[world["photo"].pk, 640]))
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert owner_client.get(reverse("showcase:owner-photo", args=[world["photo"].pk, 999])).status_code == 404


# --- Query budgets: each page reads the same number of queries with 1 or 30 products --------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(context)


def _grow(profile, n, django_capture_on_commit_callbacks):
    owner = profile.business.owner.user
    while profile.products.count() < n:
        product = ProductFactory(profile=profile)
        with django_capture_on_commit_callbacks(execute=True):
            services.product_photo_add(product=product, upload=jpeg(size=(200, 150)), actor=owner)
        StoreLink.objects.create(profile=profile, product=product, kind="shopee", url="https://shopee.co.id/x")


def test_owner_pages_keep_their_query_count_as_products_grow(client, profile, world, django_capture_on_commit_callbacks):
    owner = profile.business.owner.user
    b, product = profile.business_id, world["product"]
    StoreLink.objects.create(profile=profile, product=product, kind="tokopedia", url="https://tokopedia.com/x")
    urls = [
        reverse("showcase:owner-home"),
        reverse("showcase:owner-consent", args=[b]),
        reverse("showcase:owner-profile", args=[b]),
        reverse("showcase:owner-products", args=[b]),
        reverse("showcase:owner-product-add", args=[b]),
        reverse("showcase:owner-product-edit", args=[b, product.pk]),
        reverse("showcase:owner-product-delete", args=[b, product.pk]),
        reverse("showcase:owner-links", args=[b]),
        reverse("showcase:owner-photo", args=[world["photo"].pk, 320]),
    ]
    client.force_login(owner)
    small = {url: _queries(client, url) for url in urls}
    _grow(profile, 30, django_capture_on_commit_callbacks)
    for _ in range(3):
        services.product_photo_add(product=product, upload=jpeg(size=(200, 150)), actor=owner)
    large = {url: _queries(client, url) for url in urls}
    assert small == large
    assert max(large.values()) <= 10, large
