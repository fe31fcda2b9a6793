"""Two real worker processes, each consuming its own send queue, share the reminder load: each
sends some of the batches, and together they send every reminder exactly once."""

import os
import subprocess
import sys
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from notifications import outbox
from notifications.models import Channel, Message, MessageStatus
from payakumbuh_ikm.tests.waiting import wait_until, workers_drained
from trainings import tasks

from .factories import RegistrationFactory, TrainingSessionFactory

ROOT = Path(__file__).resolve().parents[2]


def _recipients(mail_dir: Path) -> list[str]:
    found = []
    for path in mail_dir.iterdir():
        # The file backend appends every message of one connection to one file, separated by dashes.
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                found.append(message_from_bytes(chunk.strip()).get("To"))
    return found


@pytest.fixture
def two_workers(tmp_path, settings):
    """Two ``celery worker`` processes against this test's database, one per send queue, each
    writing its emails to its own directory (so the test sees who sent what)."""
    from payakumbuh_ikm.celery import app

    queues = [f"test-send-{os.getpid()}-{name}" for name in ("a", "b")]
    settings.NOTIFICATION_SEND_QUEUES = queues
    db = connection.settings_dict
    processes, mail_dirs = [], []
    for queue in queues:
        mail_dir = tmp_path / queue
        mail_dir.mkdir()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "payakumbuh_ikm.settings.test",
            "TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "TEST_CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "TEST_EMAIL_FILE_PATH": str(mail_dir),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # Retries straight into the queue, where workers_drained's marker comes after them.
            "NOTIFICATION_RETRY_BASE_SECONDS": "0",
        }
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "payakumbuh_ikm",
                    "worker",
                    "-Q",
                    queue,
                    "-P",
                    "solo",
                    "-n",
                    f"{queue}@%h",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
        )
        mail_dirs.append(mail_dir)
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield mail_dirs
    finally:
        app.conf.task_always_eager = saved
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        channel = app.connection_for_write().default_channel
        for queue in queues:
            channel.queue_purge(queue)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_two_queues_share_the_reminders_and_send_each_once(roles, reference, two_workers, monkeypatch, settings):
    monkeypatch.setattr(outbox, "SEND_BATCH_SIZE", 10)  # 60 reminders: six batches, three per queue
    session = TrainingSessionFactory(starts_at=timezone.now() + timedelta(hours=10), capacity=100)
    registrations = RegistrationFactory.create_batch(60, session=session)

    tasks.reminders_queue_task()
    tasks.reminders_queue_task()  # beat running the job twice queues nothing new
    emails = Message.objects.filter(channel=Channel.EMAIL)
    assert wait_until(
        lambda: not emails.filter(status__in=[MessageStatus.QUEUED, MessageStatus.SENDING]).exists(), timeout=90, step=0.2
    )
    # Anything sent twice has been written by now: each worker has handled a marker sent after.
    assert workers_drained(settings.NOTIFICATION_SEND_QUEUES)

    first, second = (_recipients(mail_dir) for mail_dir in two_workers)
    assert len(first) == len(second) == 30  # each worker sent its three batches
    everyone = first + second
    assert len(everyone) == len(set(everyone)) == 60
    assert set(everyone) == {r.business.owner.email for r in registrations}
    assert emails.count() == emails.filter(status=MessageStatus.SENT, attempts=1).count() == 60
