"""Bench: 10,000 training reminders queued by the periodic job and sent by a real Celery worker.

Against PostgreSQL and Redis, with a separate `celery worker` process (prefork, 2 processes, the
machine's two cores) writing each email through Django's file backend:

- queue: `trainings.notices.reminders_queue()` finding 10,000 due registrations and writing
  their outbox rows (email with the .ics, WhatsApp recorded as skipped with the gateway off);
  floor: `bulk_create` of the same number of outbox rows with no job logic.
- total: from the start of the job until the worker has sent every email; floor: the queue floor
  plus the same 10,000 emails written by the same backend in one loop in this process (no
  broker, no database).

Results go to bench/results.json under "reminders_10k".

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
DATABASE = "payakumbuh_ikm_bench_reminders"
BROKER = "redis://127.0.0.1:6379/0"
QUEUE = "bench-reminders"
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


def start_worker(mail_dir: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "payakumbuh_ikm", "worker", "-Q", QUEUE, "-P", "prefork", "-c", "2",
               "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"]  # fmt: skip
    worker = subprocess.Popen(command, cwd=ROOT, env=environment(mail_dir))
    from payakumbuh_ikm.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.inspect(timeout=1, destination=None).ping():
            return worker
        time.sleep(0.5)
    worker.kill()
    raise SystemExit("the worker did not answer within 60 s")


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
    mail_dir = work / "mail"
    mail_dir.mkdir()
    create_database()
    django_setup(mail_dir)
    worker = None
    try:
        from payakumbuh_ikm.celery import app

        app.connection_for_write().default_channel.queue_purge(QUEUE)
        build_city(args.rows)
        worker = start_worker(mail_dir)
        queue_floor = floor_queue(args.rows)
        started = time.monotonic()
        queue_seconds, created, queries = measure_queue()
        send_seconds = wait_sent(args.rows, started, args.timeout)
        # The file backend names files by the second and an object id, so two worker processes
        # may append to one file: count the messages (each ends with a line of 79 dashes).
        sent_files = sum(path.read_bytes().count(b"-" * 79) for path in mail_dir.iterdir())
        send_floor = floor_send(args.rows, mail_dir)
        second_run = measure_queue()[1]
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
        drop_database()
        shutil.rmtree(work, ignore_errors=True)

    result = {
        "rows": args.rows,
        "worker": "celery prefork, 2 processes, Redis broker; Django file email backend",
        "floor": "queue: bulk_create of the same outbox rows; send: the same emails written by the same backend in one loop",
        "database": "PostgreSQL (local), database " + DATABASE,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "outbox_rows_created": created,
        "queries_to_queue": queries,
        "emails_written": sent_files,
        "rows_created_by_a_second_run": second_run,
        "queue_seconds": figure(queue_seconds, queue_floor, "s"),
        "total_seconds": figure(send_seconds, queue_floor + send_floor, "s"),
        "reminders_per_second": {
            "value": round(args.rows / send_seconds, 1),
            "unit": "1/s",
            "floor": round(args.rows / (queue_floor + send_floor), 1),
            "ratio": round(send_seconds / (queue_floor + send_floor), 1),
            "scale": "city",
        },
    }
    print(json.dumps(result, indent=2))
    if sent_files != args.rows or second_run:
        raise SystemExit(f"{sent_files} emails written for {args.rows} reminders; a second run created {second_run} rows")
    if not args.no_save:
        existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        existing["reminders_10k"] = result
        temporary = RESULTS.with_suffix(".tmp")
        temporary.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
        temporary.replace(RESULTS)


if __name__ == "__main__":
    main()
