"""Waiting on workers without sleeping blind, for every app's worker tests.

``wait_until`` polls a condition against a deadline: a test waits exactly as long as the worker
needs, and fails with a reason at the deadline instead of passing on a guess.

``workers_drained`` makes "nothing more happens" observable for workers running as separate
processes (where the in-process ``worker_idle`` fixture of conftest.py cannot see the tasks):
it queues a marker message and sends it on each queue, and waits until every marker has been
handled. A solo worker takes its queue in order, so by then every task sent to that queue
before the marker has run. A retry sent with a countdown waits outside the queue: the worker
fixtures give their processes ``NOTIFICATION_RETRY_BASE_SECONDS=0``, so retries go straight
into the queue, ahead of the marker.
"""

import time
import uuid

MARKER_KEY = "test-marker:"


def wait_until(predicate, timeout: float = 10.0, step: float = 0.05):
    """Poll ``predicate`` until it answers something truthy, and return that answer; None once
    ``timeout`` seconds have passed (the predicate is asked one last time at the deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = predicate()
        if answer or time.monotonic() >= deadline:
            return answer or None
        time.sleep(step)


def marker_send(queue: str | None = None, *, channel: str = "whatsapp") -> int:
    """Queue a marker message and send it on ``queue`` (Celery's default queue if None); returns
    its id. A WhatsApp marker is skipped by a worker without a WhatsApp provider, so it leaves no
    trace; where the worker has a provider, pass ``channel="email"``."""
    from notifications.models import Message
    from notifications.tasks import message_send

    recipient = "penanda@contoh.id" if channel == "email" else "+6281200000000"
    message = Message.objects.create(
        key=f"{MARKER_KEY}{uuid.uuid4().hex}", channel=channel, recipient=recipient, subject="Penanda", body="-"
    )
    message_send.apply_async((message.pk,), **({"queue": queue} if queue else {}))
    return message.pk


def markers_handled(ids: list[int]) -> bool:
    from notifications.models import Message, MessageStatus

    return not Message.objects.filter(pk__in=ids, status__in=[MessageStatus.QUEUED, MessageStatus.SENDING]).exists()


def markers_forget(ids: list[int]) -> None:
    """Delete the markers, so the test's own counts of messages never include them."""
    from notifications.models import Message

    Message.objects.filter(pk__in=ids).delete()


def workers_drained(queues=(None,), *, channel: str = "whatsapp", timeout: float = 60.0) -> bool:
    """Whether a worker on each of ``queues`` has handled, within ``timeout`` seconds, a marker
    sent now: then every task sent to those queues before this call has run."""
    ids = [marker_send(queue, channel=channel) for queue in queues]
    try:
        return bool(wait_until(lambda: markers_handled(ids), timeout=timeout, step=0.1))
    finally:
        markers_forget(ids)
