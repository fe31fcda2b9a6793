"""The outbox through a real Celery worker and the real Redis broker."""

import pytest
from celery.signals import before_task_publish
from django.core import mail
from django.db import transaction

from notifications.models import Message, MessageStatus
from notifications.services import message_deliver, message_queue
from payakumbuh_ikm.tests.waiting import wait_until


@pytest.mark.django_db(transaction=True)
def test_a_message_queued_in_a_transaction_is_sent_by_a_real_worker_after_commit(celery_worker):
    # When the send is published, observed at the broker's door rather than guessed from an
    # empty mail outbox after a sleep (a slow worker would leave it empty either way).
    published: list[tuple[str, bool]] = []

    def record(sender=None, **kwargs):
        published.append((sender, transaction.get_connection().in_atomic_block))

    before_task_publish.connect(record, weak=False)
    try:
        with transaction.atomic():
            message_queue(key="uji:worker", subject="Usaha terverifikasi", body="Selamat", email="uni@contoh.id")
            # Not before the commit: the worker cannot see a row that does not exist yet.
            assert published == []
        assert published == [("notifications.tasks.message_send", False)]
    finally:
        before_task_publish.disconnect(record)
    assert wait_until(lambda: Message.objects.get(key="uji:worker").status == MessageStatus.SENT)
    assert [m.to for m in mail.outbox] == [["uni@contoh.id"]]


@pytest.mark.django_db(transaction=True)
def test_delivering_twice_sends_once():
    message = Message.objects.create(key="uji:dua", channel="email", recipient="uni@contoh.id", subject="Halo", body="Isi")
    message_deliver(message_id=message.pk)
    message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.attempts == 1 and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_mail_server_is_retried_then_recorded_as_failed(settings, celery_worker):
    # A real SMTP client against a port where nothing listens: a temporary failure each time.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0
    with transaction.atomic():
        message_queue(key="uji:gagal", subject="Halo", body="Isi", email="uni@contoh.id")
    assert wait_until(lambda: Message.objects.get(key="uji:gagal").status == MessageStatus.FAILED)
    message = Message.objects.get(key="uji:gagal")
    assert message.attempts == 6  # the first try and five retries
    assert "refused" in message.last_error.lower() or "connect" in message.last_error.lower()
