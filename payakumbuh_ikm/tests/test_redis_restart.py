"""Redis stopped and started again while owners sign in and register and the reminder job runs.

The portal (gunicorn), a Celery worker and the periodic jobs run as separate processes against
a Redis server this test starts on a free port of its own (the shared Redis of other tests is
never touched). While it is down: every page answers (no 500), registrations are saved, and a
task that cannot be published leaves its outbox row queued. Once it is back, the sweep that
beat runs sends what was due, each message exactly once.
"""

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, Message, MessageStatus
from trainings.models import Registration, RegistrationStatus
from trainings.tests.factories import RegistrationFactory, TrainingSessionFactory, VerifiedBusinessFactory

from .waiting import markers_forget, markers_handled, wait_until

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "rahasia-ikm-123"  # businesses.tests.factories.UserFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.requires_tools("redis-server"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own, without persistence: a restart comes back empty, as
    after a crash with nothing saved (the hardest case: every queued task is gone)."""

    def __init__(self, port: int, log: Path):
        self.port, self.log, self.process = port, log, None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        assert wait_until(self.ping, timeout=10, step=0.2), "redis-server did not start"

    def stop(self):
        # SHUTDOWN NOSAVE through its own port, never a signal by name: other Redis servers run here.
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True, timeout=10)
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        assert not self.ping()


class Browser:
    """One person with a cookie jar, following redirects like a browser; records every answer."""

    def __init__(self, base: str, answers: list):
        self.base, self.answers = base, answers
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.monotonic()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        self.answers.append(("POST" if body else "GET", path, status, round(time.monotonic() - started, 3)))
        return status, text

    def post_form(self, form_path: str, target: str, fields: dict) -> tuple[int, str]:
        status, page = self.request(form_path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, f"no form on {form_path} ({status})"
        return self.request(target, {"csrfmiddlewaretoken": match.group(1), **fields})

    def sign_in(self, email: str) -> str:
        login = reverse("accounts:login")
        return self.post_form(login, login, {"username": email, "password": PASSWORD})[1]


def _owner_visit(base, answers, business, session_pk) -> str:
    """Sign in, look around, register for the session, look at "Pelatihan saya"."""
    browser = Browser(base, answers)
    browser.sign_in(business.owner.email)
    browser.request(reverse("trainings:catalogue"))
    detail = reverse("trainings:session-detail", args=[session_pk])
    _status, page = browser.post_form(detail, reverse("trainings:register", args=[session_pk]), {"business": business.pk})
    browser.page = page
    browser.request(reverse("trainings:mine"))
    browser.request("/")
    return browser


def _anonymous_visit(base, answers) -> None:
    browser = Browser(base, answers)
    browser.request(reverse("trainings:catalogue"))
    browser.request("/")
    # The sign-up rate limit counts in Redis (django-ratelimit), sign-in failures in the database
    # (django-axes): both forms must still answer, with their own messages.
    browser.post_form(reverse("businesses:signup"), reverse("businesses:signup"), {"email": "bukan-email"})
    login = reverse("accounts:login")
    browser.post_form(login, login, {"username": "tidak.ada@contoh.id", "password": "salah-sandi-123"})


@pytest.fixture
def stack(tmp_path, settings):
    """Own Redis, the portal under gunicorn and one worker, all pointed at that Redis and at this
    test's database; mail goes to files. Yields (redis, base_url, env, mail_dir)."""
    port = _free_port()
    redis = OwnRedis(port, tmp_path / "redis.log")
    redis.start()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="payakumbuh_ikm.settings.test",
        TEST_DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        TEST_CACHE_URL=f"rediscache://127.0.0.1:{port}/0",
        TEST_CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/1",
        TEST_SESSION_ENGINE="django.contrib.sessions.backends.cached_db",  # as in production
        TEST_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        TEST_EMAIL_FILE_PATH=str(mail_dir),
        TEST_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        CELERY_TASK_ALWAYS_EAGER="false",
        NOTIFICATION_RETRY_BASE_SECONDS="0",  # retries straight into the queue, ahead of a marker
        DJANGO_LOG_LEVEL="WARNING",
    )
    web_port = _free_port()
    processes = []
    with (tmp_path / "gunicorn.log").open("ab") as log:
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "payakumbuh_ikm.wsgi",
                    "-b",
                    f"127.0.0.1:{web_port}",
                    "-w",
                    "2",
                    "--threads",
                    "4",
                    "--timeout",
                    "60",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
    with (tmp_path / "worker.log").open("ab") as log:
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "payakumbuh_ikm",
                    "worker",
                    "-P",
                    "solo",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
    base = f"http://127.0.0.1:{web_port}"

    def up():
        try:
            with urllib.request.urlopen(base + "/", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        assert wait_until(up, timeout=60, step=0.2), (tmp_path / "gunicorn.log").read_text()[-3000:]
        yield redis, base, env, mail_dir
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if redis.ping():
            redis.stop()


def _job(env, code: str):
    """A periodic job run the way beat's worker runs it: a process of its own, its result as JSON."""
    script = f"import django, json\ndjango.setup()\n{code}\nprint(json.dumps(result))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


REMINDERS = "from trainings.notices import reminders_queue\nresult = reminders_queue()"
SWEEP = "from notifications.services import messages_sweep\nresult = messages_sweep(older_than_seconds=0)"
MARKER = "from payakumbuh_ikm.tests.waiting import marker_send\nresult = marker_send()"


def _emails(mail_dir: Path) -> list:
    found = []
    for path in mail_dir.iterdir():
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                email = message_from_bytes(chunk.strip())
                found.append((email.get("To"), " ".join(email.get("Subject", "").split())))
    return found


@pytest.mark.django_db(transaction=True)
def test_redis_down_pages_answer_registrations_are_kept_and_due_messages_go_out_once_when_it_is_back(reference, stack):
    redis, base, env, mail_dir = stack
    now = timezone.now()
    # Starts in 20 hours: everyone confirmed is due the day-before reminder.
    soon = TrainingSessionFactory(starts_at=now + timedelta(hours=20), capacity=40)
    RegistrationFactory.create_batch(4, session=soon)
    owners = VerifiedBusinessFactory.create_batch(10)
    answers: list = []

    # Redis up: three owners sign in (their sessions now sit in the Redis cache) and register.
    with ThreadPoolExecutor(3) as pool:
        early = list(pool.map(lambda b: _owner_visit(base, answers, b, soon.pk), owners[:3]))
    assert Registration.objects.filter(session=soon).count() == 7

    redis.stop()
    answers_before = len(answers)
    # One of them, still signed in, cancels: the notice's task cannot be published, the request
    # must not fail, and the outbox row waits for the sweep.
    browser = early[0]
    cancelled = Registration.objects.get(session=soon, business=owners[0])
    detail = reverse("trainings:session-detail", args=[soon.pk])
    status, page = browser.post_form(detail, reverse("trainings:cancel", args=[cancelled.pk]), {})
    assert status == 200 and "Pendaftaran dibatalkan" in page
    notice = Message.objects.get(key=f"training-cancelled-by-owner:{cancelled.pk}", channel=Channel.EMAIL)
    assert notice.status == MessageStatus.QUEUED and notice.attempts == 0
    # Redis down: seven more owners and two anonymous visitors at once, and the reminder job.
    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(lambda b: _owner_visit(base, answers, b, soon.pk), owners[3:]))
        list(pool.map(lambda _: _anonymous_visit(base, answers), range(2)))
    queued_while_down = _job(env, REMINDERS)
    # Owners who signed in during the outage stay signed in from page to page (sessions are kept
    # in the database as well as the cache); the cancellation above was one from before it.
    still_signed_in = [a for a in answers[answers_before:] if a[1] == reverse("trainings:mine")]
    health_status = Browser(base, []).request("/sehat/")

    errors = [a for a in answers if a[2] >= 500]
    assert not errors, errors
    assert len(still_signed_in) == 7 and all(a[2] == 200 for a in still_signed_in), still_signed_in
    assert all("Terdaftar" in b.page for b in early + pages), "a registration was not confirmed"
    registered = Registration.objects.filter(session=soon, status=RegistrationStatus.CONFIRMED)
    assert registered.count() == 13  # 4 before, 10 through the portal, 1 cancelled
    assert {r.business_id for r in registered} >= {b.pk for b in owners[1:]}
    # Every confirmed participant's reminder is in the outbox (an email and a WhatsApp row each).
    assert queued_while_down == Message.objects.filter(key__startswith="training-reminder:").count() == 26
    assert health_status[0] == 503  # the monitor sees the outage; no page answered 500
    waiting = Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.QUEUED, key__startswith="training-reminder:")
    assert waiting.count() == 13  # the job could not publish their sends: the rows wait for the sweep

    # Redis back (empty: every task published before the outage is gone with it). The worker
    # reconnects by itself; beat's jobs run again: nothing new to queue, the sweep sends the rest.
    redis.start()
    assert _job(env, REMINDERS) == 0
    emails = Message.objects.filter(channel=Channel.EMAIL)
    swept = 0
    deadline = time.monotonic() + 120
    while emails.filter(status=MessageStatus.QUEUED).exists() and time.monotonic() < deadline:
        swept += _job(env, SWEEP)
        wait_until(lambda: not emails.filter(status=MessageStatus.QUEUED).exists(), timeout=15, step=0.2)
    assert not emails.filter(status=MessageStatus.QUEUED).exists(), "messages still waiting after Redis came back"
    # Anything sent twice has arrived by now: the worker has handled a marker sent after it all
    # (through the stack's own Redis, so sent from a process of the stack's).
    marker = _job(env, MARKER)
    assert wait_until(lambda: markers_handled([marker]), timeout=60, step=0.2), "the worker did not reach the marker"
    markers_forget([marker])

    sent = list(emails.values_list("recipient", "subject", "status"))
    assert {status for *_, status in sent} == {MessageStatus.SENT}
    delivered = Counter(_emails(mail_dir))
    twice = {k: n for k, n in delivered.items() if n > 1}
    assert not twice, f"sent more than once: {twice}"
    assert set(delivered) == {(r, " ".join(s.split())) for r, s, _ in sent}
    reminders = emails.filter(key__startswith="training-reminder:").count()
    assert reminders == 13 and swept >= 1
    assert (cancelled.business.owner.email, " ".join(notice.subject.split())) in delivered

    # The portal uses the cache again by itself, without a restart.
    def cache_ok():
        _status, body = Browser(base, []).request("/sehat/")
        return json.loads(body)["checks"]["cache"]["ok"]

    assert wait_until(cache_ok, timeout=15, step=0.2)
    down = answers[answers_before:]
    print(
        f"redis restart: {len(answers)} answers ({len(down)} while down, slowest {max(a[3] for a in down):.2f} s), "
        f"statuses {dict(Counter(a[2] for a in answers))}, {sum(delivered.values())} emails delivered once each, "
        f"{swept} swept"
    )
