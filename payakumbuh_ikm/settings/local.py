"""Quick start: nothing to install (SQLite, console mail), and yet the background jobs run as in
production: ``scripts/quickstart`` starts a Celery worker with beat beside runserver, on a broker
kept in plain files (kombu's filesystem transport)."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, CELERY_BROKER_TRANSPORT_OPTIONS, DATABASES, degrading_redis, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# What the quick start's processes share besides the database: the broker's messages, the cache
# and beat's schedule. Git-ignored; delete it (with db.sqlite3) to start from scratch.
QUICKSTART_DIR = Path(env.str("QUICKSTART_DIR", default=str(BASE_DIR / ".quickstart")))

# --- SQLite written by two processes (runserver and the worker) ----------------------------------
# https://docs.djangoproject.com/en/5.2/ref/databases/#database-is-locked-errors
# - WAL: readers never wait for the writer, nor the writer for readers.
# - IMMEDIATE: a transaction takes the write lock when it begins. With SQLite's default
#   (DEFERRED) a transaction that read first and then writes fails at once with "database is
#   locked" when the other process wrote meanwhile: the busy timeout cannot help there.
# - timeout: how long a writer waits for the other's transaction to end before that error.
# Two processes each running 40 transactions that read, then write: 39 of the 80 failed with
# Django's default options, 40 with WAL and the timeout alone, none with all three.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("DJANGO_SQLITE_TIMEOUT", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# --- Cache shared by the web and the worker -------------------------------------------------------
# The worker's heartbeat (/sehat/), the public pages' version that a task changes, and the rate
# limits must be seen by every process: files, not each process's memory.
CACHES = {"default": degrading_redis(env.cache("CACHE_URL", default=f"filecache://{QUICKSTART_DIR / 'cache'}"))}

# --- Celery: a real worker and beat, on a broker that needs no server -----------------------------
# kombu's filesystem transport: a task is a file in QUICKSTART_DIR/broker/queue that the worker
# picks up, about 0.2 s after it was queued. Chosen over kombu's SQLAlchemy transport on a SQLite
# file, which needs one more package and, tried here, lost every send of beat's first round (beat
# and the worker raced to create the same queue row). CELERY_BROKER_URL=memory:// brings back the
# in-process mode (tasks run inside the request, no worker).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost/")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The same transport, with each message written atomically (payakumbuh_ikm/quickstart_broker.py).
    CELERY_BROKER_TRANSPORT = "payakumbuh_ikm.quickstart_broker:Transport"
    _broker = QUICKSTART_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        # One folder both ways: every process on this machine sends to and reads the same queues.
        "data_folder_in": str(_broker / "queue"),
        "data_folder_out": str(_broker / "queue"),
        "control_folder": str(_broker / "control"),
        # Seconds between the worker's looks into an empty folder.
        "polling_interval": 0.5,
    }
    # kombu writes into these folders but does not create them.
    for _folder in ("queue", "control"):
        (_broker / _folder).mkdir(parents=True, exist_ok=True)
    # The worker takes up to 8 tasks per process at each look instead of 1: with one, it ran 4
    # tasks a second however short (two processes, one look every 0.5 s), so the 81 messages of
    # the first start (77 reminders) took 20 s; now under 2 s. A file taken is gone from the folder either
    # way, so holding more loses nothing that holding one would keep (Redis, in production,
    # gives a killed worker's unacknowledged tasks to another; hence 1 in base.py).
    CELERY_WORKER_PREFETCH_MULTIPLIER = 8

# Beat's record of when each job last ran, and a scheduler that also runs every job once when
# beat starts, so that a newcomer sees the monthly file, reminders and sweeps without waiting
# for their hour (payakumbuh_ikm/celery.py).
CELERY_BEAT_SCHEDULE_FILENAME = str(QUICKSTART_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "payakumbuh_ikm.celery:RunAtStartScheduler"

# WhatsApp: printed by the worker (notifications.providers.console), as email is, so the quick
# start shows what an owner would get on WhatsApp instead of recording every such message as
# skipped. Production chooses its provider explicitly (base.py: off until WHATSAPP_PROVIDER is set).
WHATSAPP_PROVIDER = env("WHATSAPP_PROVIDER", default="console")
