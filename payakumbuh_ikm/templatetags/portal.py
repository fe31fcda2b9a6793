"""Formatting shared by every app's templates: Rupiah amounts, query-string links and WhatsApp
links."""

from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.utils.translation import get_language

register = template.Library()


@register.filter
def rupiah(value) -> str:
    """Rp 1.250.000 in Indonesian, Rp 1,250,000 in English; whole Rupiah; None is a dash."""
    if value is None or value == "":
        return "—"
    try:
        amount = int(Decimal(str(value)).to_integral_value())
    except (InvalidOperation, ValueError):
        return str(value)
    grouped = f"{abs(amount):,}"
    if (get_language() or "id").startswith("id"):
        grouped = grouped.replace(",", ".")
    return f"{'-' if amount < 0 else ''}Rp {grouped}"


@register.simple_tag
def url_replace(request, key, value) -> str:
    """The current query string with one parameter set (keeps filters across pages)."""
    query = request.GET.copy()
    query[key] = value
    return query.urlencode()


@register.simple_tag
def absolute_url(path: str) -> str:
    """``path`` on the portal's public address (SITE_URL), for links sent outside the portal."""
    return settings.SITE_URL.rstrip("/") + path


@register.simple_tag
def whatsapp_link(phone, text: str = "") -> str:
    """A wa.me link that opens a chat with a stored number (+62...), the message ``text``
    already typed; "" for a missing or malformed number. Staff on a phone reach an owner in
    WhatsApp, where a tel: link only dialled."""
    digits = str(phone or "").removeprefix("+")
    if not (digits.isascii() and digits.isdigit()):
        return ""
    return f"https://wa.me/{digits}" + (f"?{urlencode({'text': text})}" if text else "")
