"""Sign-in lockout (django-axes): who is counted, from which address, and what the locked-out see.

Three holds, none of which a stranger can use to keep an owner out of their own account:

- an account from one address (django-axes, AXES_FAILURE_LIMIT wrong passwords, AXES_COOLOFF_TIME);
  other addresses, an owner's own included, are not affected;
- an account from every address together, SIGNIN_ACCOUNT_FAILURE_LIMIT wrong passwords in the last
  SIGNIN_FAILURE_WINDOW: the ceiling on guesses however many addresses an attacker has;
- one address whatever the accounts, SIGNIN_ADDRESS_FAILURE_LIMIT in the same window (spraying).

The two wide holds apply only to browsers that have never signed in to the account: a successful
sign-in leaves a signed cookie (``DEVICE_COOKIE``) naming the account by a keyed digest that a
password change voids, and a browser carrying it is held only by the first rule. Failures are
counted per account however the identifier is written (0812-…, +62 812 …, the account's email in
capitals or full-width letters, or a look-alike such as a dotless ı): one counter, one ceiling.
"""

import ipaddress
import unicodedata
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessFailureLog
from django.conf import settings
from django.core import signing
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .backends import account_for
from .identifiers import email_normalize_or_none, identifier_text, phone_normalize_or_none

DEVICE_COOKIE = "ikm_perangkat"
_DEVICE_SALT = "accounts.lockout.device"
_DEVICES_KEPT = 5  # accounts remembered per browser (a family's shared phone)


def _skeleton(text: str) -> str:
    """Look-alike letters folded to their ASCII base (ı → i, İ → i, é → e): for counting only,
    never for signing in."""
    folded = unicodedata.normalize("NFKD", identifier_text(text).casefold().replace("ı", "i"))
    return "".join(c for c in folded if not unicodedata.combining(c))


def _identifier(request, credentials) -> str:
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username")
    return identifier_text(raw)


def _account(request, credentials):
    """The account the attempt is counted against (cached on the request: axes asks often)."""
    identifier = _identifier(request, credentials)
    cache = getattr(request, "_signin_accounts", None)
    if cache is None:
        cache = {}
        if request is not None:
            request._signin_accounts = cache
    if identifier not in cache:
        user = account_for(identifier)
        if user is None and "@" in identifier:
            user = account_for(_skeleton(identifier))
        cache[identifier] = user
    return cache[identifier]


def lockout_username(request, credentials) -> str:
    """One counter per account however it is named: its WhatsApp number, else its email. An
    identifier that names no account is counted under its normalised (or folded) spelling."""
    user = _account(request, credentials)
    if user is not None:
        return user.phone or user.email
    identifier = _identifier(request, credentials)
    if "@" in identifier:
        return (email_normalize_or_none(identifier) or _skeleton(identifier))[:255]
    return phone_normalize_or_none(identifier) or _skeleton(identifier)[:255]


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


# --- The browsers an account has signed in from ------------------------------------------------


def _device_token(user) -> str:
    # The password hash is in the digest: a new password voids every remembered browser.
    return salted_hmac(_DEVICE_SALT, f"{user.pk}:{user.password}").hexdigest()[:24]


def _device_tokens(request) -> list[str]:
    try:
        value = request.get_signed_cookie(DEVICE_COOKIE, salt=_DEVICE_SALT, max_age=timedelta(days=settings.SIGNIN_DEVICE_DAYS))
    except (KeyError, signing.BadSignature):
        return []
    return value.split()[:_DEVICES_KEPT]


def device_known(request, user) -> bool:
    return _device_token(user) in _device_tokens(request)


def device_remember(request, response, user) -> None:
    """After a successful sign-in: this browser may sign in to ``user`` even while a wide hold is on."""
    token = _device_token(user)
    tokens = [token, *(t for t in _device_tokens(request) if t != token)][:_DEVICES_KEPT]
    response.set_signed_cookie(
        DEVICE_COOKIE,
        " ".join(tokens),
        salt=_DEVICE_SALT,
        max_age=int(timedelta(days=settings.SIGNIN_DEVICE_DAYS).total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- The holds ------------------------------------------------------------------------------


def _hold_ends(failures, limit: int, window: timedelta):
    """When a rolling-window count of ``failures`` drops below ``limit`` again, or None if it is."""
    times = list(failures.order_by("-attempt_time").values_list("attempt_time", flat=True)[:limit])
    return times[-1] + window if len(times) >= limit else None


def wide_hold_ends(request, credentials):
    """The end of an account-wide or address-wide hold on this attempt, or None.

    Counted from django-axes' failure log (one row per recorded failure; failures refused during
    a hold are not recorded, so a hold never lengthens itself)."""
    user = _account(request, credentials)
    if user is not None and device_known(request, user):
        return None
    window = timedelta(minutes=settings.SIGNIN_FAILURE_WINDOW_MINUTES)
    recent = AccessFailureLog.objects.filter(attempt_time__gte=timezone.now() - window)
    ends = [
        _hold_ends(
            recent.filter(username=get_client_username(request, credentials)), settings.SIGNIN_ACCOUNT_FAILURE_LIMIT, window
        ),
        _hold_ends(recent.filter(ip_address=request.axes_ip_address), settings.SIGNIN_ADDRESS_FAILURE_LIMIT, window),
    ]
    ends = [end for end in ends if end is not None]
    return max(ends) if ends else None


class SignInLockHandler(AxesDatabaseHandler):
    """django-axes' database handler (the per account-and-address hold, AXES_LOCKOUT_PARAMETERS),
    with the account-wide and address-wide holds for browsers new to the account."""

    def remove_out_of_limit_failure_logs(self, *, username: str, limit: int | None = None) -> int:
        # axes 8.3 trims the log to AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT by deleting the newest
        # rows (its default ordering is newest first): past the limit every new failure would
        # vanish at once and the account-wide count would fall to nothing. Drop the oldest.
        limit = settings.AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT if limit is None else limit
        rows = AccessFailureLog.objects.filter(username=username)
        keep = rows.order_by("-attempt_time", "-pk").values("pk")[:limit]
        count, _ = rows.exclude(pk__in=keep).delete()
        return count

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            request.signin_hold = ("address", None)
            return True
        ends = wide_hold_ends(request, credentials)
        if ends is not None:
            request.signin_hold = ("new-browsers", ends)
            return True
        return False


def lockout_response(request, original_response=None, credentials=None):
    kind, ends = getattr(request, "signin_hold", ("address", None))
    wait = settings.AXES_COOLOFF_TIME if ends is None else max(timedelta(minutes=1), ends - timezone.now())
    context = {
        "retry_at": timezone.localtime(timezone.now() + wait),
        "minutes": max(1, round(wait.total_seconds() / 60)),
        "new_browsers_only": kind == "new-browsers",
    }
    response = render(request, "accounts/lockout.html", context, status=429)
    response["Retry-After"] = str(round(wait.total_seconds()))
    return response
