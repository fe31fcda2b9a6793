"""messages_queue_many: what periodic jobs use to queue thousands of messages at once."""

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.models import Channel, Message, MessageStatus
from notifications.services import Outgoing, messages_queue_many
from payakumbuh_ikm.tests.waiting import wait_until

ICS = ("pelatihan-1.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")


def _items(n, *, prefix="uji:massal", phone=True):
    return [
        Outgoing(
            key=f"{prefix}:{i}",
            subject=f"Pengingat {i}",
            body="Besok pelatihan.",
            email=f"peserta{i}@contoh.id",
            phone=f"+62812{i:07d}" if phone else None,
            attachment=ICS,
        )
        for i in range(n)
    ]


@pytest.mark.django_db(transaction=True)
def test_queueing_the_same_items_twice_creates_rows_once_and_sends_each_email_once(celery_worker):
    items = _items(30, phone=False)
    with transaction.atomic():
        first = messages_queue_many(items)
    with transaction.atomic():
        second = messages_queue_many(iter(items))  # any iterable, e.g. a generator
    assert (first, second) == (30, 0)
    assert wait_until(lambda: not Message.objects.exclude(status=MessageStatus.SENT).exists())
    assert wait_until(lambda: len(mail.outbox) >= 30)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(item.email for item in items)
    assert all(m.attachments == [ICS] for m in mail.outbox)
    assert Message.objects.filter(attempts=1).count() == 30


@pytest.mark.django_db
def test_a_key_already_queued_by_message_queue_or_repeated_in_the_items_is_created_once(django_capture_on_commit_callbacks):
    Message.objects.create(key="uji:massal:0", channel=Channel.EMAIL, recipient="peserta0@contoh.id", subject="x", body="x")
    items = _items(3, phone=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert messages_queue_many(items + items) == 2
    assert Message.objects.count() == 3
    assert len(callbacks) == 1  # one callback enqueues the batch


@pytest.mark.django_db
def test_rows_are_rolled_back_with_the_caller_s_transaction_and_nothing_is_enqueued(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            messages_queue_many(_items(5))
            raise RuntimeError("the job failed after queueing")
    assert Message.objects.count() == 0 and callbacks == [] and mail.outbox == []


@pytest.mark.django_db
def test_with_the_gateway_off_whatsapp_rows_are_created_skipped_and_not_enqueued(settings, django_capture_on_commit_callbacks):
    settings.WHATSAPP_GATEWAY_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        assert messages_queue_many(_items(4)) == 8
    assert set(Message.objects.filter(channel=Channel.WHATSAPP).values_list("status", "attempts")) == {(MessageStatus.SKIPPED, 0)}
    assert Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.SENT).count() == 4
    assert Message.objects.filter(channel=Channel.WHATSAPP).exclude(attachment_name="").count() == 0


@pytest.mark.django_db
def test_two_thousand_items_take_a_handful_of_queries(settings, django_capture_on_commit_callbacks):
    settings.WHATSAPP_GATEWAY_URL = "http://127.0.0.1:9/kirim"  # on, but nothing is sent here
    with CaptureQueriesContext(connection) as few, django_capture_on_commit_callbacks(execute=False):
        assert messages_queue_many(_items(5, prefix="uji:sedikit")) == 10
    with CaptureQueriesContext(connection) as many, django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert messages_queue_many(_items(2000)) == 4000
    # An INSERT and a SELECT per batch of BULK_BATCH_SIZE items, plus the savepoint.
    assert len(few) == 4
    assert len(many) <= 2 * 4 + 2
    [enqueue] = callbacks
    assert Message.objects.filter(status=MessageStatus.QUEUED).count() == 4010
