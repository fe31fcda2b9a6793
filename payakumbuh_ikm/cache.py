"""A Redis cache that degrades instead of failing when Redis is away.

The cache holds nothing that only it knows: rate-limit counters, cached sessions (backed by
the database), heartbeats, previews. When Redis stops, Django's own RedisCache raises
``redis.ConnectionError`` from every ``get`` and ``set``, and every page that touches the cache
answers 500. This backend treats an unreachable Redis as an empty cache that forgets what it
is told: reads miss, writes are dropped, ``incr`` says the key is gone (django-ratelimit then
fails open, see RATELIMIT_FAIL_OPEN), and one warning is logged per outage.

After a failure Redis is not asked again for ``RETRY_AFTER_SECONDS`` in this process, so a page
with several cache calls pays for one refused connection, not one per call; a Redis that stopped
answering (rather than refusing) costs at most the short socket timeouts below.

``/sehat/`` still reports the outage: its probe writes a token and reads it back, and a dropped
write reads back nothing.
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# Seconds during which a process that saw Redis fail answers from "empty" without asking again.
RETRY_AFTER_SECONDS = 2.0
# A Redis that accepts and then stalls must not hold a page for redis-py's default of 5 s.
SOCKET_TIMEOUT_SECONDS = 0.5


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis  # only where a Redis cache is configured

    # ConnectionError covers refused and reset connections, TimeoutError a stalled server,
    # BusyLoadingError a restarted server still loading its data; OSError what slips past them.
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def _one_quick_retry():
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return Retry(NoBackoff(), 1)


class _Breaker:
    def __init__(self):
        self._down_until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self._down_until

    def trip(self, error: BaseException) -> None:
        with self._lock:
            first = self._down_until == 0.0
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
        if first:
            logger.warning("Redis cache unreachable (%s); serving without the cache until it is back", error.__class__.__name__)

    def close(self) -> None:
        if self._down_until:
            with self._lock:
                self._down_until = 0.0
            logger.warning("Redis cache reachable again")


_breakers: dict[tuple, _Breaker] = {}
_breakers_lock = threading.Lock()


def _degrading(method: str, fallback):
    def call(self, *args, **kwargs):
        if self._breaker.is_open():
            return fallback(*args)
        try:
            result = getattr(super(DegradingRedisCacheClient, self), method)(*args, **kwargs)
        except self._errors as error:
            self._breaker.trip(error)
            return fallback(*args)
        if self._breaker._down_until:
            self._breaker.close()
        return result

    call.__name__ = method
    return call


def _missing_key(key, delta):
    raise ValueError(f"Key '{key}' not found (Redis unreachable).")


# INCRBY of a key that is there, else nil: one round trip, one atomic step.
_INCR_IF_PRESENT = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end return false"


class _OneTripRedisCacheClient(RedisCacheClient):
    """Django's client, with ``incr`` in one round trip. Django's asks EXISTS, then INCRBY: two
    round trips for every counter (django-ratelimit counts each registration POST this way), and
    a key that expires between the two is made again by INCRBY, without its timeout."""

    _incr_script = None  # one for every pool: each call names the client it runs on

    def incr(self, key, delta):
        client = self.get_client(key, write=True)
        if self._incr_script is None:  # sent by its SHA1; redis-py loads it again if Redis restarted
            self._incr_script = client.register_script(_INCR_IF_PRESENT)
        value = self._incr_script(keys=[key], args=[delta], client=client)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class DegradingRedisCacheClient(_OneTripRedisCacheClient):
    def __init__(self, servers, **options):
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        # redis-py retries a refused connection three times with a growing backoff (0.2 s in all
        # here): once, at once, is enough for a cache.
        options.setdefault("retry", _one_quick_retry())
        super().__init__(servers, **options)
        # Django keeps one cache client per thread; the breaker is shared by the process.
        with _breakers_lock:
            self._breaker = _breakers.setdefault(tuple(self._servers), _Breaker())
        self._errors = _redis_errors()
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        """Django's builds a new redis.Redis around the pool on every call, and redis-py copies its
        table of some 200 response callbacks into each: 0.09 ms of CPU a call, four calls in a
        registration POST. A redis.Redis holds nothing else but the pool, so one per pool
        serves every call (Django keeps this object per thread; redis.Redis is thread-safe)."""
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    add = _degrading("add", lambda key, value, timeout: False)
    get = _degrading("get", lambda key, default: default)
    set = _degrading("set", lambda key, value, timeout: None)
    touch = _degrading("touch", lambda key, timeout: False)
    delete = _degrading("delete", lambda key: False)
    get_many = _degrading("get_many", lambda keys: {})
    has_key = _degrading("has_key", lambda key: False)
    incr = _degrading("incr", _missing_key)
    set_many = _degrading("set_many", lambda data, timeout: None)
    delete_many = _degrading("delete_many", lambda keys: None)
    clear = _degrading("clear", lambda: False)


class DegradingRedisCache(RedisCache):
    """Django's RedisCache (same options, same keys and values), degrading as described above."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = DegradingRedisCacheClient
