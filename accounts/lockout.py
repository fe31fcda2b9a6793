"""Sign-in lockout (django-axes): who is counted, from which address, and what the locked-out see."""

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
    """The visitor's address: REMOTE_ADDR, or behind DJANGO_TRUSTED_PROXY_COUNT proxies the entry
    of X-Forwarded-For they added (the left part is written by the client and cannot be trusted)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    cooloff = settings.AXES_COOLOFF_TIME
    if not isinstance(cooloff, timedelta):
        cooloff = timedelta(hours=cooloff)
    retry_at = timezone.localtime(timezone.now() + cooloff)
    context = {"retry_at": retry_at, "minutes": max(1, int(cooloff.total_seconds() // 60))}
    response = render(request, "accounts/lockout.html", context, status=429)
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response
