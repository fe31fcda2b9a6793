"""Where the public pages' buttons point: one function per button, so the wiring is in one place.

The WhatsApp and store buttons go through the counted redirects (``showcase:go-whatsapp``,
``showcase:go-store`` in views_interest.py: they count the click, then forward to the wa.me link
with the prefilled message or to the store's own URL) and the inquiry button to the inquiry form.
"""

from urllib.parse import urlencode

from django.urls import reverse

from .models import Product, Profile, StoreLink


def whatsapp_href(*, profile: Profile, product: Product | None, page_url: str = "") -> str:
    """The "Pesan lewat WhatsApp" button's href (the counted redirect); "" without an order number."""
    if not profile.order_phone:
        return ""
    args = [profile.slug, product.slug] if product is not None else [profile.slug]
    return reverse("showcase:go-whatsapp", args=args)


def store_href(link: StoreLink) -> str:
    """A store button's href: the counted redirect to the stored URL."""
    return reverse("showcase:go-store", args=[link.pk])


def inquiry_href(*, profile: Profile, product: Product | None = None) -> str:
    """The inquiry form's URL, naming the product when there is one."""
    url = reverse("showcase:inquiry", args=[profile.slug])
    return f"{url}?{urlencode({'produk': product.slug})}" if product is not None else url


def report_href(*, product: Product) -> str:
    """The "laporkan" link: the public report form for this product."""
    return reverse("showcase:report", args=[product.profile.slug, product.slug])
