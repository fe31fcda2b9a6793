"""The test suite: real PostgreSQL and Redis on loopback (started by scripts/services-up)."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import degrading_redis, env

DATABASES = {
    "default": env.db("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/payakumbuh_ikm"),
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DB_CONNECT_TIMEOUT  # noqa: F405 - base.py
# Each pytest-xdist worker gets its own Redis database (gw0 -> 3, gw1 -> 4, ...): tests clear the
# cache between them, and a clear in one worker must not wipe another's rate-limit counters.
_XDIST = os.environ.get("PYTEST_XDIST_WORKER", "")
_CACHE_DB = 3 + int(_XDIST[2:]) if _XDIST.startswith("gw") else 1
# Another Redis server for a second checkout's run on the same machine (e.g. "127.0.0.1:6380").
_REDIS = env("TEST_REDIS_ADDRESS", default="127.0.0.1:6379")
CACHES = {"default": degrading_redis(env.cache("TEST_CACHE_URL", default=f"rediscache://{_REDIS}/{_CACHE_DB}"))}
# Public pages: no per-process copy (payakumbuh_ikm/public_cache.py), so a test that clears the
# cache gets the page rendered again; test_public_cache.py turns it on where it tests it.
PUBLIC_PAGE_LOCAL_SECONDS = 0
# Production keeps sessions in cached_db; a portal started by a fault test does the same.
SESSION_ENGINE = env("TEST_SESSION_ENGINE", default="django.contrib.sessions.backends.db")
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default=f"redis://{_REDIS}/2")
# Tests that need a worker start a real one (tests/conftest: celery_worker); others run eagerly.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
EMAIL_BACKEND = env("TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
# For a worker started as a separate process by a test (the file backend's directory).
EMAIL_FILE_PATH = env("TEST_EMAIL_FILE_PATH", default=os.path.join(tempfile.gettempdir(), "payakumbuh-ikm-test-mail"))
# Hashing is deliberately slow in production; tests sign in thousands of times.
# A page's query count must not depend on how long the fixtures took: on a loaded machine
# building 1,000 rows took over a minute, and the first page after it wrote the session (3 more
# queries). Ten minutes still lets the idle-timeout tests (20-minute steps) see activity noted.
SESSION_LAST_SEEN_STEP_SECONDS = 600
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("TEST_MEDIA_ROOT", default=os.path.join(tempfile.gettempdir(), "payakumbuh-ikm-test-media"))
DEBUG = False
# A worker started as a separate process by a fault test sends to that test's local provider.
WHATSAPP_PROVIDER = env("TEST_WHATSAPP_PROVIDER", default="")
if WHATSAPP_PROVIDER:
    WHATSAPP_META_API_URL = env("TEST_WHATSAPP_META_API_URL", default="http://127.0.0.1:9")
    WHATSAPP_META_PHONE_NUMBER_ID, WHATSAPP_META_TOKEN = "1234567890", "EAAG-uji"
    WHATSAPP_FONNTE_URL = env("TEST_WHATSAPP_FONNTE_URL", default="http://127.0.0.1:9/send")
    WHATSAPP_FONNTE_TOKEN = "fonnte-uji"  # nosec B105 - the token of the test's local fake Fonnte
    WHATSAPP_GATEWAY_TIMEOUT = env.float("TEST_WHATSAPP_TIMEOUT", default=5.0)
WHATSAPP_GATEWAY_URL = ""  # a developer's .env must never make the tests post to a real gateway
