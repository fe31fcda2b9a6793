"""What search engines and link previews read: canonical and hreflang URLs, JSON-LD, Open Graph.

Languages: the portal picks the language from the visitor's cookie (payakumbuh_ikm/language.py),
so one URL can answer in either language. For search engines every showcase page also answers
to ``?hl=id`` and ``?hl=en`` (``language_from_query`` in views_public.py), which force that
language whatever the cookie says: those are the ``hreflang`` targets and the canonical URL of
the language shown; the bare URL is the ``x-default`` and its own canonical.

JSON-LD holds only what the page shows: never the NIK, the owner's name or private phone, and
no address beyond kelurahan unless the owner chose to show the street address.
"""

import json
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .models import Product, ProductPhoto, Profile

LANGUAGE_PARAM = "hl"
OG_LOCALES = {"id": "id_ID", "en": "en_US"}
# As django.utils.html.json_script: nothing in the JSON can end the <script> element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def photo_url(image) -> str:
    """The public URL of a photo rendition (``ProductPhoto.image_<width>``): served by
    views_public.photo while its product is public, as MEDIA_URL is private."""
    _prefix, product_id, filename = image.name.split("/")
    return reverse("showcase:photo", args=[int(product_id), filename.removesuffix(".webp")])


def language_urls(request, *, keep: tuple[str, ...] = ()) -> dict[str, str]:
    """``{"id": …, "en": …, "x-default": …}`` for this page; ``keep`` names the query parameters
    that make it another page (a search's words and filters, the page number)."""
    params = [(key, value) for key in sorted(keep) for value in request.GET.getlist(key) if value]
    urls = {}
    for code, _name in settings.LANGUAGES:
        urls[code] = absolute(request.path) + "?" + urlencode([*params, (LANGUAGE_PARAM, code)])
    urls["x-default"] = absolute(request.path) + (f"?{urlencode(params)}" if params else "")
    return urls


def canonical_url(request, urls: dict[str, str]) -> str:
    """The page's own URL among its language versions: ``?hl=<code>`` when asked with it, the
    bare (``x-default``) URL otherwise. Pointing the bare URL at one language's would make a
    canonical that is another hreflang location, which search engines (and Lighthouse) reject."""
    code = request.GET.get(LANGUAGE_PARAM)
    return urls[code] if code in dict(settings.LANGUAGES) else urls["x-default"]


def og_locale() -> str:
    return OG_LOCALES.get((get_language() or "id")[:2], "id_ID")


def ld_json(data: dict) -> SafeString:
    """JSON for a ``<script type="application/ld+json">``, with <, > and & escaped as in
    Django's ``json_script`` (a story containing "</script>" cannot close the element)."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))  # nosec B308 B703 - escaped above


def _photo_urls(photos: list[ProductPhoto]) -> list[str]:
    return [absolute(photo_url(photo.image_1280)) for photo in photos]


def _offer(product: Product, *, url: str) -> dict:
    offer = {"@type": "Offer", "priceCurrency": "IDR", "url": url, "availability": "https://schema.org/InStock"}
    if product.price_max and product.price_max != product.price_min:
        offer["priceSpecification"] = {
            "@type": "PriceSpecification",
            "priceCurrency": "IDR",
            "minPrice": product.price_min,
            "maxPrice": product.price_max,
        }
    else:
        offer["price"] = product.price_min
    if product.min_order > 1:
        offer["eligibleQuantity"] = {"@type": "QuantitativeValue", "minValue": product.min_order, "unitText": product.unit}
    return offer


def _product(product: Product, *, url: str) -> dict:
    data = {"@type": "Product", "name": product.name, "url": url}
    if product.description:
        data["description"] = product.description
    images = _photo_urls(getattr(product, "photos_ordered", []))
    if images:
        data["image"] = images
    return data


def _address(profile: Profile) -> dict:
    """Kelurahan, kecamatan and city; the street only when the owner chose to show it."""
    business = profile.business
    kelurahan = business.kelurahan
    address = {
        "@type": "PostalAddress",
        "addressLocality": f"{kelurahan.name}, {kelurahan.kecamatan.name}, Payakumbuh",
        "addressRegion": "Sumatera Barat",
        "addressCountry": "ID",
    }
    if profile.show_address and business.address:
        address["streetAddress"] = business.address
    return address


def business_ld(profile: Profile, *, url: str, product_url) -> dict:
    """A ``LocalBusiness`` that ``makesOffer`` each public product (``product_url(product)``)."""
    data = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": url + "#usaha",
        "name": profile.business.name,
        "url": url,
        "address": _address(profile),
    }
    if profile.story:
        data["description"] = profile.story
    offers = []
    for product in getattr(profile, "products_public", []):
        link = product_url(product)
        offers.append({**_offer(product, url=link), "itemOffered": _product(product, url=link)})
    if offers:
        data["makesOffer"] = offers
    images = [image for product in getattr(profile, "products_public", []) for image in _photo_urls(product.photos_ordered[:1])]
    if images:
        data["image"] = images[0]
    return data


def product_ld(product: Product, *, url: str, profile_url: str) -> dict:
    """A ``Product`` with its ``Offer`` in IDR, sold by the business's ``LocalBusiness``."""
    profile = product.profile
    seller = {"@type": "LocalBusiness", "@id": profile_url + "#usaha", "name": profile.business.name, "url": profile_url}
    seller["address"] = _address(profile)
    offer = {**_offer(product, url=url), "seller": seller}
    return {"@context": "https://schema.org", **_product(product, url=url), "offers": offer}
