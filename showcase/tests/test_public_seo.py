"""Being found: JSON-LD, Open Graph, canonical and hreflang, sitemap.xml and robots.txt."""

import json
import re
from datetime import timedelta
from html import unescape as html_unescape
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from trainings.tests.factories import TrainingSessionFactory

from .factories import ProductFactory
from .public_helpers import ProductPhotoFactory

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


@pytest.fixture
def product(showcase_reference):
    product = ProductFactory(name="Rendang Telur", price_min=40_000, unit="bungkus", profile__business__address="Jl. Rahasia 9")
    ProductPhotoFactory(product=product)
    ProductFactory(profile=product.profile, name="Rendang Paru", price_min=90_000, price_max=120_000)
    return product


def _ld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def _meta(html: str, attribute: str, name: str) -> str:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    assert found, name
    return found.group(1)


def test_the_business_page_has_a_local_business_offering_each_product(client, product):
    profile = product.profile
    data = _ld(client.get(reverse("showcase:profile", args=[profile.slug])).content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LocalBusiness"
    assert data["name"] == profile.business.name
    assert data["address"]["@type"] == "PostalAddress" and data["address"]["addressCountry"] == "ID"
    assert "streetAddress" not in data["address"]  # not chosen
    assert profile.business.kelurahan.name in data["address"]["addressLocality"]
    offers = {offer["itemOffered"]["name"]: offer for offer in data["makesOffer"]}
    assert set(offers) == {"Rendang Telur", "Rendang Paru"}
    for offer in offers.values():
        assert offer["@type"] == "Offer" and offer["priceCurrency"] == "IDR"
        assert offer["itemOffered"]["@type"] == "Product"
        assert offer["url"].startswith(settings.SITE_URL)
    assert offers["Rendang Telur"]["price"] == 40_000
    assert offers["Rendang Telur"]["itemOffered"]["image"][0].startswith(settings.SITE_URL)
    spec = offers["Rendang Paru"]["priceSpecification"]
    assert (spec["@type"], spec["minPrice"], spec["maxPrice"], spec["priceCurrency"]) == (
        "PriceSpecification",
        90_000,
        120_000,
        "IDR",
    )


def test_the_product_page_has_a_product_with_an_idr_offer_and_no_private_data(client, product):
    html = client.get(reverse("showcase:product", args=[product.profile.slug, product.slug])).content.decode()
    data = _ld(html)
    assert data["@type"] == "Product" and data["name"] == "Rendang Telur"
    assert data["image"] and all(image.startswith("http") for image in data["image"])
    offer = data["offers"]
    assert (offer["@type"], offer["priceCurrency"], offer["price"]) == ("Offer", "IDR", 40_000)
    assert offer["seller"]["@type"] == "LocalBusiness"
    owner = product.profile.business.owner
    text = json.dumps(data)
    for secret in (owner.nik, owner.phone, owner.email or "@", owner.name, "Jl. Rahasia"):
        assert secret not in text


def test_the_street_address_is_in_the_json_ld_only_when_chosen(client, product):
    profile = product.profile
    profile.show_address = True
    profile.save()
    data = _ld(client.get(reverse("showcase:profile", args=[profile.slug])).content.decode())
    assert data["address"]["streetAddress"] == "Jl. Rahasia 9"


def test_a_story_cannot_break_out_of_the_json_ld_script(client, product):
    profile = product.profile
    profile.story = "Enak </script><script>alert(1)</script>"
    profile.save()
    html = client.get(reverse("showcase:profile", args=[profile.slug])).content.decode()
    assert "<script>alert(1)" not in html
    assert _ld(html)["description"] == profile.story


def test_the_product_page_has_open_graph_and_twitter_tags_with_the_absolute_photo(client, product):
    html = client.get(reverse("showcase:product", args=[product.profile.slug, product.slug])).content.decode()
    image = _meta(html, "property", "og:image")
    assert image.startswith(settings.SITE_URL) and image.endswith(".webp")
    assert _meta(html, "property", "og:image:width") == "1280"
    assert _meta(html, "property", "og:type") == "product"
    assert "Rendang Telur" in _meta(html, "property", "og:title")
    assert _meta(html, "property", "og:url").startswith(settings.SITE_URL)
    assert _meta(html, "name", "twitter:card") == "summary_large_image"
    assert _meta(html, "name", "twitter:image") == image


def test_canonical_and_hreflang_links_resolve_to_the_page_in_that_language(client, product):
    path = reverse("showcase:product", args=[product.profile.slug, product.slug])
    html = client.get(path).content.decode()
    links = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    assert set(links) == {"id", "en", "x-default"}
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html).group(1)
    assert canonical == links["x-default"]  # the bare URL is its own canonical
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # whatever the visitor's own choice
    for code in ("id", "en"):
        url = urlsplit(links[code])
        page = client.get(f"{url.path}?{url.query}").content.decode()
        assert f'<html lang="{code}">' in page
        assert re.search(r'<link rel="canonical" href="([^"]+)">', page).group(1) == links[code]


def test_the_search_page_keeps_its_words_in_its_canonical_url(client, product):
    html = client.get(reverse("showcase:search"), {"q": "rendang", "utm_source": "x"}).content.decode()
    canonical = html_unescape(re.search(r'<link rel="canonical" href="([^"]+)">', html).group(1))
    assert canonical == f"{settings.SITE_URL}/etalase/cari/?q=rendang"


def _sitemap_locations(client) -> set[str]:
    index = ElementTree.fromstring(client.get("/sitemap.xml").content)
    locations = set()
    for sitemap in index.findall("sm:sitemap/sm:loc", SITEMAP_NS):
        section = ElementTree.fromstring(client.get(urlsplit(sitemap.text).path).content)
        locations |= {loc.text for loc in section.findall("sm:url/sm:loc", SITEMAP_NS)}
    return locations


def test_the_sitemap_lists_every_public_page_in_both_languages_and_the_sessions(client, product):
    session = TrainingSessionFactory()
    locations = _sitemap_locations(client)
    site = settings.SITE_URL
    profile_path = reverse("showcase:profile", args=[product.profile.slug])
    for path in (
        profile_path,
        reverse("showcase:product", args=[product.profile.slug, product.slug]),
        reverse("showcase:category", args=["makanan-khas"]),
        reverse("showcase:sentra", args=["sentra-rendang"]),
        reverse("showcase:home"),
    ):
        assert {f"{site}{path}?hl=id", f"{site}{path}?hl=en"} <= locations, path
    assert f"{site}{reverse('trainings:session-detail', args=[session.pk])}" in locations
    section = client.get("/sitemap-usaha.xml").content.decode()
    assert f'hreflang="en" href="{site}{profile_path}?hl=en"' in section


def test_the_sitemap_leaves_out_what_is_not_public(client, product):
    hidden = ProductFactory(status="pending", name="Belum disetujui")
    withdrawn = ProductFactory(profile__withdrawn_at=timezone.now() + timedelta(seconds=1))
    paths = {urlsplit(location).path for location in _sitemap_locations(client)}
    assert reverse("showcase:product", args=[hidden.profile.slug, hidden.slug]) not in paths
    assert reverse("showcase:profile", args=[withdrawn.profile.slug]) not in paths
    assert reverse("showcase:product", args=[withdrawn.profile.slug, withdrawn.slug]) not in paths
    assert reverse("showcase:profile", args=[product.profile.slug]) in paths


def test_robots_txt_keeps_private_areas_out_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    for path in ("/admin/", "/akun/", "/usaha/", "/pemulihan/", "/etalase/kelola/", "/etalase/minat/"):
        assert f"Disallow: {path}\n" in text
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in text
    assert "Disallow: /etalase/\n" not in text
