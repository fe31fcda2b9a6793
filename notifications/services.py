"""One way out for every message: write it to the outbox, send it after the commit."""

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Channel, Message, MessageStatus

logger = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """Worth retrying later (the mail server or gateway did not answer)."""


def message_queue(*, key: str, subject: str, body: str, email: str | None = None, phone: str | None = None) -> list[Message]:
    """Queue one message per available channel; a key already queued on a channel is skipped.

    Must run inside the caller's transaction: the send is enqueued on commit, so a rolled-back
    change never tells anyone anything.
    """
    from .tasks import message_send

    queued = []
    targets = [(Channel.EMAIL, email)]
    # WhatsApp goes through the gateway added with the trainings notifications; until then the
    # number is recorded so staff can see who was not reached by email.
    targets.append((Channel.WHATSAPP, phone))
    for channel, recipient in targets:
        if not recipient:
            continue
        message, created = Message.objects.get_or_create(
            key=key, channel=channel, defaults={"recipient": recipient, "subject": subject, "body": body}
        )
        if created:
            queued.append(message)
            transaction.on_commit(lambda pk=message.pk: _enqueue(message_send, pk))
    return queued


def _enqueue(task, message_id: int) -> None:
    # The row is committed; if the broker is unreachable the message waits for the sweep
    # (messages_sweep) instead of turning the user's already-saved action into an error page.
    try:
        task.delay(message_id)
    except Exception:  # noqa: BLE001 - any broker error; the sweep retries
        logger.warning("Broker unreachable; message %s left for the sweep", message_id, exc_info=True)


def messages_sweep(*, older_than_seconds: int = 120) -> int:
    """Enqueue again every message still queued after ``older_than_seconds`` (a lost enqueue,
    a worker killed mid-task). Delivery is idempotent, so a message enqueued twice is sent once."""
    from .tasks import message_send

    now = timezone.now()
    # Never tried (the enqueue was lost), or tried and still queued long after the last retry
    # was due (its worker died): a message in its backoff window is left to its retry.
    due = Q(attempts=0, created_at__lt=now - timedelta(seconds=older_than_seconds)) | Q(created_at__lt=now - timedelta(hours=1))
    ids = list(Message.objects.filter(due, status=MessageStatus.QUEUED).values_list("pk", flat=True)[:5000])
    for message_id in ids:
        _enqueue(message_send, message_id)
    return len(ids)


def message_deliver(*, message_id: int) -> Message:
    """Send a queued message once. Safe to call twice: a sent message is left alone.

    The row is locked while sending so two workers holding the same task id cannot both send.
    Raises TemporaryFailure for errors worth a retry (the task retries with backoff).
    """
    failure = None
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != MessageStatus.QUEUED:
            return message
        message.attempts += 1
        try:
            _deliver(message)
        except OSError as error:  # SMTP and socket errors
            message.last_error = str(error)[:2000]
            failure = error
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    # Raised after the commit, so the attempt and its error are recorded for staff.
    if failure is not None:
        raise TemporaryFailure(str(failure)) from failure
    return message


def message_mark_failed(*, message_id: int, error: str) -> None:
    Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.FAILED, last_error=error[:2000]
    )


def _deliver(message: Message) -> None:
    if message.channel == Channel.EMAIL:
        send_mail(message.subject, message.body, None, [message.recipient], fail_silently=False)
        message.status, message.sent_at = MessageStatus.SENT, timezone.now()
    else:
        message.status = MessageStatus.SKIPPED
        message.last_error = "WhatsApp gateway belum dikonfigurasi"
