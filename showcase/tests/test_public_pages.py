"""The showcase's public pages: what they show, what they never show, and their query counts."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from businesses.models import CertificationKind, Kelurahan
from businesses.tests.factories import CertificationFactory
from showcase.models import InterestCount, InterestKind, Sentra, StoreKind
from showcase.sitemaps import SITEMAPS

from .factories import ProductFactory, ProfileFactory
from .public_helpers import ProductPhotoFactory, StoreLinkFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Linux; Android 13; SM-A146P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Mobile Safari/537.36"


@pytest.fixture
def product(showcase_reference):
    product = ProductFactory(
        name="Rendang Daging Uni Ros",
        price_min=150_000,
        price_max=180_000,
        unit="kg",
        min_order=2,
        shipping_note="Tahan dua minggu, dikirim ke seluruh Indonesia.",
        profile__sentra=Sentra.objects.get(slug="sentra-rendang"),
        profile__business__name="Rendang Uni Ros",
        profile__business__address="Jl. Rahasia No. 77",
    )
    ProductPhotoFactory(product=product, position=0)
    ProductPhotoFactory(product=product, position=1)
    StoreLinkFactory(profile=product.profile, kind=StoreKind.SHOPEE, url="https://shopee.co.id/rendangunirosx")
    StoreLinkFactory(
        profile=product.profile, product=product, kind=StoreKind.TOKOPEDIA, url="https://www.tokopedia.com/unirosx/rendang"
    )
    return product


def _urls(product) -> dict[str, str]:
    profile = product.profile
    category = profile.business.kbli.showcase_categories.first()
    return {
        "home": reverse("showcase:home"),
        "search": reverse("showcase:search") + "?q=rendang",
        "category": reverse("showcase:category", args=[category.slug]),
        "sentra": reverse("showcase:sentra", args=[profile.sentra.slug]),
        "profile": reverse("showcase:profile", args=[profile.slug]),
        "product": reverse("showcase:product", args=[profile.slug, product.slug]),
    }


def test_every_public_page_shows_the_business(client, product):
    for name, url in _urls(product).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert "Rendang Uni Ros" in response.content.decode(), name


def test_the_product_page_shows_price_range_unit_order_shipping_and_buttons(client, product):
    html = client.get(_urls(product)["product"]).content.decode()
    assert "Rp 150.000 – Rp 180.000" in html
    assert "/ kg" in html
    assert "Tahan dua minggu" in html
    assert "Pesan lewat WhatsApp" in html
    # Through the counted redirect, which forwards to wa.me (showcase/tests/test_interest_redirects.py)
    assert reverse("showcase:go-whatsapp", args=[product.profile.slug, product.slug]) in html
    assert "Beli di Tokopedia" in html and "Beli di Shopee" in html  # the product's own, then the business's
    assert reverse("showcase:report", args=[product.profile.slug, product.slug]) in html


def test_the_product_photos_have_srcset_sizes_and_only_the_first_is_eager(client, product):
    html = client.get(_urls(product)["product"]).content.decode()
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 2
    for image in images:
        assert re.search(r'srcset="[^"]+ 320w, [^"]+ 640w, [^"]+ 1280w"', image)
        assert 'width="1280"' in image and 'height="960"' in image
    assert 'loading="lazy"' not in images[0] and 'fetchpriority="high"' in images[0]
    assert 'loading="lazy"' in images[1]


def test_photos_are_served_while_the_product_is_public_only(client, product):
    from showcase.seo import photo_url

    photo = product.photos.first()
    url = photo_url(photo.image_320)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"
    assert client.get(url.replace(".webp", "0.webp")).status_code == 404
    product.status = "hidden"
    product.save()
    assert client.get(url).status_code == 404


def test_the_business_page_shows_place_sentra_category_and_valid_certifications_by_kind(client, product):
    business = product.profile.business
    CertificationFactory(business=business, kind=CertificationKind.PIRT, number="PIRT-2061376010123")
    CertificationFactory(business=business, kind=CertificationKind.HALAL, number="ID13110000123450421")
    expired = timezone.localdate().replace(year=timezone.localdate().year - 1)
    CertificationFactory(
        business=business,
        kind=CertificationKind.SNI,
        number="SNI-LAMA-1",
        issued_on=expired.replace(year=expired.year - 1),
        valid_until=expired,
    )
    html = client.get(_urls(product)["profile"]).content.decode()
    assert business.kelurahan.name in html and business.kelurahan.kecamatan.name in html
    assert "Sentra IKM Randang" in html
    assert "Rendang &amp; masakan khas" in html
    assert "P-IRT" in html and "Sertifikat halal" in html
    assert "SNI" not in html  # expired
    assert "PIRT-2061376010123" not in html and "ID13110000123450421" not in html  # kind only


def test_the_street_address_shows_only_when_the_owner_chose_it(client, product):
    url = _urls(product)["profile"]
    assert "Jl. Rahasia No. 77" not in client.get(url).content.decode()
    profile = product.profile
    profile.show_address = True
    profile.save()
    assert "Jl. Rahasia No. 77" in client.get(url).content.decode()


def test_no_nik_private_phone_email_or_street_address_in_any_public_page(client, product):
    owner = product.profile.business.owner
    owner.phone = "+6281377788899"
    owner.email = "pemilik.rahasia@contoh.id"
    owner.save()
    secrets = [owner.nik, owner.phone, owner.phone.removeprefix("+"), "081377788899", owner.email, owner.name, "Jl. Rahasia"]
    urls = [*_urls(product).values(), "/sitemap.xml", *(f"/sitemap-{section}.xml" for section in SITEMAPS)]
    for url in urls:
        html = client.get(url).content.decode()
        for secret in secrets:
            assert secret not in html, (url, secret)


def test_withdrawn_consent_hides_the_business_everywhere_on_the_next_request(client, product):
    urls = _urls(product)
    for url in urls.values():
        assert client.get(url).status_code == 200  # now in the public cache
    assert product.profile.slug in client.get("/sitemap-usaha.xml").content.decode()
    profile = product.profile
    profile.withdrawn_at = timezone.now()
    profile.save()
    assert client.get(urls["profile"]).status_code == 404
    assert client.get(urls["product"]).status_code == 404
    for name in ("home", "search", "category", "sentra"):
        assert "Rendang Uni Ros" not in client.get(urls[name]).content.decode(), name
    for section in ("usaha", "produk"):
        sitemap = client.get(f"/sitemap-{section}.xml").content.decode()
        assert profile.slug not in sitemap


def test_a_deactivated_business_leaves_the_showcase_at_once(client, product):
    url = _urls(product)["product"]
    assert client.get(url).status_code == 200
    business = product.profile.business
    business.status, business.deactivated_at = "inactive", timezone.now()
    business.save()
    assert client.get(url).status_code == 404


def test_a_changed_price_shows_on_the_next_anonymous_request(client, product):
    url = _urls(product)["product"]
    assert "Rp 150.000" in client.get(url).content.decode()
    assert client.get(url).public_cache == "hit"
    product.price_min, product.price_max = 160_000, None
    product.save()
    assert "Rp 160.000" in client.get(url).content.decode()


@pytest.mark.parametrize("page", ["profile", "product"])
def test_a_page_view_is_counted_also_when_served_from_the_cache(client, product, page):
    url = _urls(product)[page]
    kind = InterestKind.PROFILE_VIEW if page == "profile" else InterestKind.PRODUCT_VIEW
    assert client.get(url, HTTP_USER_AGENT="curl/8").public_cache == "stored"  # a script: not counted
    first = client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="10.1.1.1")
    second = client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="10.1.1.2")
    again = client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="10.1.1.2")  # same visitor, same day
    assert (first.public_cache, second.public_cache, again.public_cache) == ("hit", "hit", "hit")
    assert "X-Showcase-Interest" not in first.headers
    assert InterestCount.objects.get(kind=kind).count == 2


def test_a_page_no_longer_public_answers_404_and_unknown_slugs_too(client, product):
    assert client.get(reverse("showcase:profile", args=["tidak-ada"])).status_code == 404
    assert client.get(reverse("showcase:product", args=[product.profile.slug, "tidak-ada"])).status_code == 404
    assert client.get(reverse("showcase:category", args=["tidak-ada"])).status_code == 404
    assert client.get(reverse("showcase:sentra", args=["tidak-ada"])).status_code == 404


def test_the_pages_work_in_english_by_hl(client, product):
    html = client.get(_urls(product)["product"] + "?hl=en").content.decode()
    assert '<html lang="en">' in html
    assert "Rendang &amp; regional dishes" in html
    assert "Rp 150,000" in html


def test_a_visitor_reports_a_product_and_nothing_about_them_is_kept(client, product):
    url = reverse("showcase:report", args=[product.profile.slug, product.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "wrong", "message": "Harga tidak sesuai"})
    assert response.status_code == 302
    report = product.reports.get()
    assert (report.reason, report.message) == ("wrong", "Harga tidak sesuai")


def test_a_report_with_a_control_character_is_refused_with_a_message(client, product):
    url = reverse("showcase:report", args=[product.profile.slug, product.slug])
    response = client.post(url, {"reason": "wrong", "message": "ada\x00nol"})
    assert response.status_code == 200
    assert not product.reports.exists()


# --- Query budgets: the same count for 1 row as for many ------------------------------------


def count_queries(client, url) -> int:
    cache.clear()  # counted cold, rendered by the view
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context)


def _more(product, n: int) -> None:
    profile = product.profile
    kelurahan = Kelurahan.objects.order_by("code")
    for i in range(n):
        other = ProfileFactory(sentra=profile.sentra, business__kelurahan=kelurahan[i % kelurahan.count()])
        for _ in range(2):
            item = ProductFactory(profile=other)
            ProductPhotoFactory(product=item)
            StoreLinkFactory(profile=other, product=item, kind=StoreKind.SHOPEE)
        StoreLinkFactory(profile=other)
        CertificationFactory(business=other.business)
    for _ in range(n):
        item = ProductFactory(profile=profile)
        ProductPhotoFactory(product=item)
        StoreLinkFactory(profile=profile, product=item, kind=StoreKind.LAZADA)
    CertificationFactory(business=profile.business, kind=CertificationKind.HALAL)


def test_every_public_page_keeps_its_query_count_as_the_showcase_grows(client, product):
    urls = {**_urls(product), "search_filtered": reverse("showcase:search") + "?q=rendang&kategori=makanan-khas&urut=termurah"}
    urls["sitemap"] = "/sitemap-produk.xml"
    ProductPhotoFactory(product=ProductFactory(profile=product.profile))  # the product page's "other products" not empty
    small = {name: count_queries(client, url) for name, url in urls.items()}
    _more(product, 12)
    large = {name: count_queries(client, url) for name, url in urls.items()}
    assert large == small
    # Measured when written; a page over its budget has gained a query per something.
    budgets = {"home": 4, "search": 6, "search_filtered": 7, "category": 3, "sentra": 3, "profile": 6, "product": 6, "sitemap": 1}
    assert {name: small[name] for name in budgets} == budgets
