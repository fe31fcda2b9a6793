"""Sign-in lockout (django-axes): who is counted, from which address, and what the locked-out see."""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from .phone import phone_normalize_or_none


def lockout_username(request, credentials) -> str:
    """One counter per account however the identifier is written: 0812-..., +62 812 ..., Email@X."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username")
    identifier = (raw or "").strip()
    if "@" in identifier:
        return identifier.lower()
    return phone_normalize_or_none(identifier) or identifier.lower()


def client_ip(request) -> str | None:
    """The visitor's address, and the only place the portal reads one: rate limits
    (RATELIMIT_IP_META_KEY), the lockout (AXES_CLIENT_IP_CALLABLE), the audit trail and logs go
    through here (accounts/tests/test_client_address.py fails on any other reader).

    REMOTE_ADDR, or behind DJANGO_TRUSTED_PROXY_COUNT proxies the entry of X-Forwarded-For the
    outermost of them added: entries to its left are written by the client and cannot be trusted.
    A header with fewer entries than proxies, or an entry that is not an address, leaves
    REMOTE_ADDR (the proxy's): a request that did not come through the proxies is counted there.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            try:
                return str(ipaddress.ip_address(forwarded[-proxies]))
            except ValueError:
                return remote
    return remote


def lockout_response(request, original_response=None, credentials=None):
    cooloff = settings.AXES_COOLOFF_TIME
    if not isinstance(cooloff, timedelta):
        cooloff = timedelta(hours=cooloff)
    retry_at = timezone.localtime(timezone.now() + cooloff)
    context = {"retry_at": retry_at, "minutes": max(1, int(cooloff.total_seconds() // 60))}
    response = render(request, "accounts/lockout.html", context, status=429)
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response
