"""Which profiles and products the interest pages may count and forward to.

A stand-in for ``showcase.selectors.profiles_public`` / ``products_public`` (the public side),
with the same rule, until both are on main; then these delegate to them. A business is shown
while it is verified (so active: a deactivated business is no longer verified) and its owner's
public-display consent stands; a product while it is approved and its business is shown.
"""

from django.db.models import F, Q, QuerySet
from django.http import Http404

from businesses.models import BusinessStatus

from .models import Product, ProductStatus, Profile


def profiles_visible() -> QuerySet[Profile]:
    return Profile.objects.filter(
        Q(withdrawn_at__isnull=True) | Q(withdrawn_at__lt=F("consented_at")),
        business__status=BusinessStatus.VERIFIED,
        consented_at__isnull=False,
    )


def products_visible() -> QuerySet[Product]:
    return Product.objects.filter(status=ProductStatus.APPROVED, profile__in=profiles_visible())


def profile_public(slug: str | None = None, *, profile_id: int | None = None) -> Profile:
    """The public profile by slug or id, with its business; 404 when it is not shown."""
    lookup = {"slug": slug} if profile_id is None else {"pk": profile_id}
    profile = profiles_visible().select_related("business").filter(**lookup).first()
    if profile is None:
        raise Http404
    return profile


def product_public(profile: Profile, slug: str | None = None, *, product_id: int | None = None) -> Product:
    """An approved product of a shown profile, by slug or id; 404 otherwise."""
    lookup = {"slug": slug} if product_id is None else {"pk": product_id}
    product = Product.objects.filter(profile=profile, status=ProductStatus.APPROVED, **lookup).first()
    if product is None:
        raise Http404
    return product
