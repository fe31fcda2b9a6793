"""Template helpers of the showcase's public pages."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def localised(obj, field: str) -> str:
    """``obj.<field>_en`` on an English page when it is filled, ``obj.<field>`` otherwise
    (categories and sentra carry both)."""
    if (get_language() or "id").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field, "")


@register.filter
def photo_url(image) -> str:
    """A photo rendition's public URL (showcase.seo.photo_url)."""
    from showcase.seo import photo_url as url

    return url(image)


@register.filter
def price_range(product) -> str:
    """ "Rp 150.000" or "Rp 150.000 – Rp 180.000" (plain text: for meta tags too)."""
    from payakumbuh_ikm.templatetags.portal import rupiah

    if product.price_max and product.price_max != product.price_min:
        return f"{rupiah(product.price_min)} – {rupiah(product.price_max)}"
    return rupiah(product.price_min)
