"""Every way the showcase is written: consent, profiles, products, photos, store links,
moderation and reports.

Who may do what is checked here as well as in the views (``PermissionDenied``): an owner acts on
their own businesses only; staff moderate and may act for an owner, except giving the
public-display consent, which only the owner can give. Whether something is *shown* is decided
by the one visibility rule in showcase/selectors.py, never here: these services only set the
states it reads (consent times, product status).

Photos are written to storage only after the transaction commits (``transaction.on_commit``):
a rolled-back upload leaves no file behind, and a failed write after the commit removes the row
that would point at it.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role, role_of
from businesses.models import Business
from notifications.services import message_queue

from .links import store_link_validate
from .models import (
    Product,
    ProductPhoto,
    ProductReport,
    ProductReportReason,
    ProductStatus,
    Profile,
    StoreKind,
    StoreLink,
)
from .photos import photo_renditions

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("story", "sentra", "order_phone", "show_address")
PRODUCT_FIELDS = ("name", "description", "price_min", "price_max", "unit", "min_order", "shipping_note")


# --- Who may act --------------------------------------------------------------------------------


def is_staff(actor: User | AnonymousUser) -> bool:
    return role_of(actor) == Role.STAFF


def is_owner_of(actor: User | AnonymousUser, business: Business) -> bool:
    return actor.is_authenticated and business.owner.user_id == actor.pk


def _require_owner_or_staff(actor: User | AnonymousUser, business: Business) -> None:
    if not (is_staff(actor) or is_owner_of(actor, business)):
        raise PermissionDenied


def _require_staff(actor: User | AnonymousUser) -> None:
    if not is_staff(actor):
        raise PermissionDenied


def _unique_slug(base: str, taken: Iterable[str], max_length: int) -> str:
    """``base`` slugified, with -2, -3... when taken; never empty."""
    stem = slugify(base)[: max_length - 4].strip("-") or "usaha"
    taken = set(taken)
    slug, n = stem, 1
    while slug in taken:
        n += 1
        slug = f"{stem}-{n}"
    return slug


# --- Consent and profile ------------------------------------------------------------------------


@transaction.atomic
def profile_consent_give(*, business: Business, actor: User) -> Profile:
    """Record the owner's consent to show ``business`` in public, now; create its profile if needed.

    Preconditions: ``actor`` is the business's owner (staff cannot consent for them). The
    registry consent does not imply this one. The business appears in public only while it is
    also verified and active. Giving consent again after withdrawing records the new time.
    """
    business = Business.objects.select_for_update().select_related("owner").get(pk=business.pk)
    if not is_owner_of(actor, business):
        raise PermissionDenied
    profile = Profile.objects.filter(business=business).first()
    if profile is None:
        stem = slugify(business.name)[:100] or "usaha"
        taken = Profile.objects.filter(slug__startswith=stem).values_list("slug", flat=True)
        profile = Profile(business=business, slug=_unique_slug(business.name, taken, 120), order_phone="")
    if not profile.consent_active:
        profile.consented_at = timezone.now()
        profile.full_clean()
        profile.save()
    return profile


@transaction.atomic
def profile_consent_withdraw(*, profile: Profile, actor: User) -> Profile:
    """Withdraw the public-display consent, now: the business and all its products, photos and
    store links leave every public page at the next request (the visibility rule reads it).

    Preconditions: ``actor`` is the owner or staff (e.g. acting on a request by telephone).
    Nothing is deleted: giving consent again brings the page back as it was.
    """
    profile = Profile.objects.select_for_update().select_related("business__owner").get(pk=profile.pk)
    _require_owner_or_staff(actor, profile.business)
    if profile.consent_active:
        profile.withdrawn_at = timezone.now()
        profile.full_clean()
        profile.save()
    return profile


@transaction.atomic
def profile_update(*, profile: Profile, actor: User, data: dict[str, Any]) -> Profile:
    """Change the public story, sentra, order number and whether the street address is shown.

    Preconditions: ``actor`` is the owner or staff; ``data`` holds only keys of
    ``PROFILE_FIELDS``. The order number is shown to buyers: it may differ from the registry's.
    """
    profile = Profile.objects.select_for_update().select_related("business__owner").get(pk=profile.pk)
    _require_owner_or_staff(actor, profile.business)
    for field, value in data.items():
        if field not in PROFILE_FIELDS:
            raise ValueError(f"{field} is not an owner-editable profile field")
        setattr(profile, field, value)
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def profile_trust(*, profile: Profile, actor: User, trusted: bool = True) -> Profile:
    """Mark an owner's profile as trusted (their new and edited products are shown at once), or
    take the mark away. Products already waiting stay waiting for a decision.

    Preconditions: ``actor`` is staff.
    """
    _require_staff(actor)
    profile = Profile.objects.select_for_update().get(pk=profile.pk)
    if profile.trusted != trusted:
        profile.trusted = trusted
        profile.save(update_fields=["trusted", "updated_at"])
    return profile


# --- Products -----------------------------------------------------------------------------------


def _moderated_status(profile: Profile) -> str:
    return ProductStatus.APPROVED if profile.trusted else ProductStatus.PENDING


def _needs_review(product: Product, profile: Profile) -> None:
    """A change to what buyers see: shown again only after approval, unless the owner is trusted.

    A hidden product stays hidden, but loses its approval: unhiding it then waits for review.
    """
    now = timezone.now()
    if product.status == ProductStatus.HIDDEN:
        if not profile.trusted:
            product.decided_at, product.decided_by = None, None
        return
    product.status = _moderated_status(profile)
    product.refusal_reason = ""
    product.decided_at, product.decided_by = (now, None) if profile.trusted else (None, None)


@transaction.atomic
def product_create(*, profile: Profile, actor: User, data: dict[str, Any]) -> Product:
    """Add a product to ``profile``: waiting for staff approval, or shown at once for a trusted one.

    Preconditions: ``actor`` is the owner or staff; ``data`` holds only keys of
    ``PRODUCT_FIELDS`` (``name``, ``price_min`` and ``unit`` required). The product's page address
    comes from its name and never changes afterwards (shared links keep working).
    """
    profile = Profile.objects.select_for_update().select_related("business__owner").get(pk=profile.pk)
    _require_owner_or_staff(actor, profile.business)
    product = Product(profile=profile)
    for field, value in data.items():
        if field not in PRODUCT_FIELDS:
            raise ValueError(f"{field} is not an owner-editable product field")
        setattr(product, field, value)
    taken = profile.products.values_list("slug", flat=True)
    product.slug = _unique_slug(product.name or "", taken, Product._meta.get_field("slug").max_length)
    product.position = (profile.products.aggregate(last=Max("position"))["last"] or 0) + 1
    product.status = ProductStatus.PENDING
    _needs_review(product, profile)
    product.full_clean()
    product.save()
    return product


def _lock_product(product: Product) -> Product:
    return Product.objects.select_for_update().select_related("profile__business__owner").get(pk=product.pk)


@transaction.atomic
def product_update(*, product: Product, actor: User, data: dict[str, Any]) -> Product:
    """Change a product's details. A change to what buyers see sends an untrusted owner's product
    back to waiting for approval (hidden from the public until then); a refused product is
    reviewed again. Saving without a change changes nothing.

    Preconditions: ``actor`` is the owner or staff; ``data`` holds only keys of ``PRODUCT_FIELDS``.
    """
    product = _lock_product(product)
    profile = product.profile
    _require_owner_or_staff(actor, profile.business)
    changed = False
    for field, value in data.items():
        if field not in PRODUCT_FIELDS:
            raise ValueError(f"{field} is not an owner-editable product field")
        if getattr(product, field) != value:
            setattr(product, field, value)
            changed = True
    if not changed:
        return product
    _needs_review(product, profile)
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_hide(*, product: Product, actor: User) -> Product:
    """The owner takes a product off their page (e.g. sold out) without deleting it.

    Preconditions: ``actor`` is the owner or staff. A refused product cannot be hidden (it is
    not shown anyway); hiding a hidden one changes nothing.
    """
    product = _lock_product(product)
    _require_owner_or_staff(actor, product.profile.business)
    if product.status == ProductStatus.REFUSED:
        raise ValidationError(_("Produk yang ditolak memang tidak ditampilkan. Ubah produknya untuk diperiksa ulang."))
    if product.status != ProductStatus.HIDDEN:
        was_approved = product.status == ProductStatus.APPROVED
        product.status = ProductStatus.HIDDEN
        if not was_approved:
            product.decided_at, product.decided_by = None, None
        product.full_clean()
        product.save()
    return product


@transaction.atomic
def product_unhide(*, product: Product, actor: User) -> Product:
    """Show a hidden product again: at once if it was approved and not changed since (or the
    owner is trusted), otherwise after approval.

    Preconditions: ``actor`` is the owner or staff; the product is hidden.
    """
    product = _lock_product(product)
    profile = product.profile
    _require_owner_or_staff(actor, profile.business)
    if product.status != ProductStatus.HIDDEN:
        raise ValidationError(_("Produk ini tidak sedang disembunyikan."))
    if product.decided_at is not None or profile.trusted:
        product.status = ProductStatus.APPROVED
        product.decided_at = product.decided_at or timezone.now()
    else:
        product.status = ProductStatus.PENDING
    product.full_clean()
    product.save()
    return product


def _photo_names(photos: Iterable[ProductPhoto]) -> set[str]:
    return {getattr(photo, f"image_{width}").name for photo in photos for width in ProductPhoto.WIDTHS} - {""}


def _delete_files_on_commit(names: set[str]) -> None:
    if not names:
        return
    storage = ProductPhoto._meta.get_field("image_320").storage

    def delete():
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Could not delete showcase photo file %s", name)

    transaction.on_commit(delete)


@transaction.atomic
def product_delete(*, product: Product, actor: User) -> None:
    """Delete a product with its photos (files removed after the commit), links and reports.

    Preconditions: ``actor`` is the owner or staff. Its interest counts go with it.
    """
    product = _lock_product(product)
    _require_owner_or_staff(actor, product.profile.business)
    names = _photo_names(product.photos.all())
    product.delete()
    _delete_files_on_commit(names)


# --- Photos -------------------------------------------------------------------------------------


@transaction.atomic
def product_photo_add(*, product: Product, upload, actor: User, alt: str = "") -> ProductPhoto:
    """Add a photo to a product: checked and re-encoded by ``photo_renditions`` (WebP, metadata
    gone), stored under random names. An untrusted owner's product waits for approval again.

    Preconditions: ``actor`` is the owner or staff; the product has fewer than
    ``ProductPhoto.MAX_PER_PRODUCT`` photos. Raises ``ValidationError`` (Indonesian) for a refused
    upload. The files are written when the transaction commits: nothing is left behind by a
    rollback, and a failed write deletes the row again.
    """
    product = _lock_product(product)
    profile = product.profile
    _require_owner_or_staff(actor, profile.business)
    count = product.photos.count()
    if count >= ProductPhoto.MAX_PER_PRODUCT:
        raise ValidationError(
            _("Paling banyak %(max)d foto per produk. Hapus foto lama dulu.") % {"max": ProductPhoto.MAX_PER_PRODUCT},
            code="too_many_photos",
        )
    result = photo_renditions(upload)
    photo = ProductPhoto(product=product, width=result["width"], height=result["height"], alt=alt, position=count)
    contents: dict[str, bytes] = {}
    for target in ProductPhoto.WIDTHS:
        fitting = [r for r in result["renditions"] if r["width"] <= target] or result["renditions"][:1]
        rendition = fitting[-1]
        field = ProductPhoto._meta.get_field(f"image_{target}")
        # One file per distinct rendition: a small photo's 640 and 1280 are the same file.
        name = next((n for n, c in contents.items() if c is rendition["content"]), None)
        if name is None:
            name = field.generate_filename(photo, "photo.webp")
            contents[name] = rendition["content"]
        getattr(photo, f"image_{target}").name = name
    photo.full_clean()
    photo.save()
    _needs_review(product, profile)
    product.save()
    storage = ProductPhoto._meta.get_field("image_320").storage
    photo_pk = photo.pk

    def write():
        written = []
        try:
            for name, content in contents.items():
                saved = storage.save(name, ContentFile(content))
                written.append(saved)
                if saved != name:
                    raise OSError(f"storage renamed {name} to {saved}")
        except Exception:
            logger.exception("Could not write showcase photo %s; removing it", photo_pk)
            for name in written:
                storage.delete(name)
            ProductPhoto.objects.filter(pk=photo_pk).delete()
            raise

    transaction.on_commit(write)
    return photo


@transaction.atomic
def product_photo_remove(*, photo: ProductPhoto, actor: User) -> None:
    """Remove a photo; its files are deleted after the commit; the others close up the order.

    Preconditions: ``actor`` is the owner or staff.
    """
    product = _lock_product(photo.product)
    _require_owner_or_staff(actor, product.profile.business)
    photo = ProductPhoto.objects.get(pk=photo.pk, product=product)
    names = _photo_names([photo])
    photo.delete()
    for position, remaining in enumerate(product.photos.all()):
        if remaining.position != position:
            ProductPhoto.objects.filter(pk=remaining.pk).update(position=position)
    _delete_files_on_commit(names)


@transaction.atomic
def product_photo_reorder(*, product: Product, actor: User, photo_ids: list[int]) -> None:
    """Put a product's photos in the given order (the first is the one shown in lists).

    Preconditions: ``actor`` is the owner or staff; ``photo_ids`` are exactly the product's photos.
    """
    product = _lock_product(product)
    _require_owner_or_staff(actor, product.profile.business)
    current = set(product.photos.values_list("pk", flat=True))
    if set(photo_ids) != current or len(photo_ids) != len(current):
        raise ValidationError(_("Urutan foto tidak cocok dengan foto produk ini. Muat ulang halaman."))
    for position, pk in enumerate(photo_ids):
        ProductPhoto.objects.filter(pk=pk).update(position=position)


# --- Store links --------------------------------------------------------------------------------


@transaction.atomic
def store_link_set(*, profile: Profile, actor: User, kind: str, url: str, product: Product | None = None) -> StoreLink:
    """Set the business's (or one product's) link of a kind, replacing the previous one.

    Preconditions: ``actor`` is the owner or staff; ``product`` belongs to ``profile``. The URL
    must be https on a host of the kind (showcase/links.py); it is stored normalised.
    """
    profile = Profile.objects.select_related("business__owner").get(pk=profile.pk)
    _require_owner_or_staff(actor, profile.business)
    if product is not None and product.profile_id != profile.pk:
        raise PermissionDenied
    if kind not in StoreKind.values:
        raise ValidationError({"kind": _("Pilih jenis toko dari daftar.")})
    normalised = store_link_validate(kind, url)
    link = StoreLink.objects.select_for_update().filter(profile=profile, product=product, kind=kind).first()
    if link is None:
        last = StoreLink.objects.filter(profile=profile, product=product).aggregate(last=Max("position"))["last"]
        link = StoreLink(profile=profile, product=product, kind=kind, position=(last or 0) + 1)
    link.url = normalised
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def store_link_remove(*, link: StoreLink, actor: User) -> None:
    """Remove a store link. Preconditions: ``actor`` is the owner or staff."""
    link = StoreLink.objects.select_related("profile__business__owner").get(pk=link.pk)
    _require_owner_or_staff(actor, link.profile.business)
    link.delete()


# --- Moderation ---------------------------------------------------------------------------------


def _notify_decision(product: Product) -> None:
    owner = product.profile.business.owner
    link = settings.SITE_URL.rstrip("/") + reverse("showcase:owner-products", args=[product.profile.business_id])
    if product.status == ProductStatus.APPROVED:
        subject = _("Produk %(name)s sudah tampil di Etalase IKM") % {"name": product.name}
        body = _("Produk %(name)s sudah disetujui dan kini tampil di Etalase IKM Payakumbuh.\n%(link)s") % {
            "name": product.name,
            "link": link,
        }
    else:
        subject = _("Produk %(name)s belum dapat ditampilkan") % {"name": product.name}
        body = _(
            "Produk %(name)s belum dapat ditampilkan di Etalase IKM. Alasan: %(reason)s\n"
            "Perbaiki produknya, lalu simpan untuk diperiksa ulang.\n%(link)s"
        ) % {"name": product.name, "reason": product.refusal_reason, "link": link}
    key = f"showcase-product:{product.pk}:{product.status}:{product.decided_at.isoformat()}"
    message_queue(key=key, subject=subject, body=body, email=owner.email or None, phone=owner.phone)


@transaction.atomic
def product_approve(*, product: Product, actor: User) -> Product:
    """Approve a product for public display and tell the owner.

    Preconditions: ``actor`` is staff; the product is waiting or was refused (a hidden product
    is the owner's to show again; an approved one stays as it is).
    """
    _require_staff(actor)
    product = _lock_product(product)
    if product.status == ProductStatus.APPROVED:
        return product
    if product.status == ProductStatus.HIDDEN:
        raise ValidationError(_("Produk ini disembunyikan pemiliknya."))
    product.status = ProductStatus.APPROVED
    product.refusal_reason = ""
    product.decided_at, product.decided_by = timezone.now(), actor
    product.full_clean()
    product.save()
    _notify_decision(product)
    return product


@transaction.atomic
def product_refuse(*, product: Product, actor: User, reason: str) -> Product:
    """Refuse (or take down) a product, with the reason the owner is told.

    Preconditions: ``actor`` is staff; ``reason`` is not blank. Works on a waiting, approved or
    hidden product; the owner's next edit sends it back for review.
    """
    _require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"refusal_reason": _("Tuliskan alasan penolakan agar pemilik tahu apa yang perlu diperbaiki.")})
    product = _lock_product(product)
    product.status = ProductStatus.REFUSED
    product.refusal_reason = reason
    product.decided_at, product.decided_by = timezone.now(), actor
    product.full_clean()
    product.save()
    _notify_decision(product)
    return product


@transaction.atomic
def product_report_create(*, product: Product, reason: str, message: str = "") -> ProductReport:
    """Record a visitor's "laporkan" for staff to review. Nothing about the visitor is kept.

    Preconditions: the product is public (the view checks, with a rate limit per address);
    ``reason`` is one of ``ProductReportReason``.
    """
    report = ProductReport(product=product, reason=reason, message=(message or "").strip())
    if report.reason not in ProductReportReason.values:
        raise ValidationError({"reason": _("Pilih alasan dari daftar.")})
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def product_report_resolve(*, report: ProductReport, actor: User, resolution: str, refuse_product: bool = False) -> ProductReport:
    """Close a report with what was done; with ``refuse_product`` the product is also refused
    (taken down) with ``resolution`` as the reason the owner is told.

    Preconditions: ``actor`` is staff; ``resolution`` is not blank; the report is open.
    """
    _require_staff(actor)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Tuliskan tindakan yang diambil.")})
    report = ProductReport.objects.select_for_update().get(pk=report.pk)
    if report.resolved_at is not None:
        raise ValidationError(_("Laporan ini sudah ditangani."))
    if refuse_product:
        product_refuse(product=report.product, actor=actor, reason=resolution)
    report.resolved_at, report.resolved_by, report.resolution = timezone.now(), actor, resolution
    report.full_clean()
    report.save()
    return report
