"""Soak: five minutes of mixed traffic from 32 clients against gunicorn, as in production.

What runs: its own PostgreSQL database built the way the quick start builds the demo
(migrate, load_reference, seed_demo without its showcase step) plus the soak's
own people (SOAK_OWNERS owners, each signing in with a password and owning one verified
business, and SOAK_SESSIONS published sessions open for registration); gunicorn with
SOAK_WORKERS sync workers on 127.0.0.1 under payakumbuh_ikm.settings.prod (DEBUG off,
persistent connections, cached_db sessions in Redis, the real password hasher, tasks sent to
a broker) and a Celery worker process consuming that broker (the registrations' and reports'
messages go out through it, to the console mail backend).

Traffic: SOAK_CLIENTS threads (32) for SOAK_SECONDS (300), each a person with its own cookies
who keeps one owner signed in (a share of the soak's owners of its own, so no two threads are
the same owner) and the demo official, and picks one action at a time by weight: the training
catalogue, a session page, signing in (the login page, then the POST with its CSRF token,
then the next owner of the thread's share is the one it acts as), registering for a session
(the session page for the form's token, then the POST: confirmed while seats last, then the
waiting list), the monthly report form (GET) and sending it (POST, one of the last twelve
months), and the recovery dashboard as the official. No think time: each client sends its
next request when the answer to the last one is in, so 32 clients are 32 requests in flight.

Reported (printed, and written to bench/soak.json): requests/s, p50/p99/max per kind of page,
5xx answers (must be 0), other unexpected answers (a 403 from a CSRF failure, a 200 where a
redirect means success, a 429), and the resident memory (RSS) of every gunicorn worker and the
Celery worker sampled every 10 s. Memory growth compares the mean of the last fifth of the run
with the mean of its second fifth (for 300 s: the last minute against minute 2, after warm-up);
more than SOAK_RSS_GROWTH (10 %) per worker fails the run, as does a worker that was replaced.

Limits the mix meets, and why they do not make it meaningless: django-axes counts only failed
sign-ins (every sign-in here succeeds); the sign-up limit (20 per hour per address) is not on
any path used; registration has no rate limit; a business registers once per session, so each
owner walks through the sessions in turn (SOAK_OWNERS x SOAK_SESSIONS registrations available,
far more than five minutes use; a pair already used would answer with a message, still 302).

    make soak                                  # 300 s, writes bench/soak.json
    SOAK_SECONDS=30 .venv/bin/python bench/soak.py

Own resources, all overridable: database SOAK_DATABASE (payakumbuh_ikm_soak) on
SOAK_DATABASE_SERVER (postgres://postgres@127.0.0.1:5432), dropped afterwards; Redis
SOAK_CACHE_URL (redis://127.0.0.1:6379/10) for cache and sessions and SOAK_BROKER_URL
(redis://127.0.0.1:6379/11) for Celery, both flushed before and after.
"""

import html
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import loopback  # bench/, beside this script
from registration_rush import BUSINESS_INPUT, CSRF_INPUT, Client

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "bench" / "soak.json"
HOST = loopback.HOST
PASSWORD = "rahasia-soak-2026"
OFFICIAL = ("pejabat@payakumbuh.go.id", "ikm-payakumbuh-2026")  # seed_demo's official (demo.registry)

SECONDS = int(os.environ.get("SOAK_SECONDS", "300"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "32"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "4"))
OWNERS = int(os.environ.get("SOAK_OWNERS", "256"))
SESSIONS = int(os.environ.get("SOAK_SESSIONS", "40"))
RSS_GROWTH = float(os.environ.get("SOAK_RSS_GROWTH", "0.10"))
SAMPLE_EVERY = 10.0
DATABASE = os.environ.get("SOAK_DATABASE", "payakumbuh_ikm_soak")
DATABASE_SERVER = os.environ.get("SOAK_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
CACHE_URL = os.environ.get("SOAK_CACHE_URL", "redis://127.0.0.1:6379/10")
BROKER_URL = os.environ.get("SOAK_BROKER_URL", "redis://127.0.0.1:6379/11")

# How often each action is picked (relative weights): people mostly read.
MIX = {
    "catalogue": 25,
    "session": 20,
    "sign_in": 8,
    "register": 12,
    "report_form": 12,
    "report_submit": 8,
    "dashboard": 15,
}


def server_environment(port: int) -> dict:
    return loopback.environment_urls(f"{DATABASE_SERVER}/{DATABASE}", CACHE_URL, BROKER_URL, "/tmp/payakumbuh-soak-static", port)


# --- Database, Redis, data --------------------------------------------------------------------


def soak_seed() -> tuple[list[dict], list[int], list[int]]:
    """The soak's owners (one verified business each, one password hash for all) and its
    sessions (published, open, 30 seats, no eligibility limits). Returns the owners, the
    soak session ids and every published session id (the demo's and the soak's)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.roles import GROUP_NAMES, Role
    from businesses.models import Business, BusinessStatus, Kbli, Kelurahan, Owner
    from trainings.models import Mode, SessionStatus, Topic, TrainingSession

    User = get_user_model()
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [
            User(full_name=f"Pemilik Soak {n}", email=f"soak{n}@contoh.id", phone=f"+62814{n:08d}", password=password)
            for n in range(OWNERS)
        ]
    )
    group = Group.objects.get(name=GROUP_NAMES[Role.OWNER])
    User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=group.pk) for u in users])
    people = Owner.objects.bulk_create(
        [
            Owner(
                user=u,
                name=u.full_name,
                nik=f"137603{n % 28 + 1:02d}{n % 12 + 1:02d}{70 + n % 30:02d}{n + 1:04d}",
                phone=u.phone,
                email=u.email,
                consent_at=timezone.now(),
            )
            for n, u in enumerate(users)
        ]
    )
    kbli = list(Kbli.objects.filter(version=2020, code__in=["10750", "10796", "13912"]))
    kelurahan = list(Kelurahan.objects.order_by("code"))
    now = timezone.now()
    businesses = Business.objects.bulk_create(
        [
            Business(
                owner=o,
                name=f"Usaha Soak {n}",
                products="Galamai, rendang",
                nib=f"{9140000000000 + n:013d}",
                kbli=kbli[n % len(kbli)],
                kelurahan=kelurahan[n % len(kelurahan)],
                address=f"Jl. Sudirman No. {n + 1}",
                year_founded=2010 + n % 12,
                workers_male=1,
                workers_female=2,
                investment=40_000_000,
                turnover_2019=12_000_000,
                status=BusinessStatus.VERIFIED,
                status_changed_at=now,
                verified_at=now,
            )
            for n, o in enumerate(people)
        ]
    )
    topics = list(Topic.objects.order_by("pk"))
    sessions = []
    for n in range(SESSIONS):
        starts = now + timedelta(days=7 + n % 21, hours=n % 5)
        session = TrainingSession(
            topic=topics[n % len(topics)],
            title=f"Angkatan soak {n + 1}: pemasaran digital",
            trainer="Uni Rina, Rumah Kreatif BUMN",
            mode=Mode.IN_PERSON,
            venue="Aula Disnakerin, Jl. Veteran No. 70, Payakumbuh",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            capacity=30,
            status=SessionStatus.PUBLISHED,
        )
        session.full_clean()
        session.save()
        sessions.append(session.pk)
    published = list(TrainingSession.objects.filter(status=SessionStatus.PUBLISHED).values_list("pk", flat=True))
    owners = [{"email": u.email, "business": b.pk} for u, b in zip(users, businesses, strict=True)]
    return owners, sessions, published


def database_counts() -> dict:
    from django.db import connection

    from recovery.models import MonthlyReport
    from trainings.models import Registration

    connection.close()
    return {"registrations": Registration.objects.count(), "monthly_reports": MonthlyReport.objects.count()}


# --- Processes --------------------------------------------------------------------------------


def celery_start(env: dict, log: Path) -> subprocess.Popen:
    command = [str(ROOT / ".venv" / "bin" / "celery"), "-A", "payakumbuh_ikm", "worker", "-l", "warning",
               "--concurrency", "1", "--without-gossip", "--without-mingle", "-n", f"soak-{os.getpid()}@%h"]  # fmt: skip
    handle = open(log, "w")  # closed with the process
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# --- Traffic ------------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.unexpected: dict[str, int] = defaultdict(int)
        self.examples: list[str] = []
        self.transport_errors = 0

    def add(self, kind: str, seconds: float, status: int, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.statuses[kind][status] += 1
            if not ok:
                self.unexpected[kind] += 1
                if len(self.examples) < 20:
                    self.examples.append(f"{kind}: HTTP {status} {detail}"[:300])


class Person:
    """One client thread: its share of the owners, the owner it is signed in as, the official."""

    def __init__(self, port: int, owners: list[dict], sessions: list[int], published: list[int], stats: Stats, seed: int):
        self.port, self.owners, self.sessions, self.published, self.stats = port, owners, sessions, published, stats
        self.random = random.Random(seed)
        self.next_owner = 0
        self.owner: dict | None = None
        self.owner_client: Client | None = None
        self.official_client: Client | None = None
        self.registered: dict[str, int] = defaultdict(int)  # owner email -> sessions walked through

    def timed(self, kind: str, client: Client, method: str, path: str, fields: dict | None = None, expect=(200,), where=""):
        started = time.perf_counter()
        try:
            status, headers, body = client.request(method, path, urlencode(fields) if fields is not None else None)
        except OSError as error:
            with self.stats.lock:
                self.stats.transport_errors += 1
                if len(self.stats.examples) < 20:
                    self.stats.examples.append(f"{kind}: {error!r}")
            return None, {}, ""
        elapsed = time.perf_counter() - started
        location = headers.get("Location", "") or ""
        ok = status in expect and (not where or where in location)
        self.stats.add(kind, elapsed, status, ok, f"{method} {path} -> {location}")
        return status, headers, body

    def sign_in(self, record: bool) -> None:
        """The login page, then its form posted; the thread then acts as that owner."""
        owner = self.owners[self.next_owner % len(self.owners)]
        self.next_owner += 1
        client = Client(self.port)
        if record:
            _, _, page = self.timed("sign_in_page", client, "GET", "/akun/masuk/")
        else:
            _, _, page = client.request("GET", "/akun/masuk/")
        token = CSRF_INPUT.search(page or "")
        if not token:
            return
        fields = {"csrfmiddlewaretoken": html.unescape(token.group(1)), "username": owner["email"], "password": PASSWORD}
        if record:
            self.timed("sign_in", client, "POST", "/akun/masuk/", fields, expect=(302,))
        else:
            client.request("POST", "/akun/masuk/", urlencode(fields))
        if "sessionid" in client.cookies:
            self.owner, self.owner_client = owner, client

    def official_sign_in(self) -> None:
        client = Client(self.port)
        _, _, page = client.request("GET", "/akun/masuk/")
        token = CSRF_INPUT.search(page)
        fields = {"csrfmiddlewaretoken": html.unescape(token.group(1)), "username": OFFICIAL[0], "password": OFFICIAL[1]}
        status, _, _ = client.request("POST", "/akun/masuk/", urlencode(fields))
        if status != 302 or "sessionid" not in client.cookies:
            raise RuntimeError(f"the official could not sign in: HTTP {status}")
        self.official_client = client

    def register(self) -> None:
        """The session page (for the form's token and business), then the registration POST."""
        owner = self.owner
        walked = self.registered[owner["email"]]
        session = self.sessions[walked % len(self.sessions)]
        self.registered[owner["email"]] += 1
        path = f"/pelatihan/{session}/"
        _, _, page = self.timed("session", self.owner_client, "GET", path)
        token, business = CSRF_INPUT.search(page or ""), BUSINESS_INPUT.search(page or "")
        if not token or not business:
            self.stats.add("register", 0.0, 0, False, f"no registration form on {path} for {owner['email']}")
            return
        fields = {"csrfmiddlewaretoken": html.unescape(token.group(1)), "business": business.group(1)}
        self.timed("register", self.owner_client, "POST", f"{path}daftar/", fields, expect=(302,), where=path)

    def report_path(self) -> str:
        return f"/pemulihan/usaha/{self.owner['business']}/lapor/"

    def report_submit(self) -> None:
        """The form for one of the last twelve months, then its POST (a new report or a correction)."""
        today = datetime.now(UTC).date()
        back = self.random.randrange(1, 13)
        month = (today.year * 12 + today.month - 1) - back
        period = f"{month // 12:04d}-{month % 12 + 1:02d}"
        path = f"{self.report_path()}?periode={period}"
        _, _, page = self.timed("report_form", self.owner_client, "GET", path)
        token = CSRF_INPUT.search(page or "")
        if not token:
            return
        fields = {
            "csrfmiddlewaretoken": html.unescape(token.group(1)), "period": period,
            "turnover": f"Rp {self.random.randrange(8, 16)}.500.000", "workers_male": "1", "workers_female": "2",
            "production_volume": str(self.random.randrange(50, 300)), "production_unit": "kg",
            "online_share": str(self.random.randrange(0, 60)), "operating_status": "normal", "raw_materials": "sulit",
            "channel_shop": "on", "channel_whatsapp": "on", "market_city": "on", "health_masks": "on",
            "problem_capital": "on", "confirmed_unusual": "on",
        }  # fmt: skip
        self.timed("report_submit", self.owner_client, "POST", path, fields, expect=(302,))

    def act(self) -> None:
        kind = self.random.choices(list(MIX), weights=list(MIX.values()))[0]
        anonymous = Client(self.port)
        if kind == "catalogue":
            self.timed("catalogue", self.owner_client if self.random.random() < 0.5 else anonymous, "GET", "/pelatihan/")
        elif kind == "session":
            self.timed("session", anonymous, "GET", f"/pelatihan/{self.random.choice(self.published)}/")
        elif kind == "sign_in":
            self.sign_in(record=True)
        elif kind == "register":
            self.register()
        elif kind == "report_form":
            self.timed("report_form", self.owner_client, "GET", self.report_path())
        elif kind == "report_submit":
            self.report_submit()
        elif kind == "dashboard":
            self.timed("dashboard", self.official_client, "GET", "/pemulihan/dasbor/")


def traffic(port: int, owners: list[dict], sessions: list[int], published: list[int], seconds: float, stats: Stats):
    people = [
        Person(port, owners[i::CLIENTS], sessions, published, stats, seed=1376 + i) for i in range(CLIENTS)
    ]  # fmt: skip
    for person in people:  # not timed: each starts signed in as its first owner and as the official
        person.sign_in(record=False)
        person.official_sign_in()
        if person.owner is None:
            raise RuntimeError("an owner could not sign in before the soak")
    deadline = time.monotonic() + seconds
    barrier = threading.Barrier(CLIENTS + 1)

    def run(person: Person):
        barrier.wait()
        while time.monotonic() < deadline:
            try:
                person.act()
            except Exception as error:  # counted, the soak goes on
                with stats.lock:
                    stats.transport_errors += 1
                    if len(stats.examples) < 20:
                        stats.examples.append(f"client error: {error!r}")

    threads = [threading.Thread(target=run, args=(p,), daemon=True) for p in people]
    for thread in threads:
        thread.start()
    barrier.wait()
    return threads, time.monotonic()


def sample_memory(gunicorn_pid: int, celery_pid: int, started: float, seconds: float) -> list[dict]:
    """Every SAMPLE_EVERY seconds until the end: RSS in MB of each gunicorn worker and of the
    Celery worker (its pool child, where the tasks run, and its parent)."""
    samples = []
    end = started + seconds
    next_at = started
    while True:
        now = time.monotonic()
        if now >= next_at:
            workers = {pid: rss_mb(pid) for pid in children(gunicorn_pid)}
            celery = [rss_mb(pid) for pid in [celery_pid, *children(celery_pid)]]
            samples.append({
                "t": round(now - started, 1),
                "gunicorn": {str(pid): round(mb, 1) for pid, mb in workers.items() if mb is not None},
                "celery": round(sum(mb for mb in celery if mb is not None), 1),
            })  # fmt: skip
            next_at += SAMPLE_EVERY
        if now >= end:
            return samples
        time.sleep(max(0.0, min(next_at, end) - time.monotonic()))


# --- Report ------------------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict:
    if len(values) < 2:
        return {"p50_ms": round(values[0] * 1000, 1) if values else None, "p99_ms": None, "max_ms": None}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1), "max_ms": round(max(values) * 1000, 1)}


def memory_report(samples: list[dict], seconds: float) -> dict:
    """Second fifth of the run (warm) against the last fifth, per worker that lived through both."""
    warm = [s for s in samples if seconds / 5 <= s["t"] <= 2 * seconds / 5]
    last = [s for s in samples if s["t"] >= 4 * seconds / 5]
    pids = sorted(set().union(*(s["gunicorn"] for s in samples)))
    workers = {}
    for pid in pids:
        before = [s["gunicorn"][pid] for s in warm if pid in s["gunicorn"]]
        after = [s["gunicorn"][pid] for s in last if pid in s["gunicorn"]]
        if before and after:
            b, a = statistics.mean(before), statistics.mean(after)
            workers[pid] = {"warm_mb": round(b, 1), "last_mb": round(a, 1), "growth": round(a / b - 1, 3)}
    first, final = set(samples[0]["gunicorn"]), set(samples[-1]["gunicorn"])
    celery_before = [s["celery"] for s in warm if s["celery"]]
    celery_after = [s["celery"] for s in last if s["celery"]]
    celery = None
    if celery_before and celery_after:
        b, a = statistics.mean(celery_before), statistics.mean(celery_after)
        celery = {"warm_mb": round(b, 1), "last_mb": round(a, 1), "growth": round(a / b - 1, 3)}
    return {
        "compared": f"mean RSS over t={seconds / 5:.0f}-{2 * seconds / 5:.0f} s against t>={4 * seconds / 5:.0f} s",
        "gunicorn_workers": workers,
        "gunicorn_max_growth": max((w["growth"] for w in workers.values()), default=None),
        "gunicorn_workers_replaced": len(first - final),
        "celery": celery,
        "limit": RSS_GROWTH,
    }


def main() -> int:
    port = loopback.free_port()
    env = server_environment(port)
    started = time.perf_counter()
    loopback.database_recreate(DATABASE, server=DATABASE_SERVER)
    loopback.redis_flush(CACHE_URL, BROKER_URL)
    gunicorn = celery = None
    log = Path(f"/tmp/soak-gunicorn-{port}.log")
    celery_log = Path(f"/tmp/soak-celery-{port}.log")
    try:
        loopback.manage(env, "migrate", "-v0")
        loopback.manage(env, "load_reference")
        loopback.manage(env, "seed_demo", "--skip", "showcase")
        loopback.manage(env, "collectstatic", "--noinput", "-v0")
        loopback.django_setup(env)
        owners, sessions, published = soak_seed()
        before = database_counts()
        print(f"database {DATABASE} ready in {time.perf_counter() - started:.0f}s: demo data, {len(owners)} soak owners, "
              f"{len(published)} published sessions; {before}", flush=True)  # fmt: skip

        celery = celery_start(env, celery_log)
        gunicorn = loopback.gunicorn_start(env, port, WORKERS, log)
        stats = Stats()
        load_start = round(os.getloadavg()[0], 1)
        threads, began = traffic(port, owners, sessions, published, SECONDS, stats)
        print(f"{CLIENTS} clients signed in; {SECONDS}s of traffic on {WORKERS} gunicorn workers", flush=True)
        samples = sample_memory(gunicorn.pid, celery.pid, began, SECONDS)
        for thread in threads:
            thread.join(timeout=180)
        wall = time.monotonic() - began
        after = database_counts()
        celery_alive = celery.poll() is None
    finally:
        for process in (gunicorn, celery):
            if process is not None:
                loopback.gunicorn_stop(process)
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        loopback.database_recreate(DATABASE, drop_only=True, server=DATABASE_SERVER)
        loopback.redis_flush(CACHE_URL, BROKER_URL)

    # The servers' own output (Django warnings, the worker's log and the mails it printed) must
    # carry no NIK either: the same test as scripts/nik-scan.
    nik_run = re.compile(r"(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])")
    niks_in_logs = sum(len(nik_run.findall(p.read_text(errors="replace"))) for p in (log, celery_log) if p.exists())
    total = sum(len(v) for v in stats.latency.values())
    server_errors = sum(n for kinds in stats.statuses.values() for status, n in kinds.items() if status >= 500)
    memory = memory_report(samples, SECONDS)
    pages = {
        kind: {"requests": len(stats.latency[kind]), **percentiles(stats.latency[kind]),
               "statuses": dict(sorted(stats.statuses[kind].items())), "unexpected": stats.unexpected.get(kind, 0)}
        for kind in sorted(stats.latency)
    }  # fmt: skip
    every = [s for values in stats.latency.values() for s in values]
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": SECONDS,
        "clients": CLIENTS,
        "server": f"gunicorn, {WORKERS} sync workers, 127.0.0.1; payakumbuh_ikm.settings.prod (DEBUG off, PostgreSQL "
        "with CONN_MAX_AGE, cached_db sessions and cache in Redis, Celery worker with concurrency 1 on a Redis broker)",
        "data": f"quick start demo without the showcase (seed_demo --skip showcase) + {OWNERS} owners with accounts "
        f"and verified businesses + {SESSIONS} open sessions of 30 seats",
        "mix": MIX,
        "requests": total,
        "requests_per_second": round(total / wall, 1),
        "all": percentiles(every),
        "pages": pages,
        "server_errors_5xx": server_errors,
        "unexpected_answers": sum(stats.unexpected.values()),
        "transport_errors": stats.transport_errors,
        "nik_in_server_logs": niks_in_logs,
        "examples": stats.examples,
        "database_before": before,
        "database_after": after,
        "celery_worker_alive": celery_alive,
        "memory": memory,
        "memory_samples": samples,
        # Far above the core count means other work shared the CPUs: latencies are then queueing
        # behind that work too and not comparable with a quiet run.
        "load_average_1m": {"start": load_start, "end": round(os.getloadavg()[0], 1), "cores": os.cpu_count()},
    }
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")

    print(f"\n{total} requests in {wall:.0f}s: {result['requests_per_second']} requests/s, {CLIENTS} clients "
          f"(1-minute load average {result['load_average_1m']})\n")  # fmt: skip
    print(f"{'page':14} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses")
    for kind, page in pages.items():
        print(f"{kind:14} {page['requests']:>9} {page['p50_ms']!s:>8} {page['p99_ms']!s:>8} {page['max_ms']!s:>8}  "
              f"{page['statuses']}")  # fmt: skip
    print(f"\n5xx: {server_errors}; unexpected answers: {result['unexpected_answers']}; transport errors: "
          f"{stats.transport_errors}; celery worker alive: {celery_alive}; NIKs in server logs: {niks_in_logs}")  # fmt: skip
    for example in stats.examples[:10]:
        print(f"  {example}")
    print(f"registrations {before['registrations']} -> {after['registrations']}, "
          f"monthly reports {before['monthly_reports']} -> {after['monthly_reports']}")  # fmt: skip
    print(f"memory ({memory['compared']}): gunicorn workers {memory['gunicorn_workers']}, "
          f"replaced {memory['gunicorn_workers_replaced']}; celery {memory['celery']}")  # fmt: skip
    print(f"written to {RESULT.relative_to(ROOT)}")

    failed = []
    if server_errors:
        failed.append(f"{server_errors} answers 5xx")
    if result["unexpected_answers"] or stats.transport_errors:
        failed.append(f"{result['unexpected_answers']} unexpected answers, {stats.transport_errors} transport errors")
    if memory["gunicorn_max_growth"] is not None and memory["gunicorn_max_growth"] > RSS_GROWTH:
        failed.append(f"a gunicorn worker grew {memory['gunicorn_max_growth']:.0%} after warm-up")
    if memory["gunicorn_workers_replaced"]:
        failed.append(f"{memory['gunicorn_workers_replaced']} gunicorn workers replaced")
    if not celery_alive:
        failed.append("the Celery worker died")
    if niks_in_logs:
        failed.append(f"{niks_in_logs} 16-digit runs in the server logs")
    if failed:
        print("FAILED: " + "; ".join(failed) + f" (server logs: {log}, {celery_log})")
        return 1
    log.unlink(missing_ok=True)
    celery_log.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
