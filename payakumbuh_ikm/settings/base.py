"""Settings shared by every environment, read from environment variables.

Defaults here are the embedded quick-start world (SQLite, tasks run in-process, mail to the
console). Production (``prod.py``) refuses to start without a real database, Redis and secret.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is a convenience for developers; production passes real environment variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-quickstart-key-never-used-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "payakumbuh_ikm.admin_site.PortalAdminConfig",  # django.contrib.admin, every changelist total on its query
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Trigram and full-text lookups for the showcase search (registered only on PostgreSQL).
    "django.contrib.postgres",
    # sitemap.xml for search engines (the showcase, the training sessions).
    "django.contrib.sitemaps",
    "payakumbuh_ikm",  # template tags shared by every app (portal.rupiah ...)
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "accounts",
    "spreadsheets",  # the importers' shared layer: cells, formats, strict import, jobs with progress
    "notifications",
    "businesses",
    "trainings",
    "recovery",
    "showcase",
    "pages",  # help, contact, privacy notice, terms: edited by staff in the admin
    # The demo city (manage.py seed_demo): here for every settings, since the Lighthouse run seeds
    # it under the production settings; it seeds only when asked to.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "payakumbuh_ikm.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Not Django's LocaleMiddleware: Indonesian unless the visitor chose English on the switch,
    # whatever the browser prefers (payakumbuh_ikm/language.py).
    "payakumbuh_ikm.language.IndonesianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: signs out idle sessions and says why.
    "accounts.sessions.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "payakumbuh_ikm.urls"
WSGI_APPLICATION = "payakumbuh_ikm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.role",
                "payakumbuh_ikm.context_processors.office",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections: a 2-query page went from 135 to 1,142 req/s on this kind of machine
# (../shared/TOOLING.md). Health checks drop a connection the server closed meanwhile.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A database that does not answer makes pages fail fast with the 503 page
# (payakumbuh_ikm.middleware) instead of hanging for the driver's default of minutes.
DB_CONNECT_TIMEOUT = env.int("DJANGO_DB_CONNECT_TIMEOUT", default=2)
if "postgresql" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = DB_CONNECT_TIMEOUT
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, import previews); Redis in production ------------------------------


def degrading_redis(config: dict) -> dict:
    """Django's RedisCache raises on every call while Redis is down, so every page touching the
    cache would answer 500; payakumbuh_ikm.cache.DegradingRedisCache (same keys and options)
    reads as empty and drops writes until Redis is back."""
    if config.get("BACKEND") == "django.core.cache.backends.redis.RedisCache":
        config["BACKEND"] = "payakumbuh_ikm.cache.DegradingRedisCache"
    return config


CACHES = {"default": degrading_redis(env.cache("CACHE_URL", default="locmemcache://"))}
# With Redis away the sign-up rate limit cannot count: let sign-ups through rather than refuse
# every one (django-ratelimit's default) for as long as the outage lasts. Sign-in stays guarded
# by django-axes, whose counts are in the database.
RATELIMIT_FAIL_OPEN = True
# Rates of the other public forms (django-ratelimit syntax, e.g. "30/h"): training registrations
# and cancellations per signed-in user, password-reset requests per address and per email.
RATELIMIT_TRAINING_REGISTRATION = env.str("RATELIMIT_TRAINING_REGISTRATION", default="30/h")
RATELIMIT_PASSWORD_RESET_IP = env.str("RATELIMIT_PASSWORD_RESET_IP", default="10/h")
RATELIMIT_PASSWORD_RESET_EMAIL = env.str("RATELIMIT_PASSWORD_RESET_EMAIL", default="3/h")
# WhatsApp reset codes: requests per number (the address limit above counts them too), and how
# long and for how many tries a code holds. 3 requests of 5 tries: 15 guesses an hour at most
# against a million codes.
RATELIMIT_PASSWORD_RESET_PHONE = env.str("RATELIMIT_PASSWORD_RESET_PHONE", default="3/h")
# Staff's "Ingatkan" on the completeness page, per staff account (each owner is reminded at most
# once a day however often it is pressed).
RATELIMIT_NUDGE = env.str("RATELIMIT_NUDGE", default="30/h")
# The showcase's public "laporkan" (report a product) form, per address.
RATELIMIT_SHOWCASE_REPORT = env.str("RATELIMIT_SHOWCASE_REPORT", default="5/h")
# Buyers' inquiries from the showcase, per address (showcase/views_interest.py); a buyer asks a
# few businesses, a script thousands.
RATELIMIT_SHOWCASE_INQUIRY = env.str("RATELIMIT_SHOWCASE_INQUIRY", default="10/h")
PHONE_RESET_CODE_MINUTES = 10
PHONE_RESET_CODE_TRIES = 5
PHONE_RESET_CODE_KEEP_DAYS = 2  # then the daily purge deletes the requests (accounts.tasks)
# A showcase buyer's name, contact and message are kept this long for the owner to answer, then
# erased by the daily sweep (showcase.tasks); the province and the date stay for the figures.
INQUIRY_RETENTION_DAYS = env.int("INQUIRY_RETENTION_DAYS", default=90)

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.EmailOrPhoneBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Password guessing (django-axes, https://django-axes.readthedocs.io/en/latest/4_configuration.html,
# and accounts/lockout.py). Failures count per account however its number or email is written.
# - One account from one address: AXES_FAILURE_LIMIT wrong passwords hold that pair for
#   AXES_COOLOFF_TIME. Nobody else is held: not the owner at home, not an office sharing an address.
# - One account from every address: SIGNIN_ACCOUNT_FAILURE_LIMIT in SIGNIN_FAILURE_WINDOW_MINUTES,
#   the ceiling on guesses however many addresses an attacker has (40 an hour; OWASP ASVS 2.2.1
#   asks for no more than 100).
# - One address, any accounts: SIGNIN_ADDRESS_FAILURE_LIMIT in the same window (password spraying).
# The two wide holds spare every browser that has signed in to the account before (a signed
# cookie kept SIGNIN_DEVICE_DAYS): a stranger's guesses never keep an owner out of their own phone.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.SignInLockHandler"
# The wide holds count django-axes' failure log (one row per failure, kept SIGNIN_FAILURE_LOG_DAYS).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
SIGNIN_ACCOUNT_FAILURE_LIMIT = env.int("SIGNIN_ACCOUNT_FAILURE_LIMIT", default=40)
SIGNIN_ADDRESS_FAILURE_LIMIT = env.int("SIGNIN_ADDRESS_FAILURE_LIMIT", default=100)
SIGNIN_FAILURE_WINDOW_MINUTES = env.int("SIGNIN_FAILURE_WINDOW_MINUTES", default=60)
SIGNIN_DEVICE_DAYS = env.int("SIGNIN_DEVICE_DAYS", default=180)
SIGNIN_FAILURE_LOG_DAYS = env.int("SIGNIN_FAILURE_LOG_DAYS", default=30)
# A right password clears that pair's count; guesses during a hold are not recorded, so an
# attacker cannot keep any hold on for longer than it lasts after they stop.
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Sessions end after this long without a request (accounts/sessions.py): minutes for anyone who
# holds a permission (staff, NIK checkers, officials, superusers: an office computer left open
# must not keep showing owners' data), days for owners on their own phones. Django's
# SESSION_COOKIE_AGE (14 days) no longer applies: every session carries one of these limits.
SESSION_IDLE_MINUTES_STAFF = env.int("DJANGO_SESSION_IDLE_MINUTES_STAFF", default=30)
SESSION_IDLE_DAYS_OWNER = env.int("DJANGO_SESSION_IDLE_DAYS_OWNER", default=7)
# The last request's time is written at most this often: writing it on every request would be a
# session save (a database write) per page. Well below the shortest idle limit.
SESSION_LAST_SEEN_STEP_SECONDS = 60
# Proxies in front of the portal that append to X-Forwarded-For (0 = clients connect directly).
# Without it every visitor behind the proxy would share one address and one lockout.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# django-ratelimit's key="ip" asks the same function as the lockout and the audit trail; its
# default (REMOTE_ADDR) behind the proxy would be one counter for the whole city.
# https://django-ratelimit.readthedocs.io/en/stable/settings.html#ratelimit-ip-meta-key
RATELIMIT_IP_META_KEY = "accounts.lockout.client_ip"

# --- Browser security headers ---------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts and styles only from the portal's own files, no
# inline code, no framing. QR codes are inline SVG elements (not images), so img-src needs only
# data: for Bootstrap's icons. https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The CSRF cookie stays readable by scripts (Django's default; the token is in the forms anyway,
# and HttpOnly would add nothing: https://docs.djangoproject.com/en/5.2/ref/settings/#csrf-cookie-httponly).
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SAMESITE = "Lax"

# --- Language, time, money ----------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
# The office that runs the portal, as it signs pages, e-mails, PDFs and certificates: one name,
# written once (templates read it as OFFICE_NAME, code as settings.OFFICE_NAME).
OFFICE_NAME = _("Dinas Tenaga Kerja dan Perindustrian Kota Payakumbuh")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
# Indonesian number format: 1.250.000 (dot thousands), as the Rupiah filter prints.
USE_THOUSAND_SEPARATOR = True

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded documents are private (scans of certificates): no MEDIA_URL is served publicly;
# businesses.views.certificate_document checks permission and streams the file.
MEDIA_URL = "/private-media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760
# Scans of certificates and import spreadsheets: sizes the office's scanners and Excel produce.
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
# Showcase product photos (showcase/photos.py): a phone camera's JPEG is 2-8 MB and 12-50 MP.
# More pixels than the cap is refused before decoding (a small PNG can declare 400 MP: a
# decompression bomb); Pillow's own limit (89 MP) only warns.
SHOWCASE_PHOTO_MAX_BYTES = env.int("SHOWCASE_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
SHOWCASE_PHOTO_MAX_PIXELS = env.int("SHOWCASE_PHOTO_MAX_PIXELS", default=50_000_000)
# Which resource imports each kind of spreadsheet job (spreadsheets.services): the shared import
# layer sits below the domain apps and names them only here.
SPREADSHEET_IMPORTERS = {
    "usaha": "businesses.resources.BusinessResource",
    "laporan": "recovery.resources.MonthlyReportResource",
}

# --- Mail ---------------------------------------------------------------------------------
EMAIL_URL_DEFAULT = "consolemail://"


def email_settings(default: str) -> dict:
    """EMAIL_URL (django-environ's form: smtp+tls://user:password@host:587) as Django's mail
    settings, by name. smtps:// means implicit TLS (port 465): django-environ reads it as
    STARTTLS, which such a server never answers. EMAIL_TIMEOUT (seconds) bounds a hung server."""
    config = env.email("EMAIL_URL", default=default)
    ssl = env.str("EMAIL_URL", default=default).startswith("smtps://")
    return {
        "EMAIL_BACKEND": config["EMAIL_BACKEND"],
        "EMAIL_HOST": config["EMAIL_HOST"] or "localhost",
        "EMAIL_PORT": config["EMAIL_PORT"] or 25,
        "EMAIL_HOST_USER": config["EMAIL_HOST_USER"] or "",
        "EMAIL_HOST_PASSWORD": config["EMAIL_HOST_PASSWORD"] or "",
        "EMAIL_USE_TLS": bool(config.get("EMAIL_USE_TLS")) and not ssl,
        "EMAIL_USE_SSL": ssl,
        "EMAIL_TIMEOUT": env.float("EMAIL_TIMEOUT", default=10.0),
    }


_email = email_settings(EMAIL_URL_DEFAULT)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Disnakerin Payakumbuh <noreply@payakumbuhkota.go.id>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -------------------------------------------------------------------------------
# Without a broker the quick start runs tasks in-process; production sets CELERY_BROKER_URL.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged after it ran, so a worker killed mid-task leaves it for another
# worker; tasks are written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Queues the sends of many messages are spread over, batch by batch in turn (e.g.
# "kirim-a,kirim-b", one worker machine consuming each, or every worker consuming all of them);
# empty: Celery's default queue, where every other task goes. docs/scaling.md explains.
NOTIFICATION_SEND_QUEUES = env.list("NOTIFICATION_SEND_QUEUES", default=[])
# Seconds before the first retry of a message that failed for a temporary reason; doubles each time.
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=60)

# A month's recovery figures are provisional ("sementara") until its reporting deadline (this day
# of the following month) has passed and at least this share of the businesses in the programme
# has reported; the dashboard leads with the latest month that is neither (recovery.measures).
RECOVERY_REPORT_DEADLINE_DAY = env.int("RECOVERY_REPORT_DEADLINE_DAY", default=10)
RECOVERY_COMPLETE_SHARE = env.float("RECOVERY_COMPLETE_SHARE", default=0.8)
# A retry waits in the worker, reserved but unacknowledged, until its countdown is due. Redis
# hands an unacknowledged task to another worker after the visibility timeout (1 hour by
# default), so a timeout shorter than the longest countdown (base x 2^4 after the 5th try of
# notifications.tasks.message_send) would run the task twice. Keep it well above that; a task
# lost with a killed worker comes back after it (and the outbox sweep catches messages sooner).
# https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#visibility-timeout
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": max(7200, 4 * NOTIFICATION_RETRY_BASE_SECONDS * 2**4)}

# --- WhatsApp (docs/whatsapp.md) -------------------------------------------------------------
# Which provider sends WhatsApp messages: "meta" (Meta's WhatsApp Cloud API: approved templates),
# "fonnte" (Fonnte's send API), "webhook" (the generic JSON gateway below), "console" (printed,
# the quick start's default) or "" = off: WhatsApp messages are recorded as skipped, so staff
# see who was reached only by email. Unset with WHATSAPP_GATEWAY_URL set means "webhook".
WHATSAPP_PROVIDER = env("WHATSAPP_PROVIDER", default="")
# Seconds to wait for any provider's answer. No connection is retried; a request that left but got
# no answer in time is not (it may have been sent): failed for staff to check.
WHATSAPP_GATEWAY_TIMEOUT = env.float("WHATSAPP_GATEWAY_TIMEOUT", default=10.0)
# "webhook": the portal POSTs {"to": "+62...", "message": "..."} as JSON; 5xx, 408 and 429 are
# retried, other 4xx are not. Sent with "Authorization: Bearer <token>" when the token is set.
WHATSAPP_GATEWAY_URL = env("WHATSAPP_GATEWAY_URL", default="")
WHATSAPP_GATEWAY_TOKEN = env("WHATSAPP_GATEWAY_TOKEN", default="")
# "meta": POST {WHATSAPP_META_API_URL}/{version}/{phone number id}/messages with a system user's token.
WHATSAPP_META_API_URL = env("WHATSAPP_META_API_URL", default="https://graph.facebook.com")
WHATSAPP_META_API_VERSION = env("WHATSAPP_META_API_VERSION", default="v21.0")
WHATSAPP_META_PHONE_NUMBER_ID = env("WHATSAPP_META_PHONE_NUMBER_ID", default="")
WHATSAPP_META_TOKEN = env("WHATSAPP_META_TOKEN", default="")
# The app secret signs the status webhook (X-Hub-Signature-256); the verify token answers Meta's
# subscription handshake. Without them the webhook refuses every call.
WHATSAPP_META_APP_SECRET = env("WHATSAPP_META_APP_SECRET", default="")
WHATSAPP_META_VERIFY_TOKEN = env("WHATSAPP_META_VERIFY_TOKEN", default="")
# The approved templates, by the kind of message (texts to submit: docs/whatsapp.md).
WHATSAPP_META_TEMPLATE_LANGUAGE = env("WHATSAPP_META_TEMPLATE_LANGUAGE", default="id")
WHATSAPP_META_TEMPLATES = {
    "reminder": env("WHATSAPP_META_TEMPLATE_REMINDER", default="ikm_pengingat_pelatihan"),
    "report_due": env("WHATSAPP_META_TEMPLATE_REPORT_DUE", default="ikm_laporan_pemulihan"),
    "seat_freed": env("WHATSAPP_META_TEMPLATE_SEAT_FREED", default="ikm_kursi_tersedia"),
    "certificate_ready": env("WHATSAPP_META_TEMPLATE_CERTIFICATE_READY", default="ikm_sertifikat_siap"),
    "reset_code": env("WHATSAPP_META_TEMPLATE_RESET_CODE", default="ikm_kode_reset"),
    "notice": env("WHATSAPP_META_TEMPLATE_NOTICE", default="ikm_pemberitahuan"),
}
# "fonnte": a form POST to its send endpoint with the device token; the status webhook's URL
# carries the shared secret (Fonnte signs nothing): /notifikasi/whatsapp/fonnte/<secret>/.
WHATSAPP_FONNTE_URL = env("WHATSAPP_FONNTE_URL", default="https://api.fonnte.com/send")
WHATSAPP_FONNTE_TOKEN = env("WHATSAPP_FONNTE_TOKEN", default="")
WHATSAPP_FONNTE_COUNTRY_CODE = env("WHATSAPP_FONNTE_COUNTRY_CODE", default="62")
WHATSAPP_FONNTE_WEBHOOK_SECRET = env("WHATSAPP_FONNTE_WEBHOOK_SECRET", default="")
# Status callbacks per address (django-ratelimit); providers send one per message and status.
RATELIMIT_WHATSAPP_WEBHOOK = env.str("RATELIMIT_WHATSAPP_WEBHOOK", default="600/m")

# --- Forms --------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Import/export ------------------------------------------------------------------------
# Whole import in one transaction: a file with one bad row saves nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# The uploaded file waits for confirmation in the cache-independent media storage, so the
# preview and the confirm may land on different web machines that share MEDIA (or S3).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_FORMATS = ["import_export.formats.base_formats.XLSX", "import_export.formats.base_formats.CSV"]

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Every 16-digit run (a NIK) is masked before a handler writes it (payakumbuh_ikm/logging.py).
    "filters": {"mask_nik": {"()": "payakumbuh_ikm.logging.NikMaskingFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_nik"]}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools narrate every PDF step at INFO: only their warnings matter.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}

# --- Portal -------------------------------------------------------------------------------
# Codes are stored with their KBLI version; new registrations pick codes of this version.
KBLI_VERSION = env.int("KBLI_VERSION", default=2020)
PORTAL_NAME = "Portal Pemulihan IKM Payakumbuh"
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- Personal data ------------------------------------------------------------------------
# NIK is encrypted at rest (businesses/crypto.py). Keys come from the environment only; these
# defaults are for the quick start and the tests, and production settings have none.
# NIK_ENCRYPTION_KEYS: Fernet keys, newest first (older ones still decrypt during a rotation).
NIK_ENCRYPTION_KEYS = env.list("NIK_ENCRYPTION_KEYS", default=["ZGV2ZWxvcG1lbnQtb25seS1uaWsta2V5LTAwMDAwMDA="])
NIK_HASH_KEY = env("NIK_HASH_KEY", default="development-only-nik-hash-key")

# --- Trainings ----------------------------------------------------------------------------
# Hours before a session when participants are reminded (the day before and two hours before).
TRAINING_REMINDER_HOURS = env.list("TRAINING_REMINDER_HOURS", cast=float, default=[24.0, 2.0])
