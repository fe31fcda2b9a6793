from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from businesses.models import BusinessStatus
from showcase.models import InterestCount, InterestKind, ProductStatus, StoreKind, StoreLink

from .factories import ProductFactory, ProfileFactory

PHONE = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(client):
    client.defaults.update(HTTP_USER_AGENT=PHONE, REMOTE_ADDR="203.0.113.7")
    return client


def _counts():
    return sorted(InterestCount.objects.values_list("product_id", "kind", "count"), key=str)


def _wa(profile, product=None):
    args = [profile.slug, product.slug] if product else [profile.slug]
    return reverse("showcase:go-whatsapp", args=args)


def test_whatsapp_click_is_counted_and_forwarded_to_the_profiles_order_number(buyer, reference, settings):
    settings.SITE_URL = "https://ikm.payakumbuhkota.go.id"
    product = ProductFactory(name="Rendang Daging Sapi 500 g", profile__order_phone="+6281266000001")
    response = buyer.get(_wa(product.profile, product))
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "wa.me", "/6281266000001")
    text = parse_qs(target.query)["text"][0]
    assert "Rendang Daging Sapi 500 g" in text and product.profile.business.name in text
    assert "https://ikm.payakumbuhkota.go.id/etalase/" in text
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"].startswith("noindex")
    assert not response.cookies
    assert _counts() == [(product.pk, "whatsapp", 1)]


def test_whatsapp_for_the_business_names_it_and_counts_without_a_product(buyer, reference):
    profile = ProfileFactory()
    response = buyer.get(_wa(profile))
    assert response.status_code == 302
    assert profile.business.name in parse_qs(urlsplit(response["Location"]).query)["text"][0]
    assert _counts() == [(None, "whatsapp", 1)]


def test_repeated_clicks_and_bots_count_once(buyer, reference):
    product = ProductFactory()
    for _ in range(4):
        assert buyer.get(_wa(product.profile, product)).status_code == 302
    bot = buyer.get(_wa(product.profile, product), HTTP_USER_AGENT="facebookexternalhit/1.1")
    assert bot.status_code == 302  # a preview fetcher still gets the page, but is not counted
    buyer.get(_wa(product.profile, product), HTTP_USER_AGENT="Googlebot/2.1")
    assert _counts() == [(product.pk, "whatsapp", 1)]


def test_store_click_is_counted_and_forwarded_to_that_stored_link(buyer, reference):
    product = ProductFactory()
    shop = StoreLink.objects.create(profile=product.profile, kind=StoreKind.TOKOPEDIA, url="https://www.tokopedia.com/uniyus")
    listing = StoreLink.objects.create(
        profile=product.profile, product=product, kind=StoreKind.SHOPEE, url="https://shopee.co.id/rendang-uni-yus-i.1.2"
    )
    first = buyer.get(reverse("showcase:go-store", args=[shop.pk]))
    second = buyer.get(reverse("showcase:go-store", args=[listing.pk]))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == "https://www.tokopedia.com/uniyus"
    assert second["Location"] == "https://shopee.co.id/rendang-uni-yus-i.1.2"
    assert "no-store" in second["Cache-Control"]
    assert _counts() == sorted([(None, "store", 1), (product.pk, "store", 1)], key=str)


def test_no_open_redirect_whatever_the_query_says(buyer, reference):
    product = ProductFactory()
    link = StoreLink.objects.create(profile=product.profile, kind=StoreKind.WEBSITE, url="https://rendanguniyus.id/")
    for url in (
        reverse("showcase:go-store", args=[link.pk]) + "?next=https://jahat.example/",
        _wa(product.profile, product) + "?next=https://jahat.example/&url=//jahat.example",
    ):
        location = buyer.get(url)["Location"]
        assert "jahat.example" not in location
        assert urlsplit(location).netloc in ("rendanguniyus.id", "wa.me")


def test_a_stored_link_that_is_not_http_is_not_followed(buyer, reference):
    profile = ProfileFactory()
    link = StoreLink.objects.create(profile=profile, kind=StoreKind.WEBSITE, url="ftp://files.example/katalog")
    assert buyer.get(reverse("showcase:go-store", args=[link.pk])).status_code == 404
    assert not InterestCount.objects.exists()


def _hide(case, product):
    profile = product.profile
    if case == "withdrawn":
        profile.withdrawn_at = timezone.now()
        profile.save()
    elif case == "never consented":
        profile.consented_at = None
        profile.save()
    elif case == "business inactive":
        business = profile.business
        business.status, business.deactivated_at = BusinessStatus.INACTIVE, timezone.now()
        business.save()
    elif case in ("pending", "refused", "hidden"):
        product.status = {"pending": ProductStatus.PENDING, "refused": ProductStatus.REFUSED, "hidden": ProductStatus.HIDDEN}[
            case
        ]
        product.refusal_reason = "Foto buram." if case == "refused" else ""
        product.save()


@pytest.mark.parametrize("case", ["withdrawn", "never consented", "business inactive", "pending", "refused", "hidden"])
def test_hidden_businesses_and_products_answer_404_and_count_nothing(buyer, reference, case):
    product = ProductFactory()
    shop = StoreLink.objects.create(profile=product.profile, product=product, kind=StoreKind.SHOPEE, url="https://shopee.co.id/x")
    _hide(case, product)
    assert buyer.get(_wa(product.profile, product)).status_code == 404
    assert buyer.get(reverse("showcase:go-store", args=[shop.pk])).status_code == 404
    if case in ("withdrawn", "never consented", "business inactive"):
        assert buyer.get(_wa(product.profile)).status_code == 404
    assert not InterestCount.objects.exists()


def test_a_consent_given_again_after_withdrawal_shows_the_business_again(buyer, reference):
    profile = ProfileFactory(withdrawn_at=timezone.now() - timezone.timedelta(days=2))
    assert profile.consented_at > profile.withdrawn_at
    assert buyer.get(_wa(profile)).status_code == 302


def test_unknown_targets_and_another_profiles_product_answer_404(buyer, reference):
    product = ProductFactory()
    other = ProfileFactory()
    assert buyer.get(_wa(other, product)).status_code == 404
    assert buyer.get(reverse("showcase:go-whatsapp", args=["tidak-ada"])).status_code == 404
    assert buyer.get(reverse("showcase:go-store", args=[999999])).status_code == 404
    assert not InterestCount.objects.exists()


def test_a_business_without_an_order_number_has_no_whatsapp_redirect(buyer, reference):
    profile = ProfileFactory(order_phone="")
    assert buyer.get(_wa(profile)).status_code == 404


def test_the_redirect_only_answers_get(buyer, reference):
    profile = ProfileFactory()
    assert buyer.post(_wa(profile)).status_code == 405
    assert not InterestCount.objects.exists()


def _queries_of_first_clicks(client, product, link) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as whatsapp:
        assert client.get(_wa(product.profile, product)).status_code == 302
    with CaptureQueriesContext(connection) as store:
        assert client.get(reverse("showcase:go-store", args=[link.pk])).status_code == 302
    return len(whatsapp), len(store)


def test_a_redirect_costs_the_same_queries_however_many_products_and_links(buyer, reference):
    def one():
        product = ProductFactory()
        link = StoreLink.objects.create(
            profile=product.profile, product=product, kind=StoreKind.SHOPEE, url="https://shopee.co.id/x"
        )
        return product, link

    few = _queries_of_first_clicks(buyer, *one())
    for _ in range(15):
        product, link = one()
        InterestCount.objects.create(
            profile=product.profile, product=product, kind=InterestKind.WHATSAPP, day=timezone.localdate()
        )
    many = _queries_of_first_clicks(buyer, *one())
    assert few == many
    assert max(many) <= 7


def test_the_kinds_counted_are_the_models(reference):
    assert {InterestKind.WHATSAPP, InterestKind.STORE} <= set(InterestKind)
