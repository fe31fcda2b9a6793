"""The one reader of a ``next`` parameter (where to go after an action)."""

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, value, default: str) -> str:
    """``value`` when it is a path on this site, else ``default``. Only a path: a bare word such
    as ``abc`` passes Django's host check, and ``redirect()`` then tried to reverse it as a view
    name (NoReverseMatch, a 500)."""
    if (
        isinstance(value, str)
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    ):
        return value
    return default
