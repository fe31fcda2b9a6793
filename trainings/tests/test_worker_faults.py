"""Periodic jobs run twice, and a real worker process killed in the middle of a batch of
reminders: nobody gets the same message twice."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from notifications.models import Channel, Message, MessageStatus
from notifications.services import messages_recover_interrupted, messages_sweep
from trainings import tasks
from trainings.models import Attendance, SessionStatus

from .factories import RegistrationFactory, TrainingSessionFactory

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate, timeout=30.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


@pytest.mark.django_db(transaction=True)
def test_every_periodic_job_run_twice_sends_each_message_once(roles, reference, celery_worker):
    now = timezone.now()
    upcoming = TrainingSessionFactory(starts_at=now + timedelta(hours=20))
    RegistrationFactory.create_batch(3, session=upcoming)
    ended = TrainingSessionFactory(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(minutes=5))
    for registration in RegistrationFactory.create_batch(2, session=ended):
        Attendance.objects.create(registration=registration)

    # Every job in the beat schedule that concerns trainings and messages, twice, through the worker.
    jobs = [tasks.reminders_queue_task, tasks.sessions_follow_up_task]
    for _ in range(2):
        for job in jobs:
            job.delay()
    assert _wait_for(lambda: Message.objects.filter(key__startswith="training-feedback:").count() >= 2)
    messages_sweep(older_than_seconds=0)

    expected = 3 + 2  # three reminders, two feedback requests
    assert _wait_for(
        lambda: (
            len(mail.outbox) >= expected
            and not Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.QUEUED).exists()
        )
    )
    time.sleep(0.5)  # anything sent twice would arrive now
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == expected == len(set(recipients))
    ended.refresh_from_db()
    assert ended.status == SessionStatus.FINISHED


@pytest.fixture
def worker_process(tmp_path, settings):
    """Start ``celery worker`` as a separate process on its own queue, against this test's
    database, with a mail backend that writes each email to a file slowly (so a kill lands in
    the middle of the batch)."""
    from payakumbuh_ikm.celery import app

    queue = f"test-kill-{os.getpid()}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "payakumbuh_ikm.settings.test",
        "TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "TEST_CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "TEST_EMAIL_BACKEND": "trainings.tests.slow_mail.SlowFileBackend",
        "TEST_EMAIL_FILE_PATH": str(mail_dir),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    processes = []

    def start():
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "payakumbuh_ikm", "worker", "-Q", queue, "-P", "solo",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(process)
        return process

    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        yield start, mail_dir
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        app.connection_for_write().default_channel.queue_purge(queue)


def _recipients(mail_dir: Path) -> list[str]:
    found = []
    for path in mail_dir.iterdir():
        # The file backend appends every message of one connection to one file, separated by dashes.
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                found.append(message_from_bytes(chunk.strip()).get("To"))
    return found


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_batch_sends_nothing_twice(roles, reference, worker_process):
    start, mail_dir = worker_process
    session = TrainingSessionFactory(starts_at=timezone.now() + timedelta(hours=10), capacity=100)
    registrations = RegistrationFactory.create_batch(60, session=session)

    first = start()
    tasks.reminders_queue_task()  # queues 60 emails (and WhatsApp rows) and enqueues their sends
    assert _wait_for(lambda: len(_recipients(mail_dir)) >= 15, timeout=60), "the worker did not start sending"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = time.monotonic()
    sent_before_kill = len(_recipients(mail_dir))
    assert sent_before_kill < 60, "the kill came too late to test anything"

    # A new worker, and the periodic jobs that recover: the sweep re-enqueues what never left,
    # and whatever was being sent at the moment of the kill is flagged for staff, not resent.
    start()
    messages_sweep(older_than_seconds=0)
    assert _wait_for(lambda: not Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.QUEUED).exists(), timeout=90)
    time.sleep(1)  # the new worker's last message, if any, finishes
    # Only what was claimed before the kill is of unknown fate.
    flagged = messages_recover_interrupted(older_than_seconds=int(time.monotonic() - killed_at))
    tasks.reminders_queue_task()  # the job itself run again after the crash: nothing new
    time.sleep(1)

    recipients = _recipients(mail_dir)
    assert len(recipients) == len(set(recipients)), "someone got the same reminder twice"
    emails = Message.objects.filter(channel=Channel.EMAIL)
    assert emails.count() == 60
    sent = emails.filter(status=MessageStatus.SENT).count()
    # With one worker process, at most the one message in its hands is of unknown fate: it may
    # or may not have left before the kill, so it is flagged for staff instead of resent.
    assert flagged <= 1 and sent + flagged == 60
    assert sent <= len(recipients) <= sent + flagged
    assert {r.business.owner.email for r in registrations} >= set(recipients)
