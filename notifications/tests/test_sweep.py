from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications.models import Message, MessageStatus
from notifications.services import message_queue, messages_sweep

pytestmark = pytest.mark.django_db


def test_a_message_whose_enqueue_was_lost_is_sent_by_the_sweep_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the broker never heard of it
        with transaction.atomic():
            message_queue(key="uji:1", subject="Halo", body="Isi", email="uni@contoh.id")
    message = Message.objects.get()
    assert message.status == MessageStatus.QUEUED and mail.outbox == []
    assert messages_sweep() == 0  # too fresh: its own enqueue may still be on the way
    Message.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert messages_sweep() == 1
    assert messages_sweep() == 0
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and len(mail.outbox) == 1


def test_the_same_key_is_never_queued_twice():
    for _ in range(3):
        message_queue(key="uji:2", subject="Halo", body="Isi", email="uni@contoh.id", phone="+6281200000000")
    assert Message.objects.count() == 2  # one email, one WhatsApp
