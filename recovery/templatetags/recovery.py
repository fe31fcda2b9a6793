"""Formatting for recovery figures: ratios shown as whole percents."""

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.625 -> 63%; None (nothing to divide by) is a dash."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.0f}%"


@register.filter
def percent_points(value) -> str:
    """A change of a ratio in percentage points: 0.052 -> +5,2 poin; None is a dash."""
    if value is None or value == "":
        return "—"
    points = float(value) * 100
    return f"{points:+.1f} poin".replace(".", ",")
