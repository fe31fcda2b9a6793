"""Formatting shared by every app's templates: Rupiah amounts and query-string links."""

from decimal import Decimal, InvalidOperation

from django import template
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
