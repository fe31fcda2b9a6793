"""One way out for every message: write it to the outbox, send it after the commit."""

import logging

from django.core.mail import send_mail
from django.db import transaction
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
            transaction.on_commit(lambda pk=message.pk: message_send.delay(pk))
    return queued


def message_deliver(*, message_id: int) -> Message:
    """Send a queued message once. Safe to call twice: a sent message is left alone.

    The row is locked while sending so two workers holding the same task id cannot both send.
    Raises TemporaryFailure for errors worth a retry (the task retries with backoff).
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != MessageStatus.QUEUED:
            return message
        message.attempts += 1
        try:
            _deliver(message)
        except OSError as error:  # SMTP and socket errors
            message.last_error = str(error)[:2000]
            message.save(update_fields=["attempts", "last_error"])
            raise TemporaryFailure(str(error)) from error
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return message


def message_mark_failed(*, message_id: int, error: str) -> None:
    Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED).update(status=MessageStatus.FAILED, last_error=error[:2000])


def _deliver(message: Message) -> None:
    if message.channel == Channel.EMAIL:
        send_mail(message.subject, message.body, None, [message.recipient], fail_silently=False)
        message.status, message.sent_at = MessageStatus.SENT, timezone.now()
    else:
        message.status = MessageStatus.SKIPPED
        message.last_error = "WhatsApp gateway belum dikonfigurasi"
