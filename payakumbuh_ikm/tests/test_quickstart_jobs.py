"""The quick start runs the periodic jobs as production does.

The slow test runs ``scripts/quickstart`` itself (what ``make quickstart`` runs after installing)
on a SQLite file, a broker folder and a media folder of its own, with runserver on a free port:
the demo city is seeded, a Celery worker with beat starts beside the portal, beat's first round
builds last month's city report, sends the owners' reminders and tomorrow's training reminders,
closes yesterday's session and builds its certificates, a request's task runs in the
worker, and stopping the script leaves no process behind.
"""

import csv
import http.cookiejar
import io
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from demo.trainings import ENDED
from payakumbuh_ikm.celery import RunAtStartScheduler, app
from recovery import tasks as recovery_tasks

from .waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL = ("pejabat@payakumbuh.go.id", "ikm-payakumbuh-2026")  # seed_demo's official (demo.registry)
STAFF = ("staf@disnakerin.payakumbuh.go.id", "ikm-payakumbuh-2026")
IN_PROGRAMME = "Usaha dalam program (usaha)"  # the dashboard export's column (recovery.exports)
MONTHLY_REPORT_BUILT = "SELECT file, pdf FROM recovery_reportfile WHERE kind = 'bulanan' AND period = ? AND status = 'selesai'"
REMINDERS_BY_STATUS = "SELECT status, COUNT(*) FROM notifications_message WHERE key LIKE ? GROUP BY status"
WHATSAPP_SENT = "SELECT COUNT(*) FROM notifications_message WHERE channel = 'whatsapp' AND status = 'sent'"
# Yesterday's demo session (demo.trainings.ENDED): attendees, and certificates built for them.
ENDED_ATTENDEES = (
    "SELECT COUNT(*) FROM trainings_attendance a JOIN trainings_registration r ON a.registration_id = r.id "
    "JOIN trainings_trainingsession s ON r.session_id = s.id WHERE s.title = ?"
)
ENDED_CERTIFICATES = (
    "SELECT COUNT(*) FROM trainings_certificate c JOIN trainings_registration r ON c.registration_id = r.id "
    "JOIN trainings_trainingsession s ON r.session_id = s.id WHERE s.title = ? AND s.status = 'finished'"
)


# --- The schedule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "built"),
    [
        (date(2026, 12, 10), date(2026, 10, 1)),  # owners still report November until today
        (date(2026, 12, 11), date(2026, 11, 1)),
        (date(2026, 12, 31), date(2026, 11, 1)),
        (date(2027, 1, 3), date(2026, 11, 1)),
    ],
)
@pytest.mark.django_db  # the day of the month comes from the report schedule (ReportSchedule)
def test_the_monthly_report_job_builds_the_latest_month_whose_reporting_closed(monkeypatch, today, built):
    periods = []
    monkeypatch.setattr("recovery.report_files.monthly_report_build", lambda *, period: periods.append(period))
    monkeypatch.setattr(recovery_tasks.timezone, "localdate", lambda: today)

    recovery_tasks.monthly_report_build_task()
    recovery_tasks.monthly_report_build_task("2025-03")  # a month asked for is built as asked

    assert periods == [built, date(2025, 3, 1)]


def test_the_monthly_report_job_runs_every_morning_so_a_missed_sixth_is_caught_up():
    schedule = app.conf.beat_schedule["recovery-monthly-report"]["schedule"]
    assert (schedule.hour, schedule.minute) == ({7}, {0})
    assert schedule.day_of_month == set(range(1, 32))


def test_the_quick_start_scheduler_runs_every_job_once_at_start_then_on_its_schedule(tmp_path):
    scheduler = RunAtStartScheduler(app=app, schedule_filename=str(tmp_path / "beat-schedule"))
    try:
        entries = {name: scheduler.schedule[name] for name in app.conf.beat_schedule}
        assert all(entry.is_due().is_due for entry in entries.values())
        # What beat does with an entry it sends: the next run is a whole interval (or month) away.
        assert not any(scheduler.reserve(entry).is_due().is_due for entry in entries.values())
    finally:
        scheduler.close()


# --- The quick start, for real --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    """Whether a process of this process group is still running (zombies aside)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        return self._open(path, None)

    def post_form(self, form_path: str, target: str, fields: dict) -> tuple[int, str]:
        _status, page = self.get(form_path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no form on {form_path}"
        return self._open(target, urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields}).encode())

    def _open(self, path: str, data: bytes | None) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, data=data, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except OSError:
            return 0, ""


@pytest.mark.slow
def test_the_quick_start_runs_the_periodic_jobs_and_a_requests_task_in_its_worker(tmp_path):
    port = _free_port()
    database = tmp_path / "db.sqlite3"
    media = tmp_path / "media"
    # The quick start's own world: nothing from the test settings (PostgreSQL, Redis) or a .env.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_", "CELERY_", "CACHE_"))}
    env.update(
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{database}",
        QUICKSTART_DIR=str(tmp_path / "quickstart"),
        DJANGO_MEDIA_ROOT=str(media),
    )
    log_path = tmp_path / "quickstart.log"
    with log_path.open("wb") as log:
        quickstart = subprocess.Popen(
            [str(ROOT / "scripts" / "quickstart")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: every process it starts can be found
        )
    pgid = quickstart.pid

    def log_text() -> str:
        return log_path.read_text(errors="replace")

    def query(sql: str, *params):
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
            return db.execute(sql, params).fetchall()

    base = f"http://127.0.0.1:{port}"
    try:
        # Migrate and seed the demo city, then serve (about 15 s on a quiet 2-core machine).
        assert wait_until(lambda: Browser(base).get("/")[0] == 200, timeout=240, step=0.5), log_text()[-3000:]

        # Beat's first round, sent as beat starts: the heartbeat (beat records sending it, the
        # worker running it; /sehat/ requires both in the quick start now that tasks are not run
        # in-process) ...
        def health():
            status, body = Browser(base).get("/sehat/")
            return status == 200 and json.loads(body)

        checks = wait_until(health, timeout=30, step=0.2)
        assert checks, Browser(base).get("/sehat/")
        assert checks["checks"]["worker"]["last_seen"] and checks["checks"]["beat"]["last_seen"]

        # ... the city report of the latest month whose reporting closed, Excel and PDF ...
        period = recovery_tasks.period_closed().isoformat()
        monthly = wait_until(lambda: query(MONTHLY_REPORT_BUILT, period), timeout=60, step=0.2)
        assert monthly, (query("SELECT * FROM recovery_reportfile"), log_text()[-3000:])
        assert all((media / name).stat().st_size > 0 for name in monthly[0])

        # ... the owners' reminders for last month and the day-before reminders of tomorrow's demo
        # session, each delivered by the worker: sent, email and WhatsApp alike (both printed to
        # the console: WHATSAPP_PROVIDER=console in the quick start), none left waiting ...
        def delivered(pattern):
            counts = dict(query(REMINDERS_BY_STATUS, pattern))
            return counts if counts and set(counts) == {"sent"} else None

        for pattern in ("recovery-reminder:%", "training-reminder:24h:%"):
            sent = wait_until(lambda pattern=pattern: delivered(pattern), timeout=60, step=0.2)
            assert sent, query(REMINDERS_BY_STATUS, pattern)
        assert query(WHATSAPP_SENT)[0][0] > 0 and "--- WhatsApp ke +62" in log_text()
        # The demo owner's own phone (README: 0812-6600-0001) among them: tomorrow's training.
        assert "--- WhatsApp ke +6281266000001 (training-reminder:24h:" in log_text()
        # Their links lead to the portal on the port it serves (SITE_URL follows PORT), not 8000.
        bodies = [body for (body,) in query("SELECT body FROM notifications_message WHERE key LIKE 'training-reminder:%'")]
        assert bodies and all(f"{base}/pelatihan/" in body for body in bodies), bodies[:1]

        # ... and yesterday's demo session closed, with a certificate for each attendee.
        attendees = query(ENDED_ATTENDEES, ENDED[0])[0][0]
        assert attendees > 0
        issued = wait_until(lambda: query(ENDED_CERTIFICATES, ENDED[0])[0][0] == attendees, timeout=120, step=0.2)
        assert issued, log_text()[-3000:]

        # A request's task runs in the worker: an official starts a dashboard export (the view
        # queues its build on commit) and its status page reports the file ready.
        official = Browser(base)
        login = reverse("accounts:login")
        official.post_form(login, login, {"username": OFFICIAL[0], "password": OFFICIAL[1]})
        started = time.monotonic()
        status, page = official.post_form(reverse("recovery:dashboard"), reverse("recovery:export-start"), {"query": ""})
        assert status == 200, page[:500]
        export_pk = query("SELECT MAX(id) FROM recovery_reportfile WHERE kind = 'ekspor'")[0][0]
        status_json = reverse("recovery:export-status-json", args=[export_pk])
        assert wait_until(lambda: json.loads(official.get(status_json)[1])["done"], timeout=10, step=0.05)
        print(f"export queued by a request and built by the worker in {time.monotonic() - started:.2f} s")
        assert re.search(r"Task recovery\.tasks\.export_build_task\[[^]]+\] succeeded", log_text())

        # A registry change reaches the dashboard within 5 s: staff verify a waiting business in
        # the admin, the commit queues the refresh of the months it touches, the worker runs it,
        # and the official's dashboard for this month counts one more business in the programme.
        this_month = f"{timezone.localdate():%Y-%m}"

        def in_programme() -> int | None:
            status, body = official.get(f"{reverse('recovery:dashboard-export', args=['csv'])}?sampai={this_month}")
            if status != 200:
                return None
            rows = list(csv.reader(io.StringIO(body)))
            header = next(row for row in rows if IN_PROGRAMME in row)  # "Dari bulan ke bulan"
            series = rows[rows.index(header) + 1 :]
            this = series[series.index([]) - 1]  # the last month of the series: this month
            return int(this[header.index(IN_PROGRAMME)])

        before = in_programme()
        waiting = query("SELECT id FROM businesses_business WHERE status = 'pending' ORDER BY id LIMIT 1")[0][0]
        staff = Browser(base)
        staff.post_form(login, login, {"username": STAFF[0], "password": STAFF[1]})
        changelist = reverse("admin:businesses_business_changelist")
        status, page = staff.get(changelist)
        assert status == 200 and "csrfmiddlewaretoken" in page, (status, page[:3000])
        started = time.monotonic()
        status, _page = staff.post_form(changelist, changelist, {"action": "verify", "_selected_action": waiting})
        assert status == 200 and query("SELECT status FROM businesses_business WHERE id = ?", waiting) == [("verified",)]
        assert wait_until(lambda: in_programme() == before + 1, timeout=5, step=0.1), (before, in_programme())
        print(f"a business verified in the admin reached the dashboard in {time.monotonic() - started:.2f} s")

        assert "database is locked" not in log_text()

        # Ctrl-C (the terminal's SIGINT, here TERM: a process started in the background may not
        # be able to trap SIGINT) stops the portal and the worker with its beat and pool.
        stopping = time.monotonic()
        quickstart.send_signal(signal.SIGTERM)
        quickstart.wait(timeout=30)
        assert wait_until(lambda: not _group_alive(pgid), timeout=30, step=0.1), "processes left behind"
        print(f"stopped in {time.monotonic() - stopping:.1f} s")
    finally:
        if quickstart.poll() is None or _group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
            quickstart.wait(timeout=10)
