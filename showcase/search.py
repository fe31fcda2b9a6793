"""Finding products in the showcase by words, with filters and sorting.

On PostgreSQL (production, tests, the benches): full-text search plus trigram similarity.

- Full text uses the ``simple`` configuration: PostgreSQL ships no Indonesian stemmer or
  dictionary (``english`` would turn "kerupuk" into nonsense and stop-word "di"/"dan" wrongly
  for nothing), so words are only lower-cased and matched whole. Indonesian affixes
  (me-, ber-, -an) are therefore not stripped; the trigram match below catches most of what a
  stemmer would, and the typos a stemmer would not.
- Trigram word similarity (pg_trgm, ``%>``) matches a misspelt word inside a name: "rendag"
  finds "Rendang daging", "galamai" and "glamai" find "Galamai". It runs over the product's and
  the business's names; the category names and the KBLI's typical-products keywords
  ("rendang", "galamai", "songket") are matched the same way on their small tables and bring in
  every product of a business in a matching KBLI.
- No ``unaccent``: Indonesian is written without diacritics, and ``unaccent()`` is not
  IMMUTABLE, so it cannot appear in an index expression without a wrapper function; trigrams
  already absorb the rare "é".
- The GIN indexes behind each of these are in migrations/0002_search.py; the expressions here
  must stay the same as the indexed ones, or PostgreSQL stops using them.

On SQLite (the quick start only): a case-insensitive ``icontains`` over the same fields, without
ranking or typo tolerance. The quick start shows the pages work; search quality is PostgreSQL's.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector, TrigramWordSimilarity
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest

from businesses.models import Business, Kbli

from . import selectors
from .models import Category, Product, Sentra

# The word-similarity threshold is set per connection in apps.py (0.5, below pg_trgm's 0.6).
SORTS = ("relevan", "termurah", "termahal", "terbaru", "nama")


@dataclass(frozen=True)
class Filters:
    """What the visitor asked for; every part optional."""

    q: str = ""
    category: Category | None = None
    sentra: Sentra | None = None
    kecamatan: str = ""  # a kecamatan code
    price_min: int | None = None
    price_max: int | None = None
    sort: str = ""


def product_vector() -> SearchVector:
    """The indexed document of a product (migrations/0002_search.py indexes exactly this)."""
    return SearchVector("name", "description", config="simple")


def _kbli_matching(q: str, *, postgres: bool):
    """KBLI codes whose keywords, title or showcase category name match the words."""
    if postgres:
        match = (
            Q(products__trigram_word_similar=q)
            | Q(title__trigram_word_similar=q)
            | Q(showcase_categories__name__trigram_word_similar=q)
            | Q(showcase_categories__name_en__trigram_word_similar=q)
        )
    else:
        match = (
            Q(products__icontains=q)
            | Q(title__icontains=q)
            | Q(showcase_categories__name__icontains=q)
            | Q(showcase_categories__name_en__icontains=q)
        )
    return Kbli.objects.filter(match).values("pk")


def _match(products: QuerySet[Product], q: str) -> QuerySet[Product]:
    if connection.vendor == "postgresql":
        # Each way of matching is its own subquery, answered from its GIN index once; the
        # products are then only looked up in those sets. One OR over the joined rows instead
        # made PostgreSQL compute every product's document: 15 s at 500,000 products.
        query = SearchQuery(q, config="simple", search_type="websearch")
        by_text = Product.objects.alias(document=product_vector()).filter(document=query).values("pk")
        by_name = Product.objects.filter(name__trigram_word_similar=q).values("pk")
        by_business = Business.objects.filter(name__trigram_word_similar=q).values("pk")
        products = products.filter(
            Q(pk__in=by_text)
            | Q(pk__in=by_name)
            | Q(profile__business__in=by_business)
            | Q(profile__business__kbli__in=_kbli_matching(q, postgres=True))
        )
        # Ranked by how close the product's (or else the business's) name is to the words: cheap
        # per row, unlike ts_rank, which would rebuild each matching product's document.
        return products.annotate(
            relevance=Greatest(
                TrigramWordSimilarity(q, "name"),
                TrigramWordSimilarity(q, "profile__business__name") * Value(0.8),
                output_field=FloatField(),
            )
        )
    # SQLite (quick start): plain substring match over the same fields, no typo tolerance.
    products = products.annotate(relevance=Value(0.0, output_field=FloatField()))
    return products.filter(
        Q(name__icontains=q)
        | Q(description__icontains=q)
        | Q(profile__business__name__icontains=q)
        | Q(profile__business__kbli__in=_kbli_matching(q, postgres=False))
    )


def products_search(filters: Filters) -> QuerySet[Product]:
    """Public products matching ``filters``, in the order asked (best match first by default
    when there are words, newest first otherwise)."""
    products = selectors.products_public()
    q = " ".join(filters.q.split())[:100]
    if q:
        products = _match(products, q)
    if filters.category is not None:
        products = products.filter(profile__business__kbli__in=filters.category.kbli.values("pk"))
    if filters.sentra is not None:
        products = products.filter(profile__sentra=filters.sentra)
    if filters.kecamatan:
        products = products.filter(profile__business__kelurahan__kecamatan__code=filters.kecamatan)
    if filters.price_min is not None:
        products = products.filter(Q(price_max__gte=filters.price_min) | Q(price_min__gte=filters.price_min))
    if filters.price_max is not None:
        products = products.filter(price_min__lte=filters.price_max)
    sort = filters.sort if filters.sort in SORTS else ("relevan" if q else "terbaru")
    if sort == "relevan" and q:
        return products.order_by(F("relevance").desc(nulls_last=True), "-decided_at", "-id")
    if sort == "termurah":
        return products.order_by("price_min", "id")
    if sort == "termahal":
        return products.order_by(Coalesce("price_max", "price_min").desc(), "id")
    if sort == "nama":
        return products.order_by("name", "id")
    return products.order_by("-decided_at", "-id")
