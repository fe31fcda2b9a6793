"""scripts/backup and scripts/restore: a database full of every kind of record, backed up,
restored into a new empty database, holds every row (counts per table, checksums of the main
tables, the certificate numbering sequence) and every file."""

import os
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from businesses.tests.factories import CertificationFactory
from recovery.tests.factories import MonthlyReportFactory
from trainings import certificates
from trainings.models import Attendance, Feedback, SessionStatus
from trainings.tests.factories import RegistrationFactory, TrainingSessionFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.requires_tools("pg_dump", "pg_restore"),
]

# Tables every backup must carry rows of: one per main model of each app.
MAIN_TABLES = [
    "accounts_user",
    "businesses_kecamatan",
    "businesses_kelurahan",
    "businesses_kbli",
    "businesses_owner",
    "businesses_business",
    "businesses_certification",
    "trainings_topic",
    "trainings_trainingsession",
    "trainings_registration",
    "trainings_attendance",
    "trainings_certificate",
    "trainings_feedback",
    "recovery_monthlyreport",
    "notifications_message",
]
# Whole-content checksums: the rows, not only their number, came back.
CHECKSUMMED = [
    "businesses_business",
    "businesses_owner",
    "trainings_registration",
    "trainings_certificate",
    "recovery_monthlyreport",
]


def _url(settings_dict, name=None) -> str:
    user, host, port = settings_dict["USER"] or "postgres", settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{name or settings_dict['NAME']}"


def _inventory(url: str) -> dict:
    conn = psycopg2.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return _read_inventory(conn.cursor())
    finally:
        conn.close()


def _read_inventory(cursor) -> dict:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # names from pg_tables
        counts[table] = cursor.fetchone()[0]
    sums = {}
    for table in CHECKSUMMED:
        cursor.execute(f"SELECT md5(string_agg(t::text, E'\\n' ORDER BY t.id)) FROM \"{table}\" t")
        sums[table] = cursor.fetchone()[0]
    cursor.execute("SELECT last_value FROM trainings_certificate_id_seq")
    sequence = cursor.fetchone()[0]
    return {"counts": counts, "sums": sums, "certificate_sequence": sequence}


def _admin(url: str, statement: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True  # CREATE and DROP DATABASE refuse to run inside a transaction
    try:
        conn.cursor().execute(statement)
    finally:
        conn.close()


def _run(script: str, *args, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_", "BACKUP_"))}
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args], env={**clean, **env}, capture_output=True, text=True, timeout=300
    )


def _fill():
    """At least one row of every main model, made the way the portal makes them."""
    now = timezone.now()
    CertificationFactory.create_batch(3)
    for _ in range(3):
        MonthlyReportFactory()
    TrainingSessionFactory.create_batch(2)
    finished = TrainingSessionFactory(
        starts_at=now - timedelta(days=1, hours=3), ends_at=now - timedelta(days=1), status=SessionStatus.FINISHED
    )
    attendees = RegistrationFactory.create_batch(3, session=finished)
    RegistrationFactory.create_batch(2)
    for registration in attendees:
        Attendance.objects.create(registration=registration)
        Feedback.objects.create(registration=registration, rating=5, comment="Sangat bermanfaat")
    # Certificates with their PDFs and their notices in the outbox.
    assert certificates.certificates_issue_for_session(session_id=finished.pk) == 3


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_holds_every_row_and_file(reference, settings, tmp_path):
    _fill()
    source = _url(connection.settings_dict)
    media = Path(settings.MEDIA_ROOT)
    backups = tmp_path / "backups"

    made = _run("backup", env={"DATABASE_URL": source, "BACKUP_DIR": str(backups), "DJANGO_MEDIA_ROOT": str(media)})
    assert made.returncode == 0, made.stderr
    dump = Path(made.stdout.strip().splitlines()[-1])
    assert dump.exists() and dump.name.startswith("payakumbuh-ikm-") and dump.suffix == ".dump"
    assert Path(str(dump).removesuffix(".dump") + ".media.tar.gz").exists()
    assert oct(dump.stat().st_mode & 0o777) == "0o600"  # personal data

    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin_url = _url(connection.settings_dict, "postgres").replace("postgres://", "postgresql://", 1)
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        target = _url(connection.settings_dict, name)
        restored_media = tmp_path / "restored-media"
        done = _run("restore", str(dump), env={"DATABASE_URL": target, "DJANGO_MEDIA_ROOT": str(restored_media)})
        assert done.returncode == 0, done.stderr

        before, after = _inventory(source), _inventory(target)
        assert all(before["counts"][table] > 0 for table in MAIN_TABLES), {t: before["counts"][t] for t in MAIN_TABLES}
        assert after == before
        files = sorted(p.relative_to(media) for p in media.rglob("*") if p.is_file())
        assert any(str(p).startswith("certificates/") for p in files)
        assert sorted(p.relative_to(restored_media) for p in restored_media.rglob("*") if p.is_file()) == files
        assert all((media / p).read_bytes() == (restored_media / p).read_bytes() for p in files)

        # A second restore into the now full database is refused and changes nothing.
        again = _run("restore", str(dump), env={"DATABASE_URL": target, "DJANGO_MEDIA_ROOT": str(restored_media)})
        assert again.returncode != 0 and "empty" in again.stderr
        assert _inventory(target) == before
    finally:
        _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
