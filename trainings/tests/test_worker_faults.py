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
from payakumbuh_ikm.tests.waiting import wait_until, workers_drained
from trainings import certificates, tasks
from trainings.models import Attendance, Certificate, SessionStatus

from .factories import RegistrationFactory, TrainingSessionFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_every_periodic_job_run_twice_sends_each_message_once(roles, reference, worker_idle):
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
    assert wait_until(lambda: Message.objects.filter(key__startswith="training-feedback:").count() >= 2, timeout=30)
    messages_sweep(older_than_seconds=0)

    expected = 3 + 2  # three reminders, two feedback requests
    assert wait_until(
        lambda: (
            len(mail.outbox) >= expected
            and not Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.QUEUED).exists()
        ),
        timeout=30,
    )
    assert worker_idle()  # anything sent twice has been sent by now
    # The two attendees' certificates are built and announced too (one email each, once).
    assert wait_until(
        lambda: Message.objects.filter(key__startswith="training-certificate:", channel=Channel.EMAIL).count() >= 2, timeout=30
    )
    messages_sweep(older_than_seconds=0)
    assert wait_until(lambda: not Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.QUEUED).exists(), timeout=30)
    assert worker_idle()
    reminders_and_feedback = [m.to[0] for m in mail.outbox if "ertifikat" not in m.subject]
    assert len(reminders_and_feedback) == expected == len(set(reminders_and_feedback))
    announced = sorted(m.to[0] for m in mail.outbox if "ertifikat" in m.subject)
    assert len(announced) == 2 == len(set(announced))
    assert Certificate.objects.filter(registration__session=ended).count() == 2
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
        "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),  # certificate PDFs, where this test looks
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # Retries straight into the queue, where workers_drained's marker comes after them.
        "NOTIFICATION_RETRY_BASE_SECONDS": "0",
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


def _emails(mail_dir: Path) -> list:
    found = []
    for path in mail_dir.iterdir():
        # The file backend appends every message of one connection to one file, separated by dashes.
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                found.append(message_from_bytes(chunk.strip()))
    return found


def _recipients(mail_dir: Path) -> list[str]:
    return [email.get("To") for email in _emails(mail_dir)]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_batch_sends_nothing_twice(roles, reference, worker_process):
    start, mail_dir = worker_process
    session = TrainingSessionFactory(starts_at=timezone.now() + timedelta(hours=10), capacity=100)
    registrations = RegistrationFactory.create_batch(60, session=session)

    first = start()
    tasks.reminders_queue_task()  # queues 60 emails (and WhatsApp rows) and enqueues their sends
    assert wait_until(lambda: len(_recipients(mail_dir)) >= 15, timeout=60), "the worker did not start sending"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = time.monotonic()
    sent_before_kill = len(_recipients(mail_dir))
    assert sent_before_kill < 60, "the kill came too late to test anything"

    # A new worker, and the periodic jobs that recover: the sweep re-enqueues what never left,
    # and whatever was being sent at the moment of the kill is flagged for staff, not resent.
    start()
    messages_sweep(older_than_seconds=0)
    assert wait_until(lambda: not Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.QUEUED).exists(), timeout=90)
    assert workers_drained()  # the new worker has finished its last message, and sent nothing more
    # Only what was claimed before the kill is of unknown fate.
    flagged = messages_recover_interrupted(older_than_seconds=int(time.monotonic() - killed_at))
    tasks.reminders_queue_task()  # the job itself run again after the crash: nothing new
    assert workers_drained()  # whatever it sent has run

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


# --- certificates --------------------------------------------------------------------------------


def _ended_session_with_attendees(count: int, staff=None):
    now = timezone.now()
    session = TrainingSessionFactory(
        starts_at=now - timedelta(hours=5), ends_at=now - timedelta(hours=2), capacity=count + 5, status=SessionStatus.FINISHED
    )
    registrations = RegistrationFactory.create_batch(count, session=session)
    Attendance.objects.bulk_create([Attendance(registration=r, checked_in_by=staff) for r in registrations])
    return session, registrations


def _pdfs(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "certificates"
    return sorted(root.rglob("*.pdf")) if root.exists() else []


@pytest.mark.django_db(transaction=True)
def test_a_certificate_whose_transaction_died_after_its_file_was_written_gets_that_file_once(
    roles, reference, settings, monkeypatch
):
    session, (registration,) = _ended_session_with_attendees(1)

    def crash(*args, **kwargs):
        raise SystemExit("worker killed")  # what a kill looks like from inside: nothing commits

    with monkeypatch.context() as patched:
        patched.setattr(Certificate, "save", crash)
        with pytest.raises(SystemExit):
            certificates.certificate_issue(registration_id=registration.pk)
    assert not Certificate.objects.exists() and len(_pdfs(settings)) == 1  # the file without its row

    assert certificates.certificates_issue_for_session(session_id=session.pk) == 1
    certificate = Certificate.objects.get()
    (only,) = _pdfs(settings)
    assert Path(certificate.pdf.path) == only and only.read_bytes().startswith(b"%PDF")
    assert certificates.certificates_issue_for_session(session_id=session.pk) == 0
    assert len(_pdfs(settings)) == 1
    assert Message.objects.filter(key=f"training-certificate:{registration.pk}").count() == 2  # email and WhatsApp rows


@pytest.mark.django_db
def test_the_certificate_notice_is_queued_with_the_certificate_and_only_once(
    roles, reference, django_capture_on_commit_callbacks
):
    session, (registration,) = _ended_session_with_attendees(1)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificates.certificate_issue(registration_id=registration.pk)
        certificates.certificate_issue(registration_id=registration.pk)
        certificates.certificates_issue_for_session(session_id=session.pk)
    (email,) = [m for m in mail.outbox if m.to == [registration.business.owner.email]]
    assert certificate.number in email.body and f"/pendaftaran/{registration.pk}/sertifikat.pdf" in email.body
    assert (
        Message.objects.filter(key=f"training-certificate:{registration.pk}", channel=Channel.EMAIL).get().status
        == MessageStatus.SENT
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_certificate_batch_leaves_each_certificate_and_notice_once(
    roles, reference, worker_process, settings
):
    start, mail_dir = worker_process
    attendees = 10
    session, registrations = _ended_session_with_attendees(attendees)

    first = start()
    tasks.certificates_issue_task.delay(session.pk)  # what the follow-up job sends for this session
    # About a second a PDF: kill once a few exist, while the rest are still to be drawn.
    assert wait_until(lambda: Certificate.objects.count() >= 3, timeout=90), "the worker did not start issuing"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    issued_before_kill = Certificate.objects.count()
    assert issued_before_kill < attendees, "the kill came too late to test anything"

    # A new worker, and the periodic jobs beat runs: the follow-up job finds the session still
    # missing certificates and sends its batch again; the outbox sweep sends what never left.
    start()
    summary = tasks.sessions_follow_up_task()
    assert summary["certificate_sessions"] == 1
    assert wait_until(lambda: Certificate.objects.count() == attendees, timeout=120)
    assert wait_until(
        lambda: Message.objects.filter(key__startswith="training-certificate:", channel=Channel.EMAIL).count() == attendees,
        timeout=30,
    )
    messages_sweep(older_than_seconds=0)
    certificate_emails = Message.objects.filter(key__startswith="training-certificate:", channel=Channel.EMAIL)
    assert wait_until(lambda: not certificate_emails.filter(status=MessageStatus.QUEUED).exists(), timeout=60)
    # The killed worker's own batch, still unacknowledged, comes back some day: it makes nothing.
    tasks.certificates_issue_task.delay(session.pk)
    tasks.sessions_follow_up_task()
    assert workers_drained(timeout=120)  # both have run, and whatever they sent

    rows = list(Certificate.objects.order_by("registration_id"))
    assert [c.registration_id for c in rows] == sorted(r.pk for r in registrations)
    assert len({c.number for c in rows}) == len({c.code for c in rows}) == attendees
    files = _pdfs(settings)
    assert sorted(Path(c.pdf.path) for c in rows) == files, "a certificate without its file, or a file without its row"
    assert all(path.read_bytes().startswith(b"%PDF") for path in files)

    announced = [e.get("To") for e in _emails(mail_dir) if e.get("Subject", "").startswith("Sertifikat")]
    owners = {r.business.owner.email for r in registrations}
    flagged = certificate_emails.filter(status=MessageStatus.FAILED).count()  # sending when killed: unknown fate
    assert len(announced) == len(set(announced)), "someone was told twice"
    assert set(announced) <= owners and len(announced) >= attendees - flagged
    assert (
        certificate_emails.count() == attendees
        and flagged + certificate_emails.filter(status=MessageStatus.SENT).count() == attendees
    )
    print(f"certificates: {issued_before_kill} of {attendees} before the kill, {len(announced)} notices sent, {flagged} flagged")
