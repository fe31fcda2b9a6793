"""Bench: WhatsApp messages per second through one real Celery worker with each provider's
adapter, against local servers that answer as Meta's Cloud API, Fonnte and the generic gateway
document (the fakes of notifications/tests/fake_whatsapp.py), and the delivery-status round trip.

- send, per adapter (meta, fonnte, webhook, console): ``--rows`` queued WhatsApp rows, enqueued
  50 to a task as the periodic jobs do, sent by one `celery worker` process (solo pool, Redis
  broker) until every row is "sent". Floor: the same number of requests of the same shape made
  by httpx in one loop in this process (no outbox, no broker, no worker); console's floor is
  the Meta floor (it makes no request). Checks: the provider got each message exactly once,
  every row sent with the provider's id.
- status round trip: for the Meta rows just sent, a signed "delivered" then "read" callback per
  message through the portal's webhook view (Django's test client in this process: signature
  check, lookup by the provider's id, the monotonic update), then every one replayed; callbacks
  per second, p50/p95 per callback, and the checks (every row read, replays changed nothing).

Results go to bench/results.json under "whatsapp". Own resources: BENCH_WHATSAPP_DATABASE
(default payakumbuh_ikm_bench_whatsapp; created and dropped) and BENCH_WHATSAPP_BROKER
(redis://127.0.0.1:6379/0) on the queue bench-whatsapp.

    .venv/bin/python bench/whatsapp.py                    # 2,000 messages per adapter
    .venv/bin/python bench/whatsapp.py --rows 200 --no-save
"""

import argparse
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
DATABASE = os.environ.get("BENCH_WHATSAPP_DATABASE", "payakumbuh_ikm_bench_whatsapp")
BROKER = os.environ.get("BENCH_WHATSAPP_BROKER", "redis://127.0.0.1:6379/0")
QUEUE = "bench-whatsapp"
ADAPTERS = ("meta", "fonnte", "webhook", "console")


def database_url() -> str:
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
    return f"{base.rstrip('/')}/{DATABASE}"


def environment(extra: dict | None = None) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.whatsapp_settings",
        "TEST_DATABASE_URL": database_url(),
        "TEST_CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **(extra or {}),
    }


def django_setup() -> None:
    os.environ.update(environment())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from payakumbuh_ikm.celery import app

    app.conf.task_always_eager = False
    app.conf.task_default_queue = QUEUE


def database(action: str) -> None:
    import psycopg2

    if action == "drop":
        from django.db import connections

        connections.close_all()
    base = database_url().rsplit("/", 1)[0]
    connection = psycopg2.connect(f"{base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        if action == "create":
            cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    connection.close()


def start_worker(provider: str, servers: dict) -> subprocess.Popen:
    from payakumbuh_ikm.celery import app

    extra = {
        "BENCH_WHATSAPP_PROVIDER": provider,
        "BENCH_WHATSAPP_META_API_URL": servers["meta"][1].url.split("/v21.0")[0],
        "BENCH_WHATSAPP_FONNTE_URL": servers["fonnte"][1].url,
        "BENCH_WHATSAPP_GATEWAY_URL": servers["webhook"][1].url,
    }
    command = [sys.executable, "-m", "celery", "-A", "payakumbuh_ikm", "worker", "-Q", QUEUE, "-P", "solo",
               "-n", f"{QUEUE}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"]  # fmt: skip
    worker = subprocess.Popen(command, cwd=ROOT, env=environment(extra), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        answered = app.control.inspect(timeout=1).ping() or {}
        if any(name.startswith(QUEUE) for name in answered):
            return worker
        time.sleep(0.5)
    worker.kill()
    raise SystemExit("the worker did not answer within 90 s")


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()


def queue_rows(rows: int, adapter: str) -> list[int]:
    from django.utils import timezone

    from notifications.models import Channel, Message

    now = timezone.now()
    Message.objects.bulk_create(
        Message(key=f"training-reminder:24h:{adapter}:{n}:v1", channel=Channel.WHATSAPP, recipient=f"+62812{n:07d}",
                subject="Pengingat pelatihan", body="Besok pukul 09.00 WIB.\nDi Balai Latihan Kerja.", created_at=now)
        for n in range(rows)
    )  # fmt: skip
    return list(Message.objects.filter(key__contains=f":{adapter}:").values_list("pk", flat=True))


def send(rows: int, adapter: str, servers: dict, timeout: float) -> dict:
    from notifications.models import Message, MessageStatus
    from notifications.outbox import _enqueue_many, _task

    ids = queue_rows(rows, adapter)
    worker = start_worker(adapter, servers)
    try:
        started = time.monotonic()
        _enqueue_many(_task("message_send"), ids)  # 50 to a task, as the periodic jobs
        mine = Message.objects.filter(pk__in=ids)
        while mine.filter(status=MessageStatus.SENT).count() < rows:
            if time.monotonic() - started > timeout:
                raise SystemExit(f"{adapter}: not every message sent within {timeout:.0f} s")
            time.sleep(0.05)
        seconds = time.monotonic() - started
        time.sleep(0.5)  # anything sent twice would arrive now
    finally:
        stop_worker(worker)
    received = servers[adapter][1].received if adapter in servers else []
    targets = [r.get("json", {}).get("to") or r.get("form", {}).get("target") for r in received]
    return {
        "seconds": seconds,
        "requests": len(received),
        "sent_twice": len(targets) - len(set(targets)),
        "without_provider_id": mine.filter(external_id="").count(),
        "failed": mine.exclude(status=MessageStatus.SENT).count(),
    }


def floor(rows: int, adapter: str, servers: dict) -> float:
    """The same requests, made by httpx in one loop: what the provider's HTTP costs alone."""
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a log line per request is not the provider's cost
    server = servers[adapter][1]
    started = time.perf_counter()
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        for n in range(rows):
            if adapter == "fonnte":
                client.post(server.url, data={"target": f"62812{n:07d}", "message": "x", "countryCode": "62"},
                            headers={"Authorization": "fonnte-uji"})  # fmt: skip
            elif adapter == "meta":
                client.post(server.url, headers={"Authorization": "Bearer EAAG-uji"},
                            json={"messaging_product": "whatsapp", "to": f"62812{n:07d}", "type": "template",
                                  "template": {"name": "ikm_pengingat_pelatihan", "language": {"code": "id"}}})  # fmt: skip
            else:
                client.post(server.url, json={"to": f"+62812{n:07d}", "message": "x"})
    with server.lock:
        server.received.clear()
    return time.perf_counter() - started


def status_round_trip(adapter: str = "meta") -> dict:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from notifications.models import Delivery, Message

    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    url = reverse("notifications:whatsapp-meta")
    secret = settings.WHATSAPP_META_APP_SECRET.encode()
    rows = list(Message.objects.filter(provider=adapter).values_list("external_id", flat=True))

    def post(wamid, status):
        value = {"messaging_product": "whatsapp", "statuses": [{"id": wamid, "status": status, "timestamp": "1765000000"}]}
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}).encode()
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        began = time.perf_counter()
        answer = client.post(url, body, content_type="application/json", headers={"X-Hub-Signature-256": signature})
        return time.perf_counter() - began, answer.json()["changed"]

    timings, changed = [], 0
    started = time.perf_counter()
    for status in ("delivered", "read"):
        for wamid in rows:
            seconds, count = post(wamid, status)
            timings.append(seconds)
            changed += count
    seconds = time.perf_counter() - started
    replayed = sum(post(wamid, "delivered")[1] for wamid in rows)
    timings.sort()
    return {
        "callbacks": len(timings),
        "seconds": seconds,
        "p50_ms": round(1000 * statistics.median(timings), 2),
        "p95_ms": round(1000 * timings[int(0.95 * (len(timings) - 1))], 2),
        "changed": changed,
        "replays_that_changed_something": replayed,
        "read": Message.objects.filter(provider=adapter, delivery=Delivery.READ).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    database("create")
    django_setup()
    from django.core.management import call_command
    from django.db import connections

    from notifications.tests.fake_whatsapp import FakeFonnte, FakeGateway, FakeMeta, serve, stop

    call_command("migrate", verbosity=0)
    connections.close_all()
    servers = {
        "meta": serve(FakeMeta, "/v21.0/1234567890/messages"),
        "fonnte": serve(FakeFonnte, "/send"),
        "webhook": serve(FakeGateway, "/kirim"),
    }
    try:
        floors = {adapter: floor(args.rows, adapter, servers) for adapter in servers}
        floors["console"] = floors["meta"]
        runs = {adapter: send(args.rows, adapter, servers, args.timeout) for adapter in ADAPTERS}
        trip = status_round_trip()
    finally:
        for server, _gateway in servers.values():
            stop(server)
        database("drop")

    result = {
        "rows": args.rows,
        "worker": "one celery worker process, solo pool, Redis broker; sends enqueued 50 to a task",
        "provider": "local HTTP servers answering as each provider documents (notifications/tests/fake_whatsapp.py), no added latency",
        "floor": "the same requests by httpx in one loop in this process (console: the Meta floor)",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
    }
    problems = []
    for adapter, run in runs.items():
        result[f"{adapter}_messages_per_second"] = {
            "value": round(args.rows / run["seconds"], 1),
            "unit": "1/s",
            "floor": round(args.rows / floors[adapter], 1),
            "ratio": round(run["seconds"] / floors[adapter], 1),
            "scale": "city",
        }
        result[f"{adapter}_checks"] = {k: v for k, v in run.items() if k != "seconds"}
        expected_requests = 0 if adapter == "console" else args.rows
        if run["requests"] != expected_requests or run["sent_twice"] or run["failed"] or run["without_provider_id"]:
            problems.append(f"{adapter}: {run}")
    result["status_callbacks_per_second"] = {
        "value": round(trip["callbacks"] / trip["seconds"], 1),
        "unit": "1/s",
        "p50_ms": trip["p50_ms"],
        "p95_ms": trip["p95_ms"],
        "scale": "city",
    }
    result["status_checks"] = {k: trip[k] for k in ("callbacks", "changed", "replays_that_changed_something", "read")}
    if trip["read"] != args.rows or trip["replays_that_changed_something"] or trip["changed"] != 2 * args.rows:
        problems.append(f"status: {trip}")
    print(json.dumps(result, indent=2))
    if problems:
        raise SystemExit("; ".join(problems))
    if not args.no_save:
        existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        existing["whatsapp"] = result
        temporary = RESULTS.with_suffix(".whatsapp.tmp")
        temporary.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
        temporary.replace(RESULTS)


if __name__ == "__main__":
    main()
