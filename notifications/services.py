"""One way out for every message: write it to the outbox, send it after the commit."""

import http.client
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Channel, Message, MessageStatus

logger = logging.getLogger(__name__)


WHATSAPP_OFF = "Gateway WhatsApp belum dikonfigurasi (WHATSAPP_GATEWAY_URL kosong)"


class TemporaryFailure(Exception):
    """Worth retrying later (the mail server or gateway did not answer)."""


class PermanentFailure(Exception):
    """Retrying would not help (the gateway refused the message): recorded as failed at once."""


def message_queue(*, key: str, subject: str, body: str, email: str | None = None, phone: str | None = None) -> list[Message]:
    """Queue one message per available channel; a key already queued on a channel is skipped.

    Must run inside the caller's transaction: the send is enqueued on commit, so a rolled-back
    change never tells anyone anything. With the WhatsApp gateway off, the WhatsApp row is
    recorded as skipped at once (staff see who was reached only by email) and never enqueued.
    """
    from .tasks import message_send

    messages = []
    for channel, recipient in [(Channel.EMAIL, email), (Channel.WHATSAPP, phone)]:
        if not recipient:
            continue
        message, created = Message.objects.get_or_create(
            key=key,
            channel=channel,
            defaults={"recipient": recipient, "subject": subject, "body": body, **_initial_status(channel)},
        )
        if created:
            messages.append(message)
            if message.status == MessageStatus.QUEUED:
                transaction.on_commit(lambda pk=message.pk: _enqueue(message_send, pk))
    return messages


def _initial_status(channel: str) -> dict:
    if channel == Channel.WHATSAPP and not settings.WHATSAPP_GATEWAY_URL:
        return {"status": MessageStatus.SKIPPED, "last_error": WHATSAPP_OFF}
    return {"status": MessageStatus.QUEUED}


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
        except PermanentFailure as error:
            message.status, message.last_error = MessageStatus.FAILED, str(error)[:2000]
        except (OSError, TemporaryFailure) as error:  # SMTP, socket and gateway errors
            message.last_error = str(error)[:2000]
            failure = error
        message.save(update_fields=["attempts", "status", "sent_at", "last_error", "external_id"])
    # Raised after the commit, so the attempt and its error are recorded for staff.
    if isinstance(failure, TemporaryFailure):
        raise failure
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
    elif not settings.WHATSAPP_GATEWAY_URL:
        message.status, message.last_error = MessageStatus.SKIPPED, WHATSAPP_OFF
        return
    else:
        message.external_id = _whatsapp_post(message)
    message.status, message.sent_at = MessageStatus.SENT, timezone.now()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirected POST would arrive as a GET without the message: a wrong URL is an error.
    def redirect_request(self, *args, **kwargs):
        return None


# Only HTTP(S), proxies from the environment (https_proxy), no redirects, errors as HTTPError.
_gateway = urllib.request.OpenerDirector()
for _handler in (
    urllib.request.ProxyHandler(),
    urllib.request.HTTPHandler(),
    urllib.request.HTTPSHandler(),
    _NoRedirects(),
    urllib.request.HTTPDefaultErrorHandler(),
    urllib.request.HTTPErrorProcessor(),
):
    _gateway.add_handler(_handler)


def _whatsapp_post(message: Message) -> str:
    """POST the message to the gateway and return the gateway's id for it ("" if it sent none).

    Raises TemporaryFailure (5xx, 408, 429, a broken answer) or OSError (timeout, refused
    connection) for what is worth a retry, PermanentFailure for any other refusal.
    """
    url = settings.WHATSAPP_GATEWAY_URL
    if not url.lower().startswith(("http://", "https://")):
        raise PermanentFailure("WHATSAPP_GATEWAY_URL harus diawali http:// atau https://")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if settings.WHATSAPP_GATEWAY_TOKEN:
        headers["Authorization"] = f"Bearer {settings.WHATSAPP_GATEWAY_TOKEN}"
    payload = {"to": message.recipient, "message": f"{message.subject}\n\n{message.body}"}
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
    try:
        with _gateway.open(request, timeout=settings.WHATSAPP_GATEWAY_TIMEOUT) as response:
            reply = response.read(65536)
    except urllib.error.HTTPError as error:
        text = f"Gateway WhatsApp menjawab HTTP {error.code}: {_error_text(error)}"
        # 408 and 429 are the gateway asking to come back later, not a verdict on the message.
        if error.code >= 500 or error.code in (408, 429):
            raise TemporaryFailure(text) from error
        raise PermanentFailure(text) from error
    except http.client.HTTPException as error:  # a broken answer, not an OSError
        raise TemporaryFailure(f"Gateway WhatsApp: jawaban rusak ({error!r})") from error
    try:
        data = json.loads(reply)
    except ValueError:
        return ""
    return str(data.get("id") or "")[:100] if isinstance(data, dict) else ""


def _error_text(error: urllib.error.HTTPError) -> str:
    try:
        body = error.read(2000).decode("utf-8", "replace").strip()
    except OSError:
        body = ""
    finally:
        error.close()
    return body or error.reason or ""
