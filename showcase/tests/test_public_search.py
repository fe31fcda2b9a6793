"""The showcase search: words with typos, filters and sorting (PostgreSQL full text + pg_trgm)."""

import pytest
from django.urls import reverse

from businesses.models import Kbli, Kecamatan, Kelurahan
from showcase.models import Category, Sentra
from showcase.search import Filters, products_search

from .factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(showcase_reference):
    kelurahan = Kelurahan.objects.order_by("code")
    rendang = ProductFactory(
        name="Rendang Daging Sapi",
        description="Dimasak delapan jam.",
        price_min=150_000,
        profile__business__name="Dapur Uni Ros",
        profile__sentra=Sentra.objects.get(slug="sentra-rendang"),
        profile__business__kelurahan=kelurahan[0],
    )
    galamai = ProductFactory(
        name="Galamai Durian",
        description="Dodol khas Payakumbuh dari beras ketan dan gula aren.",
        price_min=35_000,
        profile__business__name="Galamai Mak Etek",
        profile__business__kbli=Kbli.objects.get(version=2020, code="10796"),
        profile__business__kelurahan=kelurahan.last(),
    )
    songket = ProductFactory(
        name="Kain Songket Balai Panjang",
        description="Ditenun tangan, motif pucuak rabuang.",
        price_min=850_000,
        price_max=1_500_000,
        profile__business__name="Tenun Bundo",
        profile__business__kbli=Kbli.objects.get(version=2020, code="13121"),
        profile__business__kelurahan=kelurahan[0],
    )
    return {"rendang": rendang, "galamai": galamai, "songket": songket}


def _names(**filters) -> list[str]:
    return [product.name for product in products_search(Filters(**filters))]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("rendang", "Rendang Daging Sapi"),
        ("rendag", "Rendang Daging Sapi"),  # a typo
        ("RENDANG", "Rendang Daging Sapi"),
        ("galamai", "Galamai Durian"),
        ("glamai", "Galamai Durian"),  # a typo
        ("songket", "Kain Songket Balai Panjang"),
        ("sonket", "Kain Songket Balai Panjang"),  # a typo
        ("gula aren", "Galamai Durian"),  # in the description
        ("uni ros", "Rendang Daging Sapi"),  # the business's name
        ("tenun", "Kain Songket Balai Panjang"),  # the category's name
    ],
)
def test_words_find_the_product_even_misspelt(catalogue, words, expected):
    names = _names(q=words)
    assert names and names[0] == expected, names


def test_unrelated_words_find_nothing(catalogue):
    assert _names(q="sepatu kulit") == []


def test_filters_by_category_sentra_kecamatan_and_price(catalogue):
    assert _names(category=Category.objects.get(slug="tenun-songket")) == ["Kain Songket Balai Panjang"]
    assert _names(sentra=Sentra.objects.get(slug="sentra-rendang")) == ["Rendang Daging Sapi"]
    last = Kelurahan.objects.order_by("code").last().kecamatan.code
    assert _names(kecamatan=last) == ["Galamai Durian"]
    assert _names(price_max=200_000, sort="termurah") == ["Galamai Durian", "Rendang Daging Sapi"]
    assert _names(price_min=1_000_000) == ["Kain Songket Balai Panjang"]  # within its range


def test_sorting_by_price_and_name(catalogue):
    assert _names(sort="termurah") == ["Galamai Durian", "Rendang Daging Sapi", "Kain Songket Balai Panjang"]
    assert _names(sort="termahal") == ["Kain Songket Balai Panjang", "Rendang Daging Sapi", "Galamai Durian"]
    assert _names(sort="nama") == ["Galamai Durian", "Kain Songket Balai Panjang", "Rendang Daging Sapi"]


def test_the_search_page_filters_without_javascript_and_ignores_bad_values(client, catalogue):
    url = reverse("showcase:search")
    html = client.get(url, {"q": "rendag", "harga_max": "banyak", "kategori": "tidak-ada"}).content.decode()
    assert "Rendang Daging Sapi" in html and "Galamai Durian" not in html
    html = client.get(url, {"kecamatan": Kecamatan.objects.order_by("code").first().code, "urut": "termurah"}).content.decode()
    assert html.index("Rendang Daging Sapi") < html.index("Kain Songket Balai Panjang")


def test_the_search_uses_the_gin_indexes(catalogue):
    """The expressions in showcase/search.py are the indexed ones (migrations/0002_search.py)."""
    from django.db import connection

    from showcase.models import Product
    from showcase.search import SearchQuery, product_vector

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for queryset in (
                Product.objects.alias(document=product_vector()).filter(
                    document=SearchQuery("rendang", config="simple", search_type="websearch")
                ),
                Product.objects.filter(name__trigram_word_similar="rendag"),
            ):
                plan = queryset.explain()
                assert "showcase_product_search_gin" in plan or "showcase_product_name_trgm" in plan, plan
        finally:
            cursor.execute("SET enable_seqscan = on")
