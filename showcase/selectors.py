"""Reads for the public showcase: the ONE visibility rule, and the pages' querysets.

Every public page, the search, the sitemap and the JSON-LD start from ``profiles_public()`` or
``products_public()``; nothing public reads ``Profile`` or ``Product`` another way. A business is
public while it is verified and not deactivated, and its owner's public-display consent is active
(``consented_at`` set and ``withdrawn_at`` not after it: the same test as
``Profile.consent_active``, in SQL). A product is public when it is approved and its profile is.

The querysets join what the pages show (kelurahan, kecamatan, KBLI, sentra) and prefetch the rest
(photos, store links, valid certifications, categories), so a page costs the same number of
queries for one product or a thousand. The owner (name, NIK, private phone, email) is never
joined: what is not read cannot leak into a page.
"""

from django.db.models import F, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from businesses.models import BusinessStatus, Certification, Kecamatan

from .models import Category, Product, ProductPhoto, ProductStatus, Profile, Sentra, StoreLink


def _public_q(prefix: str = "") -> Q:
    """The visibility rule for a profile reached through ``prefix`` ("" or "profile__")."""
    return Q(
        **{
            f"{prefix}business__status": BusinessStatus.VERIFIED,
            f"{prefix}business__deactivated_at__isnull": True,
            f"{prefix}consented_at__isnull": False,
        }
    ) & (Q(**{f"{prefix}withdrawn_at__isnull": True}) | Q(**{f"{prefix}withdrawn_at__lt": F(f"{prefix}consented_at")}))


def _valid_certifications() -> Prefetch:
    """Certifications still valid today, kind only (the number and document are never shown)."""
    today = timezone.localdate()
    valid = Certification.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today)).only("kind", "business_id")
    return Prefetch("business__certifications", queryset=valid, to_attr="certifications_valid")


def _photos() -> Prefetch:
    return Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "id"), to_attr="photos_ordered")


def _profile_links() -> Prefetch:
    return Prefetch(
        "store_links", queryset=StoreLink.objects.filter(product__isnull=True).order_by("position", "kind", "id"), to_attr="links"
    )


def _categories(prefix: str = "") -> Prefetch:
    return Prefetch(f"{prefix}business__kbli__showcase_categories", queryset=Category.objects.order_by("position", "name"))


_PROFILE_RELATED = ("business__kelurahan__kecamatan", "business__kbli", "sentra")


def profiles_public() -> QuerySet[Profile]:
    """Profiles anyone may see, with what a card of them shows joined."""
    return Profile.objects.filter(_public_q()).select_related(*_PROFILE_RELATED)


def products_public() -> QuerySet[Product]:
    """Approved products of public profiles, with their profile's place and their photos."""
    return (
        Product.objects.filter(_public_q("profile__"), status=ProductStatus.APPROVED)
        .select_related(*(f"profile__{name}" for name in _PROFILE_RELATED))
        .prefetch_related(_photos())
    )


def profile_public(*, slug: str) -> Profile | None:
    """A business page: the profile with its categories, valid certifications, store links and
    public products (each with photos); None when it is not (or no longer) public."""
    return (
        profiles_public()
        .prefetch_related(
            _categories(),
            _valid_certifications(),
            _profile_links(),
            Prefetch("products", queryset=products_of_profile(), to_attr="products_public"),
        )
        .filter(slug=slug)
        .first()
    )


def products_of_profile() -> QuerySet[Product]:
    """The public products of one profile (the profile's own visibility is checked by its caller)."""
    return Product.objects.filter(status=ProductStatus.APPROVED).order_by("position", "name", "id").prefetch_related(_photos())


def product_public(*, profile_slug: str, slug: str) -> Product | None:
    """A product with what its page shows: its photos, its own store links (``product.links``)
    and its business's (``product.profile.links``), the business's categories and valid
    certifications; None when it is not (or no longer) public. Five queries."""
    product = _product_public_bare(profile_slug=profile_slug, slug=slug)
    if product is not None:
        prefetch_related_objects([product], _photos())
    return product


def product_page(*, profile_slug: str, slug: str, related: int = 4) -> tuple[Product, list[Product]] | None:
    """``product_public`` and up to ``related`` other public products of the same business, the
    photos of all of them read at once: six queries, however many products the business has."""
    product = _product_public_bare(profile_slug=profile_slug, slug=slug)
    if product is None:
        return None
    others = list(
        products_public()
        .prefetch_related(None)
        .filter(profile_id=product.profile_id)
        .exclude(pk=product.pk)
        .order_by("position", "name")[:related]
    )
    prefetch_related_objects([product, *others], _photos())
    return product, others


def _product_public_bare(*, profile_slug: str, slug: str) -> Product | None:
    """The product without its photos: categories, valid certifications and every store link of
    its business in one read, split into the product's own and the business's."""
    product = (
        products_public()
        .prefetch_related(None)
        .prefetch_related(
            _categories("profile__"),
            Prefetch(
                "profile__business__certifications", queryset=_valid_certifications().queryset, to_attr="certifications_valid"
            ),
            Prefetch("profile__store_links", queryset=StoreLink.objects.order_by("position", "kind", "id"), to_attr="links_all"),
        )
        .filter(profile__slug=profile_slug, slug=slug)
        .first()
    )
    if product is not None:
        links = product.profile.links_all
        product.links = [link for link in links if link.product_id == product.pk]
        product.profile.links = [link for link in links if link.product_id is None]
    return product


def products_latest(*, limit: int = 12) -> QuerySet[Product]:
    """The showcase home's selection: the newest approved products, one page's worth."""
    return products_public().order_by("-decided_at", "-id")[:limit]


def categories_all() -> QuerySet[Category]:
    return Category.objects.order_by("position", "name")


def sentra_all() -> QuerySet[Sentra]:
    return Sentra.objects.select_related("kecamatan", "category").order_by("name")


def category_by_slug(*, slug: str) -> Category | None:
    return Category.objects.filter(slug=slug).first()


def sentra_by_slug(*, slug: str) -> Sentra | None:
    return Sentra.objects.select_related("kecamatan", "kelurahan", "category").filter(slug=slug).first()


def profiles_in_category(*, category: Category) -> QuerySet[Profile]:
    return profiles_public().filter(business__kbli__in=category.kbli.all()).order_by("business__name", "id")


def profiles_in_sentra(*, sentra: Sentra) -> QuerySet[Profile]:
    return profiles_public().filter(sentra=sentra).order_by("business__name", "id")


def kecamatan_all():
    """Payakumbuh's kecamatan, for the search filter (five rows)."""
    return Kecamatan.objects.order_by("name")
