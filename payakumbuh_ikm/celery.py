import os
from datetime import timedelta

from celery import Celery
from celery.beat import PersistentScheduler
from celery.schedules import crontab
from celery.signals import after_setup_logger, after_setup_task_logger

# The same fallback as wsgi.py: a worker or beat started without the variable is a production
# process and stops on a missing secret, never silently runs the quick start's world (SQLite,
# a broker in files). The quick start, the tests and `make worker` name their settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payakumbuh_ikm.settings.prod")

app = Celery("payakumbuh_ikm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _mask_nik_in_worker_logs(logger, **kwargs):
    """The worker replaces the handlers that settings.LOGGING built: mask NIKs on its own too."""
    from payakumbuh_ikm.logging import nik_filter_install

    nik_filter_install(logger)


# Every periodic schedule lives here, each with a sentence saying what it is for.
app.conf.beat_schedule = {
    # Every minute: a heartbeat that beat sends and a worker runs, each leaving a timestamp in the
    # cache; /sehat/ reports 503 when either is older than 3 minutes (payakumbuh_ikm.health).
    "portal-heartbeat": {"task": "payakumbuh_ikm.tasks.heartbeat_task", "schedule": 60.0},
    # Every 5 minutes: send again any message whose enqueue was lost (broker down at commit time)
    # or whose worker died; delivery is idempotent, so nothing is sent twice.
    "notifications-sweep": {"task": "notifications.tasks.messages_sweep_task", "schedule": 300.0},
    # Hourly: delete import uploads previewed but never confirmed for a day (they hold NIKs).
    "businesses-import-uploads-purge": {"task": "businesses.tasks.import_uploads_purge_task", "schedule": 3600.0},
    # Every two minutes: import jobs whose message to the broker was lost or whose worker died
    # are enqueued again; previews never confirmed for a day lose their file (it holds NIKs).
    "spreadsheets-import-jobs-sweep": {"task": "spreadsheets.tasks.import_jobs_sweep_task", "schedule": 120.0},
    # Daily: delete sign-in failures older than SIGNIN_FAILURE_LOG_DAYS (accounts/lockout.py
    # reads only the last hour; identifiers that name no account would otherwise pile up).
    "accounts-sign-in-failures-purge": {"task": "accounts.tasks.sign_in_failures_purge_task", "schedule": 86400.0},
    # Daily: delete WhatsApp reset-code requests older than PHONE_RESET_CODE_KEEP_DAYS (each is
    # dead 10 minutes after it was asked; those of unknown numbers hold what strangers typed).
    "accounts-reset-codes-purge": {"task": "accounts.tasks.phone_reset_codes_purge_task", "schedule": 86400.0},
    # Daily: erase showcase buyers' names, contacts and messages older than INQUIRY_RETENTION_DAYS,
    # keeping province and date for the "minat pembeli" figures; each inquiry is erased once.
    "showcase-inquiries-erase": {"task": "showcase.tasks.inquiries_erase_task", "schedule": 86400.0},
    # Every 5 minutes: queue the training reminders that fell due (TRAINING_REMINDER_HOURS before
    # each session); the outbox key makes a second run, or a second beat, queue nothing.
    "trainings-reminders": {"task": "trainings.tasks.reminders_queue_task", "schedule": 300.0},
    # Every 10 minutes: close sessions that ended, ask attendees for feedback, build certificates.
    "trainings-follow-up": {"task": "trainings.tasks.sessions_follow_up_task", "schedule": 600.0},
    # Every 5 minutes: refresh the dashboard summaries a report change left stale (a lost task),
    # changed outside the services (admin import), or after the registry or trainings changed.
    "recovery-summaries-sweep": {"task": "recovery.tasks.summaries_sweep_task", "schedule": 300.0},
    "recovery-exports-sweep": {"task": "recovery.tasks.exports_sweep_task", "schedule": 300.0},
    # Monthly, on the 5th at 08:00 Asia/Jakarta: remind owners who have not reported last month
    # (one outbox key per business and month, so a second run sends nothing).
    "recovery-reminders": {
        "task": "recovery.tasks.reminders_send_task",
        "schedule": crontab(day_of_month="5", hour="8", minute="0"),
    },
    # Daily at 07:00 Asia/Jakarta: build the city report (Excel and PDF) of the latest month whose
    # reporting deadline has passed (last month from the day after RECOVERY_REPORT_DEADLINE_DAY,
    # default the 11th; owners are reminded on the 5th) once today is on or after the day of the
    # month staff or officials chose (recovery.models.ReportSchedule, default the 1st: as soon as
    # the deadline has passed), and email the chosen recipients the PDF (and the Excel under the
    # size limit) with a link, unless that month's report is built already: a second run builds
    # nothing. Daily, so that a beat that was down that day catches up the next morning, a build
    # that failed is tried again, and a changed day takes effect without restarting beat.
    "recovery-monthly-report": {
        "task": "recovery.tasks.monthly_report_build_task",
        "schedule": crontab(hour="7", minute="0"),
    },
}


class RunAtStartScheduler(PersistentScheduler):
    """Beat's usual scheduler, except that every job above is due once as soon as beat starts,
    instead of first after its interval or at its next hour; then each keeps its own schedule.

    For the quick start (settings.local: CELERY_BEAT_SCHEDULER): a newcomer sees the monthly
    report file, the reminders and the sweeps' work a few seconds after ``make quickstart``, not
    on the 6th. Every job is safe to run twice, so a restart costs only the runs themselves.
    """

    def setup_schedule(self):
        super().setup_schedule()
        long_ago = self.app.now() - timedelta(days=400)  # before any monthly job's last turn
        for name in self.app.conf.beat_schedule:
            self.schedule[name].last_run_at = long_ago
