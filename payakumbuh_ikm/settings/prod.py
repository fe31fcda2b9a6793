"""Production: PostgreSQL, Redis, gunicorn, Celery workers and beat, all from the environment.

No secret has a default here: a missing variable stops the start instead of running unsafely.
"""

import os

# A real mail server unless EMAIL_URL says otherwise (base.py's default prints to the console);
# set before base.py reads it, so the mail settings are derived in one place.
os.environ.setdefault("EMAIL_URL", "smtp://localhost:25")

from .base import *  # noqa: F403
from .base import degrading_redis, env

# What base.py already sets for every environment (DEBUG off unless DJANGO_DEBUG, the security
# headers, HttpOnly session cookies) is not restated here: this file holds only what production
# sets differently.
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DB_CONNECT_TIMEOUT  # noqa: F405 - base.py
REDIS_URL = env("REDIS_URL")
NIK_ENCRYPTION_KEYS = env.list("NIK_ENCRYPTION_KEYS")
NIK_HASH_KEY = env("NIK_HASH_KEY")
CACHES = {"default": degrading_redis(env.cache("CACHE_URL", default=REDIS_URL))}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# Never in-process here, whatever base.py derived from its own default broker.
CELERY_TASK_ALWAYS_EAGER = False

# Sessions in the cache backed by the database: survive a Redis restart, no query per request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# HTTPS everywhere (https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/).
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
