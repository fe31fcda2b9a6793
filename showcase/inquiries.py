"""Buyers' inquiries: taken from the public form, forwarded to the owner, erased when old.

The outbox holds no buyer data: its rows carry a placeholder body, and the buyer's name, contact
and message are filled in as the message leaves (``inquiry_body``, the outbox's body filler).
So after ``INQUIRY_RETENTION_DAYS`` the sweep erases them in one place, ``Inquiry``, keeping
the province and the date for the "minat pembeli" figures; a message not sent by then is not
sent at all.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Message
from notifications.services import PermanentFailure, message_queue

from .models import Inquiry, Product, Profile
from .reference import provinces

INQUIRY_KEY_PREFIX = "showcase-inquiry:"
ERASED = ""
_PLACEHOLDER = "(pertanyaan pembeli: diisi saat dikirim)"


def _owner_contacts(profile: Profile) -> tuple[str | None, str | None]:
    """Where the owner reads inquiries: their order number (else the registry's), their email."""
    owner = profile.business.owner
    email = owner.email or (owner.user.email if owner.user_id and owner.user else "") or None
    return email, profile.order_phone or owner.phone or None


@transaction.atomic
def inquiry_submit(
    *, profile: Profile, product: Product | None, buyer_name: str, buyer_contact: str, buyer_province: str, message: str
) -> Inquiry:
    """Record a buyer's inquiry and queue it to the owner by email and WhatsApp.

    ``profile`` (and ``product``, if any) must be public: the caller checked. Fails with an
    Indonesian ValidationError on bad input, saving nothing.
    """
    inquiry = Inquiry(
        profile=profile,
        product=product,
        buyer_name=buyer_name,
        buyer_contact=buyer_contact,
        buyer_province=buyer_province,
        message=message,
    )
    if buyer_province not in provinces():
        raise ValidationError({"buyer_province": _("Pilih provinsi dari daftar.")})
    inquiry.full_clean()
    inquiry.save()
    email, phone = _owner_contacts(profile)
    if email or phone:
        message_queue(
            key=f"{INQUIRY_KEY_PREFIX}{inquiry.pk}",
            subject=_("Pertanyaan pembeli lewat Etalase IKM: %(name)s") % {"name": profile.business.name},
            body=_PLACEHOLDER,
            email=email,
            phone=phone,
        )
        inquiry.forwarded_at = timezone.now()
        inquiry.save(update_fields=["forwarded_at"])
    return inquiry


def inquiry_body(message: Message) -> str:
    """The message to the owner, with the buyer's words, read as it leaves (the body filler)."""
    pk = int(message.key.removeprefix(INQUIRY_KEY_PREFIX))
    inquiry = Inquiry.objects.select_related("profile__business", "product").filter(pk=pk).first()
    if inquiry is None or inquiry.erased_at is not None:
        raise PermanentFailure("Pertanyaan pembeli sudah dihapus; tidak dikirim.")
    about = inquiry.product.name if inquiry.product else inquiry.profile.business.name
    return _(
        "Ada pertanyaan pembeli lewat Etalase IKM Payakumbuh tentang %(about)s.\n\n"
        "Nama: %(name)s\nProvinsi: %(province)s\nWhatsApp/email: %(contact)s\n\n%(message)s\n\n"
        "Balas langsung kepada pembeli. Data pembeli ini dihapus dari portal setelah %(days)d hari."
    ) % {
        "about": about,
        "name": inquiry.buyer_name,
        "province": provinces().get(inquiry.buyer_province, inquiry.buyer_province),
        "contact": inquiry.buyer_contact,
        "message": inquiry.message,
        "days": settings.INQUIRY_RETENTION_DAYS,
    }


@transaction.atomic
def inquiries_erase_old(*, now=None) -> int:
    """Erase the buyer's name, contact and message of inquiries older than
    ``INQUIRY_RETENTION_DAYS``, keeping the province and the date; return how many were erased.

    Picks only inquiries not erased yet and marks each, so a second run erases nothing.
    """
    now = now or timezone.now()
    old = Inquiry.objects.filter(created_at__lt=now - timedelta(days=settings.INQUIRY_RETENTION_DAYS), erased_at__isnull=True)
    return old.update(buyer_name=ERASED, buyer_contact=ERASED, message=ERASED, erased_at=now)
