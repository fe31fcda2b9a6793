"""Delivery: claim a queued outbox row and hand it to the mail server or the WhatsApp provider,
at most once."""

import copy
import logging
from collections.abc import Callable
from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .models import Channel, Message, MessageStatus
from .outbox import WHATSAPP_OFF
from .providers import PermanentFailure, TemporaryFailure, UncertainFailure, provider_name, whatsapp_provider

logger = logging.getLogger(__name__)

__all__ = [
    "INTERRUPTED",
    "PermanentFailure",
    "TemporaryFailure",
    "UncertainFailure",
    "message_body_filler_register",
    "message_deliver",
    "message_mark_failed",
    "messages_recover_interrupted",
]


# Messages that carry a credential (a password-reset link) are stored without it: the outbox is
# read by staff in the admin and kept in every backup. The app that queues such a message
# registers, for its key prefix, a function that returns the body to send, credential filled
# in, as the message leaves; it may raise PermanentFailure (the account is gone meanwhile).
BodyFiller = Callable[[Message], str]
_body_fillers: dict[str, BodyFiller] = {}


def message_body_filler_register(*, key_prefix: str, fill: BodyFiller) -> None:
    """Send messages whose key starts with ``key_prefix`` with the body ``fill(message)`` returns
    (registered in an AppConfig.ready, so web and worker processes both have it)."""
    _body_fillers[key_prefix] = fill


def _body_to_send(message: Message) -> str:
    for prefix, fill in _body_fillers.items():
        if message.key.startswith(prefix):
            return fill(message)
    return message.body


def message_deliver(*, message_id: int) -> Message:
    """Send a queued message at most once. Safe to call twice, from two workers, or again after
    a worker died: only the call that claims the row sends it.

    The claim (status "sending", one more attempt) is committed before the message leaves, so a
    worker killed while sending leaves the row "sending", never "queued": nobody sends it again
    (messages_recover_interrupted later marks it failed for staff to check and resend by hand).
    Raises TemporaryFailure for errors worth a retry: the row goes back to "queued" and the task
    retries with backoff. A provider that took the request but gave no answer (UncertainFailure)
    is not retried either: the row is failed with the reason, and the provider's status
    callback, if it comes, still records the delivery.
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != MessageStatus.QUEUED:
            return message
        message.attempts += 1
        message.status, message.sending_since = MessageStatus.SENDING, timezone.now()
        message.save(update_fields=["attempts", "status", "sending_since"])
    failure = None
    try:
        _deliver(message)
    except PermanentFailure as error:  # UncertainFailure included
        message.status, message.last_error = MessageStatus.FAILED, str(error)[:2000]
    except (OSError, TemporaryFailure) as error:  # SMTP, socket and gateway errors
        message.status, message.last_error = MessageStatus.QUEUED, str(error)[:2000]
        failure = error
    message.sending_since = None
    fields = ["status", "sent_at", "last_error", "external_id", "sending_since", "provider"]
    if message.status == MessageStatus.SENT and message.channel == Channel.WHATSAPP:
        # A status callback may have come before this save (a fast provider): keep what it said.
        with transaction.atomic():
            current = Message.objects.select_for_update().only("delivery", "external_id").get(pk=message.pk)
            if not current.delivery:
                message.delivery, message.delivery_at = "sent", message.sent_at
                fields += ["delivery", "delivery_at"]
            message.save(update_fields=fields)
    else:
        message.save(update_fields=fields)
    # Raised after the save, so the attempt and its error are recorded for staff.
    if isinstance(failure, TemporaryFailure):
        raise failure
    if failure is not None:
        raise TemporaryFailure(str(failure)) from failure
    return message


INTERRUPTED = "Pengiriman terputus: pekerja berhenti saat mengirim. Periksa dengan penerima sebelum mengirim ulang."


def messages_recover_interrupted(*, older_than_seconds: int = 900) -> int:
    """Mark failed the messages left "sending" by a worker that died while sending them.

    They may or may not have reached the person, so they are not sent again automatically
    (that could send twice); staff see them among the failures and may resend. Returns how many.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return Message.objects.filter(status=MessageStatus.SENDING, sending_since__lte=cutoff).update(
        status=MessageStatus.FAILED, last_error=INTERRUPTED, sending_since=None
    )


def message_mark_failed(*, message_id: int, error: str) -> None:
    Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.FAILED, last_error=error[:2000]
    )


def _deliver(message: Message) -> None:
    body = _body_to_send(message)
    if message.channel == Channel.EMAIL:
        email = EmailMessage(message.subject, body, None, [message.recipient])
        if message.attachment_name:
            email.attach(message.attachment_name, message.attachment_content, message.attachment_mimetype or "text/plain")
        for filename, stored, mimetype in message.attachment_files or []:
            if default_storage.exists(stored):
                with default_storage.open(stored, "rb") as handle:
                    email.attach(filename, handle.read(), mimetype)
        email.send(fail_silently=False)
    else:
        provider = whatsapp_provider()
        if provider is None:
            message.status, message.last_error = MessageStatus.SKIPPED, WHATSAPP_OFF
            return
        message.provider = provider_name()
        # The provider reads a copy with the body to send: the stored row keeps its own body.
        outgoing = copy.copy(message)
        outgoing.body = body
        message.external_id = provider.send(outgoing)
    message.status, message.sent_at = MessageStatus.SENT, timezone.now()
