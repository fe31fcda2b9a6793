"""WhatsApp through a real `celery worker` process and a local provider: a worker killed in the
middle of a batch, and a provider that does not answer in time, still give each owner each
message at most once, and every message the provider did not take is sent."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from notifications.models import Channel, Message, MessageStatus
from notifications.outbox import _enqueue_many, _task
from notifications.services import messages_recover_interrupted, messages_sweep
from payakumbuh_ikm.tests.waiting import wait_until, workers_drained

from .fake_whatsapp import FakeFonnte, FakeMeta, Reply, _target, serve, stop

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def provider_worker(settings):
    """``start(provider, url, timeout)`` runs `celery worker` as a separate process on its own
    queue, against this test's database, sending WhatsApp to the local provider at ``url``."""
    from payakumbuh_ikm.celery import app

    queue = f"test-wa-kill-{os.getpid()}"
    db = connection.settings_dict
    processes = []

    def start(provider: str, url: str, timeout: float = 5.0):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "payakumbuh_ikm.settings.test",
            "TEST_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "TEST_CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "TEST_WHATSAPP_PROVIDER": provider,
            "TEST_WHATSAPP_META_API_URL": url.split("/v21.0")[0],
            "TEST_WHATSAPP_FONNTE_URL": url,
            "TEST_WHATSAPP_TIMEOUT": str(timeout),
            # The retry delay is the worker's to read: a setting changed in this process would
            # not reach it, and the default minute would hold every retry past the test.
            "NOTIFICATION_RETRY_BASE_SECONDS": "0",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "payakumbuh_ikm", "worker", "-Q", queue, "-P", "solo",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        processes.append(process)
        return process

    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        yield start
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        app.connection_for_write().default_channel.queue_purge(queue)


def _queue(count: int, prefix: str) -> list[int]:
    now = timezone.now()
    Message.objects.bulk_create(
        Message(key=f"{prefix}:{n}", channel=Channel.WHATSAPP, recipient=f"+62812{n:07d}", subject="Pengingat",
                body="Besok pukul 09.00.", created_at=now)
        for n in range(count)
    )  # fmt: skip
    ids = list(Message.objects.filter(key__startswith=f"{prefix}:").values_list("pk", flat=True))
    _enqueue_many(_task("message_send"), ids)  # batches of SEND_BATCH_SIZE, as the periodic jobs
    return ids


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("provider", "fake", "path"), [("fonnte", FakeFonnte, "/send"), ("meta", FakeMeta, "/v21.0/1234567890/messages")]
)
def test_a_worker_killed_in_the_middle_of_a_batch_sends_nobody_a_message_twice(provider_worker, provider, fake, path):
    server, gateway = serve(fake, path)
    gateway.delay_all = 0.1  # each send takes a moment, so the kill lands mid-batch
    try:
        _queue(60, "training-reminder:24h:kill")
        first = provider_worker(provider, gateway.url)
        assert wait_until(lambda: len(gateway.received) >= 15, timeout=60), "the worker did not start sending"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.monotonic()
        assert len(gateway.received) < 60, "the kill came too late to test anything"

        # A new worker and the periodic recovery: the sweep re-enqueues what never left, and the
        # one message in the dead worker's hands is flagged for staff, not sent again.
        provider_worker(provider, gateway.url)
        messages_sweep(older_than_seconds=0)
        assert wait_until(lambda: not Message.objects.filter(status=MessageStatus.QUEUED).exists(), timeout=90)
        # The new worker has finished its last message: an email marker (its mail is kept in
        # memory, not sent to the provider) sent after everything else has been handled.
        assert workers_drained(channel="email")
        flagged = messages_recover_interrupted(older_than_seconds=int(time.monotonic() - killed_at))
    finally:
        stop(server)

    targets = [_target(request) for request in gateway.received]
    assert len(targets) == len(set(targets)), "someone got the same WhatsApp message twice"
    sent = Message.objects.filter(status=MessageStatus.SENT).count()
    assert flagged <= 1 and sent + flagged == 60
    assert sent <= len(targets) <= sent + flagged
    assert not Message.objects.filter(status=MessageStatus.SENT, external_id="").exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_provider_that_does_not_answer_in_time_sends_each_message_once(provider_worker):
    server, gateway = serve(FakeFonnte, "/send")
    gateway.slow, gateway.delay_slow = {"628120000003", "628120000007"}, 2.0  # two owners' sends hang
    try:
        _queue(10, "training-reminder:24h:lambat")
        provider_worker("fonnte", gateway.url, timeout=0.5)
        assert wait_until(
            lambda: not Message.objects.filter(status__in=[MessageStatus.QUEUED, MessageStatus.SENDING]).exists(), timeout=60
        )
        # A retry, if any, has run: it goes straight into the queue (the worker's retry delay is
        # 0), ahead of this marker.
        assert workers_drained(channel="email")
    finally:
        stop(server)
    targets = [_target(request) for request in gateway.received]
    assert sorted(targets) == sorted(set(targets)) and len(targets) == 10  # each owner reached by one request
    failed = Message.objects.filter(status=MessageStatus.FAILED)
    assert sorted(m.recipient for m in failed) == ["+628120000003", "+628120000007"]
    assert all(m.attempts == 1 and "mungkin sudah terkirim" in m.last_error for m in failed)
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 8


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_provider_asking_to_come_back_later_gets_the_message_on_the_workers_retry(provider_worker):
    server, gateway = serve(FakeFonnte, "/send")
    gateway.script(Reply(200, {"reason": "rate limit, try again later", "status": False}), None)  # then answers
    try:
        (message_id,) = _queue(1, "training-reminder:24h:nanti")
        provider_worker("fonnte", gateway.url)
        # The retry runs at once in the worker process (its NOTIFICATION_RETRY_BASE_SECONDS is 0),
        # well within the deadline; with the default minute's backoff it would not.
        assert wait_until(lambda: Message.objects.get(pk=message_id).status == MessageStatus.SENT, timeout=30)
    finally:
        stop(server)
    message = Message.objects.get(pk=message_id)
    assert message.attempts == 2 and [_target(r) for r in gateway.received] == ["628120000000"] * 2
