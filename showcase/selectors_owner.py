"""Reads for the owners' and staff's showcase pages (the public reads are showcase/selectors.py).

An owner reaches only their own businesses: another owner's business is None, the same answer
as one that does not exist (the view makes it a 404). Staff reach every business.
"""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, QuerySet

from accounts.models import User
from accounts.roles import Role, role_of
from businesses.models import Business

from .models import Product, ProductPhoto, Profile, StoreLink


def businesses_managed(*, user: User | AnonymousUser) -> QuerySet[Business]:
    """The businesses whose showcase ``user`` may manage: an owner's own; staff all."""
    if role_of(user) == Role.STAFF:
        return Business.objects.all()
    if role_of(user) == Role.OWNER:
        return Business.objects.filter(owner__user=user)
    return Business.objects.none()


def business_managed(*, user: User | AnonymousUser, pk: int) -> Business | None:
    """One business with its profile (if any), or None when ``user`` may not manage it."""
    return businesses_managed(user=user).select_related("owner", "public_profile", "kelurahan__kecamatan").filter(pk=pk).first()


def businesses_of_owner_with_profile(*, user: User) -> QuerySet[Business]:
    """The owner's businesses for the showcase home, each with its profile and product count."""
    return (
        Business.objects.filter(owner__user=user)
        .select_related("public_profile")
        .annotate(product_count=Count("public_profile__products"))
        .order_by("name", "pk")
    )


def _photos() -> Prefetch:
    return Prefetch("photos", queryset=ProductPhoto.objects.order_by("position", "id"), to_attr="photos_ordered")


def products_of_profile_all(*, profile: Profile) -> QuerySet[Product]:
    """Every product of a profile whatever its status, with photos, for the owner's list."""
    return profile.products.order_by("position", "name", "id").prefetch_related(_photos())


def product_managed(*, profile: Profile, pk: int) -> Product | None:
    """One product of ``profile`` with its photos and its own store links, or None."""
    return (
        profile.products.prefetch_related(
            _photos(), Prefetch("store_links", queryset=StoreLink.objects.order_by("position", "kind", "id"), to_attr="links")
        )
        .filter(pk=pk)
        .first()
    )


def store_links_of_profile(*, profile: Profile) -> QuerySet[StoreLink]:
    """The business's own links (not a product's)."""
    return profile.store_links.filter(product__isnull=True).order_by("position", "kind", "id")


def photo_managed(*, user: User | AnonymousUser, pk: int) -> ProductPhoto | None:
    """A photo whose product's business ``user`` may manage, or None."""
    return (
        ProductPhoto.objects.select_related("product__profile")
        .filter(pk=pk, product__profile__business__in=businesses_managed(user=user))
        .first()
    )
