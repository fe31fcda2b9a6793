"""/sehat/: is the portal able to serve, for an uptime monitor.

Each check answers ok or not, with at most an exception class name: no host names, URLs,
credentials or personal data. No session is read and no cookie set, so a monitor polling every
few seconds creates nothing; it is not rate-limited.
"""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

HEARTBEAT_KEY = "health:heartbeat:{}"
# Beat sends the heartbeat every 60 s; three missed beats mean the worker or beat is gone.
HEARTBEAT_MAX_AGE_SECONDS = 180
BROKER_TIMEOUT_SECONDS = 2


def heartbeat_record(kind: str) -> None:
    """Store now as the last sign of life of ``kind`` ("worker" or "beat"), for a day."""
    cache.set(HEARTBEAT_KEY.format(kind), time.time(), timeout=86_400)


def _check(probe) -> dict:
    try:
        probe()
    except Exception as error:  # any failure is "not ok"; the class name says which
        return {"ok": False, "error": error.__class__.__name__}
    return {"ok": True}


def _database() -> None:
    # connect_timeout (settings) bounds a server that does not answer the connection; the
    # statement timeout, local to this transaction, bounds one that accepts and then stalls.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL statement_timeout = 2000")
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = "health:probe"
    token = str(time.monotonic_ns())
    cache.set(key, token, timeout=30)
    if cache.get(key) != token:
        raise RuntimeError("cache read back a different value")


def _broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


def _heartbeat(kind: str, *, required: bool) -> dict:
    try:
        last = cache.get(HEARTBEAT_KEY.format(kind))
    except Exception as error:
        return {"ok": not required, "error": error.__class__.__name__}
    if last is None:
        return {"ok": not required, "last_seen": None}
    age = max(0, int(time.time() - last))
    seen = datetime.fromtimestamp(last, tz=UTC)
    return {"ok": age <= HEARTBEAT_MAX_AGE_SECONDS or not required, "last_seen": seen.isoformat(), "age_seconds": age}


@never_cache
def health(request):
    # With tasks run in-process (quick start) there is no worker or beat to wait for.
    workers_required = not settings.CELERY_TASK_ALWAYS_EAGER
    checks = {
        "database": _check(_database),
        "cache": _check(_cache),
        # The quick start's in-memory broker has nothing to reach.
        "broker": _check(_broker) if not settings.CELERY_BROKER_URL.startswith("memory://") else {"ok": True},
        "worker": _heartbeat("worker", required=workers_required),
        "beat": _heartbeat("beat", required=workers_required),
    }
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
