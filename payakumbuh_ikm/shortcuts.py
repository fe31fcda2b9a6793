"""What views share, beside Django's shortcuts."""

from typing import TypeVar

from django.http import Http404

T = TypeVar("T")


def or_404(found: T | None) -> T:
    """``found``, or a 404 when a selector found nothing the user may see. Selectors answer None
    (they know nothing of HTTP); the view decides that None means "not found" to the browser."""
    if found is None:
        raise Http404
    return found
