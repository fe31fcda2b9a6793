"""Buyer interest, counted server-side: no cookie, nothing about the visitor stored.

``interest_record`` is the one place a view of a public page, a click on a WhatsApp or store
button (through the redirect that records and forwards) or an inquiry is counted. It counts
once per visitor, target, kind and day: the visitor is recognised only by a keyed hash of their
address and browser, kept in the cache until the end of the day (Asia/Jakarta) and never in the
database. Requests from crawlers, link-preview fetchers and scripts are not counted.

With the cache away the repeat filter cannot work, so nothing is counted rather than counting
every reload: the figures are a floor, never inflated.
"""

import hashlib
import hmac
import re
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.lockout import client_ip

from .models import InterestCount, InterestKind

# Crawlers, link-preview fetchers (WhatsApp, Facebook, Telegram... fetch a shared link's preview),
# monitors, and HTTP libraries. Browsers send none of these words.
_NOT_A_BUYER = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|whatsapp|telegram|headless|lighthouse|pingdom|uptime|"
    r"monitor|curl|wget|python|httpx|okhttp|java/|go-http|libwww|scrapy|axios|node-fetch|wrk|apachebench",
    re.IGNORECASE,
)


def is_buyer_agent(user_agent: str) -> bool:
    """A browser a person uses, as far as its User-Agent tells (no User-Agent: not counted)."""
    return bool(user_agent) and _NOT_A_BUYER.search(user_agent) is None


def _seconds_left_today(now: datetime) -> int:
    local = timezone.localtime(now)
    midnight = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), time.min), local.tzinfo)
    return max(1, int((midnight - local).total_seconds()))


def _first_today(request, *, kind: str, profile_id: int, product_id: int | None, now: datetime) -> bool:
    """True the first time today this visitor shows this interest (kept in the cache till midnight)."""
    visitor = f"{client_ip(request) or ''}|{request.META.get('HTTP_USER_AGENT', '')}"
    target = f"{timezone.localdate(now).isoformat()}|{kind}|{profile_id}|{product_id or ''}"
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{visitor}|{target}".encode(), hashlib.sha256).hexdigest()
    return cache.add(f"showcase:interest:{digest[:40]}", 1, timeout=_seconds_left_today(now))


def _increment(*, kind: str, profile_id: int, product_id: int | None, day) -> None:
    """Add one to the day's count, creating the row on the day's first count (safe under races)."""
    rows = InterestCount.objects.filter(profile_id=profile_id, product_id=product_id, kind=kind, day=day)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            InterestCount.objects.create(profile_id=profile_id, product_id=product_id, kind=kind, day=day, count=1)
    except IntegrityError:  # another request created it between our update and create
        rows.update(count=F("count") + 1)


def interest_record(request, *, kind: InterestKind | str, profile_id: int, product_id: int | None = None) -> bool:
    """Count one showing of buyer interest; return whether it was counted.

    Not counted: a crawler or script (by User-Agent), a signed-in user (staff and owners looking
    at pages are not buyers), and a repeat by the same visitor for the same target and kind on
    the same day.
    """
    if not is_buyer_agent(request.META.get("HTTP_USER_AGENT", "")):
        return False
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return False
    now = timezone.now()
    if not _first_today(request, kind=str(kind), profile_id=profile_id, product_id=product_id, now=now):
        return False
    _increment(kind=str(kind), profile_id=profile_id, product_id=product_id, day=timezone.localdate(now))
    return True
