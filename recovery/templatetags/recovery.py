"""Formatting for recovery figures: ratios shown as whole percents."""

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.625 -> 63%; None (nothing to divide by) is a dash."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.0f}%"
