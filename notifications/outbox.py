"""Queueing: write every message to the outbox, enqueue its send after the commit.

What other apps call (re-exported by notifications.services). Sending is notifications.delivery;
this module names the send tasks by their registered names instead of importing
notifications.tasks, so queueing, tasks and delivery import one another in one direction only.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from payakumbuh_ikm.enqueue import enqueue_each, enqueue_each_on_commit, enqueue_on_commit

from .models import Channel, Message, MessageStatus
from .providers import provider_name

logger = logging.getLogger(__name__)


def _task(name: str):
    """A notifications task by name (notifications.tasks imports this module, not the reverse)."""
    return current_app.tasks[f"notifications.tasks.{name}"]


WHATSAPP_OFF = "WhatsApp belum dikonfigurasi (WHATSAPP_PROVIDER dan WHATSAPP_GATEWAY_URL kosong)"


Attachment = tuple[str, str, str]  # (filename, text content, mimetype), e.g. a session's .ics
StoredFile = tuple[str, str, str]  # (filename, name in the default storage, mimetype), e.g. a report PDF

# Rows per INSERT in messages_queue_many (up to two per item: email and WhatsApp).
BULK_BATCH_SIZE = 500


@dataclass(frozen=True)
class Outgoing:
    """One message for messages_queue_many: sent on every channel the person has."""

    key: str
    subject: str
    body: str
    email: str | None = None
    phone: str | None = None
    attachment: Attachment | None = None


def message_queue(
    *,
    key: str,
    subject: str,
    body: str,
    email: str | None = None,
    phone: str | None = None,
    attachment: Attachment | None = None,
    files: list[StoredFile] | None = None,
) -> list[Message]:
    """Queue one message per available channel; a key already queued on a channel is skipped.

    Must run inside the caller's transaction: the send is enqueued on commit, so a rolled-back
    change never tells anyone anything. ``attachment`` (text) and ``files`` (stored files, read
    when the email is sent) go with the email only. With the WhatsApp gateway off, the worker records the WhatsApp row as skipped, with the reason.
    """
    message_send = _task("message_send")

    messages = []
    item = Outgoing(key=key, subject=subject, body=body, email=email, phone=phone, attachment=attachment)
    for row in _rows(item):
        if files and row.channel == Channel.EMAIL:
            row.attachment_files = [list(f) for f in files]
        message, created = Message.objects.get_or_create(
            key=key, channel=row.channel, defaults={f: getattr(row, f) for f in _ROW_FIELDS}
        )
        if created:
            messages.append(message)
            if message.status == MessageStatus.QUEUED:
                enqueue_on_commit(message_send, message.pk, **_send_queue(message.pk))
    return messages


@transaction.atomic
def messages_queue_many(items: Iterable[Outgoing]) -> int:
    """Queue many messages in a few queries (periodic jobs queue thousands); returns how many
    rows were created. Keys already in the outbox are skipped, so a second run, or a second beat
    process running at the same time, creates nothing new.

    Runs inside the caller's transaction (its own when there is none); the new queued rows are
    enqueued after the commit. With the WhatsApp gateway off, WhatsApp rows are recorded as
    skipped right away rather than by thousands of tasks that would each only say so.
    """
    message_send = _task("message_send")

    # bulk_create(ignore_conflicts=True) gives back no ids; every row of this call carries the
    # same created_at, which is how the rows it created (and not a previous run's) are found.
    now = timezone.now()
    whatsapp_off = not provider_name()
    seen: set[tuple[str, str]] = set()
    created = 0
    to_enqueue: list[int] = []
    items = iter(items)
    while batch := list(islice(items, BULK_BATCH_SIZE)):
        rows = []
        for item in batch:
            for row in _rows(item, created_at=now):
                if (row.key, row.channel) not in seen:
                    seen.add((row.key, row.channel))
                    rows.append(row)
                    if whatsapp_off and row.channel == Channel.WHATSAPP:
                        row.status, row.last_error = MessageStatus.SKIPPED, WHATSAPP_OFF
        if not rows:
            continue
        Message.objects.bulk_create(rows, ignore_conflicts=True)
        mine = Message.objects.filter(key__in={row.key for row in rows}, created_at=now).values_list("pk", "status")
        created += len(mine)
        to_enqueue += [pk for pk, status in mine if status == MessageStatus.QUEUED]
    if to_enqueue:
        enqueue_each_on_commit(*_batched(message_send, to_enqueue), options=_send_queue)
    return created


_ROW_FIELDS = (
    "recipient",
    "subject",
    "body",
    "status",
    "last_error",
    "attachment_name",
    "attachment_content",
    "attachment_mimetype",
    "attachment_files",
)


def _rows(item: Outgoing, **extra) -> list[Message]:
    """The unsaved outbox rows for one message: email (with the attachment), then WhatsApp."""
    rows = []
    if item.email:
        name, content, mimetype = item.attachment or ("", "", "")
        rows.append(
            Message(
                key=item.key,
                channel=Channel.EMAIL,
                recipient=item.email,
                subject=item.subject,
                body=item.body,
                attachment_name=name,
                attachment_content=content,
                attachment_mimetype=mimetype,
                **extra,
            )
        )
    if item.phone:
        rows.append(
            Message(key=item.key, channel=Channel.WHATSAPP, recipient=item.phone, subject=item.subject, body=item.body, **extra)
        )
    return rows


def _send_queue(number: int) -> dict:
    """The queue of the ``number``-th send: in turn over NOTIFICATION_SEND_QUEUES, so workers
    consuming different queues share the load; Celery's default queue when none is set."""
    queues = settings.NOTIFICATION_SEND_QUEUES
    return {"queue": queues[number % len(queues)]} if queues else {}


# Messages per task when many are enqueued at once: one broker round trip per message cost
# 70 s of a 78 s job queueing 10,000 reminders (bench/reminders_10k.py).
SEND_BATCH_SIZE = 50


def _batched(task, message_ids: list[int]) -> tuple:
    """The task and its arguments for the sends of many messages: ``SEND_BATCH_SIZE`` to a task
    (messages_send_batch), or one task each when ``task`` is given for a few (the admin's resend)."""
    if task is _task("message_send") and len(message_ids) > SEND_BATCH_SIZE:
        return _task("messages_send_batch"), [
            message_ids[i : i + SEND_BATCH_SIZE] for i in range(0, len(message_ids), SEND_BATCH_SIZE)
        ]
    return task, message_ids


def _enqueue_many(task, message_ids: list[int]) -> None:
    """Enqueue the sends of many messages now (the sweep), batched as ``_batched`` says, each
    on its queue in turn; at the first broker error the rest are left for the next sweep."""
    enqueue_each(*_batched(task, message_ids), options=_send_queue)


@transaction.atomic
def messages_resend(*, message_ids: Iterable[int]) -> int:
    """Put the failed messages among ``message_ids`` back in the queue and enqueue them after
    the commit; returns how many. Other messages are left alone (a sent one is never sent
    again). Attempts and the last error are kept, so staff still see the history."""
    message_send = _task("message_send")

    failed = Message.objects.select_for_update().filter(pk__in=list(message_ids), status=MessageStatus.FAILED)
    ids = list(failed.values_list("pk", flat=True))
    Message.objects.filter(pk__in=ids).update(status=MessageStatus.QUEUED)
    if ids:
        enqueue_each_on_commit(*_batched(message_send, ids), options=_send_queue)
    return len(ids)


def messages_sweep(*, older_than_seconds: int = 120) -> int:
    """Enqueue again every message still queued after ``older_than_seconds`` (a lost enqueue,
    a worker killed mid-task). Delivery is idempotent, so a message enqueued twice is sent once."""
    message_send = _task("message_send")

    now = timezone.now()
    # Never tried (the enqueue was lost), or tried and still queued long after the last retry
    # was due (its worker died): a message in its backoff window is left to its retry.
    due = Q(attempts=0, created_at__lt=now - timedelta(seconds=older_than_seconds)) | Q(created_at__lt=now - timedelta(hours=1))
    ids = list(Message.objects.filter(due, status=MessageStatus.QUEUED).values_list("pk", flat=True)[:5000])
    _enqueue_many(message_send, ids)
    return len(ids)
