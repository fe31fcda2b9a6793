"""Bench: 10,000 training reminders queued by the periodic job and sent by real Celery workers,
first by one worker, then by two workers on two queues.

Against PostgreSQL and Redis, with separate `celery worker` processes (solo pool: one task at a
time each, so two workers are twice the sending hands) writing each email through Django's
file backend:

- queue: `trainings.notices.reminders_queue()` finding 10,000 due registrations and writing
  their outbox rows (email with the .ics, WhatsApp recorded as skipped with the gateway off);
  floor: `bulk_create` of the same number of outbox rows with no job logic.
- one worker: from the start of the job until one worker on one queue has sent every email.
- two workers: the same with NOTIFICATION_SEND_QUEUES naming two queues, the send batches
  going to each in turn, one worker process consuming each (its own mail directory, so the
  split is seen); the speed-up is one worker's time over two workers' time.
  Floor of both: the queue floor plus the same 10,000 emails written by the same backend in one
  loop in this process (no broker, no database).
- queries of one send batch (50 reminders, and 25), run in this process: linear in the batch,
  the same per message whatever the size of the outbox.
- nobody reminded twice: the recipients of every written email, in each run, all different;
  and the job run again afterwards creates nothing.

Results go to bench/results.json under "reminders_10k". Own resources: BENCH_REMINDERS_DATABASE
(default payakumbuh_ikm_bench_reminders) and BENCH_REMINDERS_BROKER (redis://127.0.0.1:6379/0).

    .venv/bin/python bench/reminders_10k.py              # 10,000
    .venv/bin/python bench/reminders_10k.py --rows 1000 --no-save
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
# Overridable so two people benchmarking on one machine do not drop each other's database or queues.
DATABASE = os.environ.get("BENCH_REMINDERS_DATABASE", "payakumbuh_ikm_bench_reminders")
BROKER = os.environ.get("BENCH_REMINDERS_BROKER", "redis://127.0.0.1:6379/0")
QUEUE = "bench-reminders"
# The two send queues of the two-worker run (NOTIFICATION_SEND_QUEUES), one worker on each.
SEND_QUEUES = (f"{QUEUE}-a", f"{QUEUE}-b")
SESSIONS = 10


def database_url() -> str:
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
    return f"{base.rstrip('/')}/{DATABASE}"


def environment(mail_dir: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "payakumbuh_ikm.settings.test",
        "TEST_DATABASE_URL": database_url(),
        "TEST_CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "TEST_EMAIL_FILE_PATH": str(mail_dir),
    }


def django_setup(mail_dir: Path) -> None:
    os.environ.update(environment(mail_dir))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from payakumbuh_ikm.celery import app

    app.conf.task_always_eager = False
    app.conf.task_default_queue = QUEUE


def create_database() -> None:
    import psycopg2

    base = database_url().rsplit("/", 1)[0]
    connection = psycopg2.connect(f"{base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    connection.close()


def drop_database() -> None:
    import psycopg2
    from django.db import connections

    connections.close_all()
    base = database_url().rsplit("/", 1)[0]
    connection = psycopg2.connect(f"{base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
    connection.close()


def build_city(rows: int) -> None:
    """``rows`` owners with one verified business each, all registered (confirmed) for one of
    ten sessions that start in 20 hours: every registration is due for the day-before reminder."""
    from django.core.management import call_command
    from django.utils import timezone

    from businesses.models import Business, BusinessStatus, Kbli, Kelurahan, Owner
    from businesses.reference import reference_load
    from trainings.models import Registration, RegistrationStatus, SessionStatus, Topic, TrainingSession

    call_command("migrate", verbosity=0)
    reference_load()
    kelurahan = list(Kelurahan.objects.all())
    kbli = Kbli.objects.get(version=2020, code="10750")
    now = timezone.now()
    owners = Owner.objects.bulk_create(
        [
            Owner(name=f"Pemilik {n}", nik=f"1376{n:012d}", phone=f"+62812{n:08d}", email=f"pemilik{n}@contoh.id", consent_at=now)
            for n in range(rows)
        ],
        batch_size=2000,
    )
    businesses = Business.objects.bulk_create(
        [
            Business(
                owner=owner,
                name=f"Rendang {n}",
                products="Rendang",
                nib=f"{9120000000000 + n:013d}",
                kbli=kbli,
                kelurahan=kelurahan[n % len(kelurahan)],
                address="Jl. Soekarno Hatta",
                year_founded=2010,
                workers_male=1,
                workers_female=2,
                investment=50_000_000,
                turnover_2019=15_000_000,
                status=BusinessStatus.VERIFIED,
                verified_at=timezone.now(),
            )  # fmt: skip
            for n, owner in enumerate(owners)
        ],
        batch_size=2000,
    )
    topic = Topic.objects.first()
    sessions = [
        TrainingSession.objects.create(
            topic=topic,
            title=f"Jualan di marketplace, angkatan {i}",
            trainer="Uni Rina",
            venue="Aula Disnakerin",
            starts_at=now + timedelta(hours=20),
            ends_at=now + timedelta(hours=23),
            capacity=rows,
            status=SessionStatus.PUBLISHED,
        )  # fmt: skip
        for i in range(SESSIONS)
    ]
    Registration.objects.bulk_create(
        [
            Registration(
                session=sessions[n % SESSIONS], business=b, participant_name=b.owner.name, status=RegistrationStatus.CONFIRMED
            )
            for n, b in enumerate(businesses)
        ],
        batch_size=2000,
    )


def start_workers(queues_and_mail: list[tuple[str, Path]]) -> list[subprocess.Popen]:
    """One `celery worker` process (solo pool: one task at a time) per (queue, mail directory)."""
    from payakumbuh_ikm.celery import app

    workers = []
    for queue, mail_dir in queues_and_mail:
        command = [sys.executable, "-m", "celery", "-A", "payakumbuh_ikm", "worker", "-Q", queue, "-P", "solo",
                   "-n", f"{queue}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"]  # fmt: skip
        workers.append(subprocess.Popen(command, cwd=ROOT, env=environment(mail_dir), stdout=subprocess.DEVNULL))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        answered = app.control.inspect(timeout=1, destination=None).ping() or {}
        if sum(name.startswith(QUEUE) for name in answered) >= len(workers):  # ours, not others' on the broker
            return workers
        time.sleep(0.5)
    stop_workers(workers)
    raise SystemExit("the workers did not answer within 90 s")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def recipients(mail_dir: Path) -> list[str]:
    """Who each written email went to. The file backend names files by the second and an object
    id, so one file may hold several messages, each ending with a line of 79 dashes."""
    from email import message_from_bytes

    found = []
    for path in mail_dir.iterdir():
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                found.append(message_from_bytes(chunk.strip()).get("To"))
    return found


def queries_per_batch(size: int) -> int:
    """Queries of one send batch of ``size`` queued reminders, run in this process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Channel, Message, MessageStatus
    from notifications.tasks import messages_send_batch

    ids = list(Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.QUEUED).values_list("pk", flat=True)[:size])
    with CaptureQueriesContext(connection) as queries:
        messages_send_batch.run(ids)
    return len(queries.captured_queries)


def outbox_reset(mail_dirs: list[Path]) -> None:
    """Back to no reminder queued or sent, so the next run queues and sends all of them again."""
    from notifications.models import Message

    Message.objects.all().delete()
    for mail_dir in mail_dirs:
        for path in mail_dir.iterdir():
            path.unlink()


def run(rows: int, send_queues: list[str], mail_dirs: list[Path], timeout: float) -> dict:
    """Queue every reminder with NOTIFICATION_SEND_QUEUES = ``send_queues``, one worker process
    on each queue, until every email is written; who got what is read from the mail files."""
    from django.conf import settings

    settings.NOTIFICATION_SEND_QUEUES = send_queues
    workers = start_workers(list(zip(send_queues, mail_dirs, strict=True)))
    try:
        started = time.monotonic()
        queue_seconds, created, queries = measure_queue()
        seconds = wait_sent(rows, started, timeout)
        time.sleep(1)  # anything sent twice would be written now
    finally:
        stop_workers(workers)
    per_worker = [recipients(mail_dir) for mail_dir in mail_dirs]
    everyone = [to for sent in per_worker for to in sent]
    return {
        "seconds": seconds,
        "queue_seconds": queue_seconds,
        "created": created,
        "queries_to_queue": queries,
        "emails_written": len(everyone),
        "emails_per_worker": [len(sent) for sent in per_worker],
        "reminded_twice": len(everyone) - len(set(everyone)),
    }


def measure_queue() -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trainings import notices

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        created = notices.reminders_queue()  # commits; the sends are enqueued after the commit
        seconds = time.perf_counter() - started
    return seconds, created, len(queries.captured_queries)


def floor_queue(rows: int) -> float:
    """The same number of outbox rows (email and WhatsApp per person) with a bare bulk_create."""
    from django.db import transaction
    from django.utils import timezone

    from notifications.models import Message

    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        Message.objects.bulk_create(
            [
                Message(
                    key=f"floor:{n}",
                    channel=channel,
                    recipient=f"pemilik{n}@contoh.id",
                    subject="Pengingat",
                    body="x" * 600,
                    attachment_name="pelatihan.ics",
                    attachment_content="y" * 900,
                    created_at=now,
                )  # fmt: skip
                for n in range(rows)
                for channel in ("email", "whatsapp")
            ],
            batch_size=500,
        )
    seconds = time.perf_counter() - started
    Message.objects.filter(key__startswith="floor:").delete()
    return seconds


def wait_sent(rows: int, started: float, timeout: float) -> float:
    from notifications.models import Channel, Message, MessageStatus

    deadline = started + timeout
    while time.monotonic() < deadline:
        done = (
            Message.objects.filter(channel=Channel.EMAIL)
            .exclude(status__in=[MessageStatus.QUEUED, MessageStatus.SENDING])
            .count()
        )
        if done >= rows:
            return time.monotonic() - started
        time.sleep(0.25)
    raise SystemExit(f"only {done} of {rows} reminders were sent within {timeout:.0f} s")


def floor_send(rows: int, mail_dir: Path) -> float:
    """The same emails (subject, body, .ics) written by the same backend in one loop."""
    from django.core.mail import EmailMessage, get_connection

    from notifications.models import Channel, Message

    sample = Message.objects.filter(channel=Channel.EMAIL).first()
    floor_dir = mail_dir.parent / "floor"
    floor_dir.mkdir(exist_ok=True)
    backend = "django.core.mail.backends.filebased.EmailBackend"
    started = time.perf_counter()
    for n in range(rows):
        email = EmailMessage(sample.subject, sample.body, None, [f"pemilik{n}@contoh.id"],
                             connection=get_connection(backend, file_path=str(floor_dir)))  # fmt: skip
        email.attach(sample.attachment_name, sample.attachment_content, sample.attachment_mimetype)
        email.send()
    return time.perf_counter() - started


def figure(value: float, floor: float, unit: str) -> dict:
    return {"value": round(value, 2), "unit": unit, "floor": round(floor, 2), "ratio": round(value / floor, 1), "scale": "city"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    mail_dirs = [work / f"mail-{n}" for n in (1, 2)]
    for mail_dir in mail_dirs:
        mail_dir.mkdir()
    create_database()
    django_setup(mail_dirs[0])
    try:
        from django.conf import settings

        from notifications.services import SEND_BATCH_SIZE
        from payakumbuh_ikm.celery import app

        hold = f"{QUEUE}-hold"  # nobody consumes it: the sends of the query count are run here
        channel = app.connection_for_write().default_channel
        for queue in (QUEUE, *SEND_QUEUES, hold):
            channel.queue_purge(queue)
        build_city(args.rows)
        queue_floor = floor_queue(args.rows)

        settings.NOTIFICATION_SEND_QUEUES = [hold]
        measure_queue()
        batch_queries = {size: queries_per_batch(size) for size in (SEND_BATCH_SIZE // 2, SEND_BATCH_SIZE)}
        outbox_reset(mail_dirs)
        channel.queue_purge(hold)

        one = run(args.rows, [QUEUE], mail_dirs[:1], args.timeout)
        outbox_reset(mail_dirs)
        two = run(args.rows, list(SEND_QUEUES), mail_dirs, args.timeout)
        second_run = measure_queue()[1]
        send_floor = floor_send(args.rows, mail_dirs[0])
    finally:
        drop_database()
        shutil.rmtree(work, ignore_errors=True)

    result = {
        "rows": args.rows,
        "worker": "celery worker processes, solo pool (one task at a time each), Redis broker; Django file email backend",
        "floor": "queue: bulk_create of the same outbox rows; send: the same emails written by the same backend in one loop",
        "database": "PostgreSQL (local), database " + DATABASE,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        "outbox_rows_created": two["created"],
        "queries_to_queue": two["queries_to_queue"],
        f"queries_per_batch_of_{SEND_BATCH_SIZE}": batch_queries[SEND_BATCH_SIZE],
        f"queries_per_batch_of_{SEND_BATCH_SIZE // 2}": batch_queries[SEND_BATCH_SIZE // 2],
        "emails_written": {"one_worker": one["emails_written"], "two_workers": two["emails_written"]},
        "emails_per_worker_of_two": two["emails_per_worker"],
        "reminded_twice": {"one_worker": one["reminded_twice"], "two_workers": two["reminded_twice"]},
        "rows_created_by_a_second_run": second_run,
        "queue_seconds": figure(two["queue_seconds"], queue_floor, "s"),
        "total_seconds": figure(one["seconds"], queue_floor + send_floor, "s"),
        "total_seconds_two_workers": figure(two["seconds"], queue_floor + send_floor, "s"),
        # One worker's time over two workers' time on two queues: 2 would be perfect sharing.
        "two_workers_speedup": round(one["seconds"] / two["seconds"], 2),
        "reminders_per_second": {
            "value": round(args.rows / one["seconds"], 1),
            "unit": "1/s",
            "floor": round(args.rows / (queue_floor + send_floor), 1),
            "ratio": round(one["seconds"] / (queue_floor + send_floor), 1),
            "scale": "city",
        },
        "reminders_per_second_two_workers": {
            "value": round(args.rows / two["seconds"], 1),
            "unit": "1/s",
            "floor": round(args.rows / (queue_floor + send_floor), 1),
            "ratio": round(two["seconds"] / (queue_floor + send_floor), 1),
            "scale": "city",
        },
    }
    print(json.dumps(result, indent=2))
    problems = [
        f"{run['emails_written']} emails written for {args.rows} reminders ({name})"
        for name, run in (("one worker", one), ("two workers", two))
        if run["emails_written"] != args.rows
    ]
    problems += [
        f"{run['reminded_twice']} reminded twice ({name})" for name, run in (("one", one), ("two", two)) if run["reminded_twice"]
    ]
    if second_run:
        problems.append(f"a second run created {second_run} rows")
    if min(two["emails_per_worker"]) == 0:
        problems.append("one of the two workers sent nothing")
    if problems:
        raise SystemExit("; ".join(problems))
    if not args.no_save:
        existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        existing["reminders_10k"] = result
        temporary = RESULTS.with_suffix(".reminders.tmp")
        temporary.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
        temporary.replace(RESULTS)


if __name__ == "__main__":
    main()
