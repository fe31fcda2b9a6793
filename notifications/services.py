"""One way out for every message: write it to the outbox, send it after the commit."""

import http.client
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.core.mail import EmailMessage
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


Attachment = tuple[str, str, str]  # (filename, text content, mimetype), e.g. a session's .ics

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
) -> list[Message]:
    """Queue one message per available channel; a key already queued on a channel is skipped.

    Must run inside the caller's transaction: the send is enqueued on commit, so a rolled-back
    change never tells anyone anything. ``attachment`` goes with the email only. With the
    WhatsApp gateway off, the worker records the WhatsApp row as skipped, with the reason.
    """
    from .tasks import message_send

    messages = []
    item = Outgoing(key=key, subject=subject, body=body, email=email, phone=phone, attachment=attachment)
    for row in _rows(item):
        message, created = Message.objects.get_or_create(
            key=key, channel=row.channel, defaults={f: getattr(row, f) for f in _ROW_FIELDS}
        )
        if created:
            messages.append(message)
            if message.status == MessageStatus.QUEUED:
                transaction.on_commit(lambda pk=message.pk: _enqueue(message_send, pk))
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
    from .tasks import message_send

    # bulk_create(ignore_conflicts=True) gives back no ids; every row of this call carries the
    # same created_at, which is how the rows it created (and not a previous run's) are found.
    now = timezone.now()
    whatsapp_off = not settings.WHATSAPP_GATEWAY_URL
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
        transaction.on_commit(lambda: _enqueue_many(message_send, to_enqueue))
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


def _enqueue(task, message_id: int) -> None:
    # The row is committed; if the broker is unreachable the message waits for the sweep
    # (messages_sweep) instead of turning the user's already-saved action into an error page.
    try:
        task.apply_async((message_id,), **_send_queue(message_id))
    except Exception:  # noqa: BLE001 - any broker error; the sweep retries
        logger.warning("Broker unreachable; message %s left for the sweep", message_id, exc_info=True)


# Messages per task when many are enqueued at once: one broker round trip per message cost
# 70 s of a 78 s job queueing 10,000 reminders (bench/reminders_10k.py).
SEND_BATCH_SIZE = 50


def _enqueue_many(task, message_ids: list[int]) -> None:
    """Enqueue the sends of many messages, ``SEND_BATCH_SIZE`` to a task (messages_send_batch),
    or one task each when ``task`` is given for a few (the admin's resend)."""
    from .tasks import message_send, messages_send_batch

    if task is message_send and len(message_ids) > SEND_BATCH_SIZE:
        task = messages_send_batch
        message_ids = [message_ids[i : i + SEND_BATCH_SIZE] for i in range(0, len(message_ids), SEND_BATCH_SIZE)]
    for done, argument in enumerate(message_ids):
        try:
            task.apply_async((argument,), **_send_queue(done))
        except Exception:  # noqa: BLE001 - any broker error; the sweep retries
            # Stop at the first error: each further try would wait out the broker's retries too.
            logger.warning("Broker unreachable; %d sends left for the sweep", len(message_ids) - done, exc_info=True)
            return


@transaction.atomic
def messages_resend(*, message_ids: Iterable[int]) -> int:
    """Put the failed messages among ``message_ids`` back in the queue and enqueue them after
    the commit; returns how many. Other messages are left alone (a sent one is never sent
    again). Attempts and the last error are kept, so staff still see the history."""
    from .tasks import message_send

    failed = Message.objects.select_for_update().filter(pk__in=list(message_ids), status=MessageStatus.FAILED)
    ids = list(failed.values_list("pk", flat=True))
    Message.objects.filter(pk__in=ids).update(status=MessageStatus.QUEUED)
    if ids:
        transaction.on_commit(lambda: _enqueue_many(message_send, ids))
    return len(ids)


def messages_sweep(*, older_than_seconds: int = 120) -> int:
    """Enqueue again every message still queued after ``older_than_seconds`` (a lost enqueue,
    a worker killed mid-task). Delivery is idempotent, so a message enqueued twice is sent once."""
    from .tasks import message_send

    now = timezone.now()
    # Never tried (the enqueue was lost), or tried and still queued long after the last retry
    # was due (its worker died): a message in its backoff window is left to its retry.
    due = Q(attempts=0, created_at__lt=now - timedelta(seconds=older_than_seconds)) | Q(created_at__lt=now - timedelta(hours=1))
    ids = list(Message.objects.filter(due, status=MessageStatus.QUEUED).values_list("pk", flat=True)[:5000])
    _enqueue_many(message_send, ids)
    return len(ids)


def message_deliver(*, message_id: int) -> Message:
    """Send a queued message at most once. Safe to call twice, from two workers, or again after
    a worker died: only the call that claims the row sends it.

    The claim (status "sending", one more attempt) is committed before the message leaves, so a
    worker killed while sending leaves the row "sending", never "queued": nobody sends it again
    (messages_recover_interrupted later marks it failed for staff to check and resend by hand).
    Raises TemporaryFailure for errors worth a retry: the row goes back to "queued" and the task
    retries with backoff.
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
    except PermanentFailure as error:
        message.status, message.last_error = MessageStatus.FAILED, str(error)[:2000]
    except (OSError, TemporaryFailure) as error:  # SMTP, socket and gateway errors
        message.status, message.last_error = MessageStatus.QUEUED, str(error)[:2000]
        failure = error
    message.sending_since = None
    message.save(update_fields=["status", "sent_at", "last_error", "external_id", "sending_since"])
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
        email.send(fail_silently=False)
    elif not settings.WHATSAPP_GATEWAY_URL:
        message.status, message.last_error = MessageStatus.SKIPPED, WHATSAPP_OFF
        return
    else:
        message.external_id = _whatsapp_post(message, body)
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


def _whatsapp_post(message: Message, body: str) -> str:
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
    payload = {"to": message.recipient, "message": f"{message.subject}\n\n{body}"}
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
