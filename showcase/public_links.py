"""Where the public pages' buttons point: one function per button, so the wiring is in one place.

The WhatsApp and store buttons should go through the counted redirects (``showcase:go-whatsapp``,
``showcase:go-store``, helper h8) and the inquiry button to ``showcase:inquiry``. Until those URL
names exist, each function falls back to the direct target (the ``wa.me`` link with the prefilled
message, the store's own URL) or to nothing (no inquiry button). The coordinator points these
functions at the redirects' final signatures when merging; the templates do not change.
"""

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from .models import Product, Profile, StoreLink


def whatsapp_text(*, profile: Profile, product: Product | None, page_url: str) -> str:
    """The prefilled Indonesian message: names the product (or business) and the page."""
    if product is not None:
        return _("Halo %(usaha)s, saya tertarik dengan %(produk)s di Etalase IKM Payakumbuh: %(url)s") % {
            "usaha": profile.business.name,
            "produk": product.name,
            "url": page_url,
        }
    return _("Halo %(usaha)s, saya melihat usaha Anda di Etalase IKM Payakumbuh: %(url)s") % {
        "usaha": profile.business.name,
        "url": page_url,
    }


def whatsapp_direct_url(phone: str, text: str) -> str:
    """wa.me/62… with the message typed in; "" without a usable order number. (h6's
    ``showcase.links.whatsapp_url`` is the shared one: used when present.)"""
    try:
        from showcase.links import whatsapp_url  # h6
    except ImportError:
        digits = str(phone or "").removeprefix("+")
        if not (digits.isascii() and digits.isdigit()):
            return ""
        return f"https://wa.me/{digits}?{urlencode({'text': text})}"
    return whatsapp_url(phone, text) if phone else ""


def whatsapp_href(*, profile: Profile, product: Product | None, page_url: str) -> str:
    """The "Pesan lewat WhatsApp" button's href: the counted redirect once it exists (COORDINATOR:
    h8's ``showcase:go-whatsapp``), the direct wa.me link until then; "" without an order number."""
    if not profile.order_phone:
        return ""
    try:
        args = [profile.slug, product.slug] if product is not None else [profile.slug]
        return reverse("showcase:go-whatsapp", args=args)
    except NoReverseMatch:
        return whatsapp_direct_url(profile.order_phone, whatsapp_text(profile=profile, product=product, page_url=page_url))


def store_href(link: StoreLink) -> str:
    """A store button's href: the counted redirect once it exists (COORDINATOR: h8's
    ``showcase:go-store``), the store's own URL until then."""
    try:
        return reverse("showcase:go-store", args=[link.pk])
    except NoReverseMatch:
        return link.url


def inquiry_href(*, profile: Profile, product: Product | None = None) -> str:
    """The inquiry form's URL (COORDINATOR: h8's ``showcase:inquiry``); "" (no button) until it exists."""
    try:
        url = reverse("showcase:inquiry", args=[profile.slug])
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode({'produk': product.slug})}" if product is not None else url


def report_href(*, product: Product) -> str:
    """The "laporkan" link: the public report form for this product."""
    return reverse("showcase:report", args=[product.profile.slug, product.slug])
