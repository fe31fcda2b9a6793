import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payakumbuh_ikm.settings.local")

app = Celery("payakumbuh_ikm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic schedule lives here, each with a sentence saying what it is for.
app.conf.beat_schedule = {
    # Every 5 minutes: send again any message whose enqueue was lost (broker down at commit time)
    # or whose worker died; delivery is idempotent, so nothing is sent twice.
    "notifications-sweep": {"task": "notifications.tasks.messages_sweep_task", "schedule": 300.0},
    # Hourly: delete import uploads previewed but never confirmed for a day (they hold NIKs).
    "businesses-import-uploads-purge": {"task": "businesses.tasks.import_uploads_purge_task", "schedule": 3600.0},
}
