"""Bench: a registration rush. 500 signed-in owners press "Daftar" for one 40-seat session at once.

Real HTTP against gunicorn on loopback (no test client): the script creates its own PostgreSQL
database, signs every owner in beforehand (a session written as login() writes it), reads the CSRF token and the
hidden business field from the session page, then releases all registration POSTs together from
a thread pool behind a barrier and times each one. Afterwards it counts, in the database, the
confirmed and waiting registrations, overbooking (confirmed above capacity) and duplicates
(more than one registration of a business).

Floor, measured in the same run on the same gunicorn with the same owners and cookies: the same
number of POSTs of the same shape (signed in, CSRF-checked form, answered by a redirect) to
Django's own /i18n/setlang/, which does no database work. Ratios: rush p-latency / floor
p-latency, and floor throughput / rush throughput (higher than 1 = slower than the floor).
Three rounds of floor then rush on the same signed-in owners (registrations deleted between
rounds); the median round by throughput ratio is reported, every round's ratio beside it.

Settings: payakumbuh_ikm.settings.prod through bench.bench_settings (bench/loopback.py), the settings gunicorn serves in production (persistent
database connections, cached_db sessions in Redis, Celery sending to a
broker instead of running tasks in the request). Plain http on loopback works because prod lets
the environment switch off the SSL redirect and HSTS (DJANGO_SECURE_SSL_REDIRECT,
DJANGO_SECURE_HSTS_SECONDS) and the client sends X-Forwarded-Proto: https, as the TLS-terminating
proxy does in production: Django then treats requests as secure, so its Secure cookies and the
HTTPS CSRF origin check are exercised as in production. The client keeps cookies itself
(http.cookiejar would not send Secure cookies over http). The test settings were not used: they
drop persistent connections (CONN_MAX_AGE 0) and use the MD5 hasher, which would measure another
server than the one owners meet.

Own resources only: database bench_rush, Redis databases 12 (cache and sessions) and 13 (Celery
broker; nothing consumes it), or BENCH_RUSH_DATABASE and BENCH_RUSH_REDIS_DBS ("12,13"), static files collected to
/tmp/payakumbuh-<database>-static.

    .venv/bin/python bench/registration_rush.py                     # writes bench/results.json
    .venv/bin/python bench/registration_rush.py --owners 100 --no-save
"""

import argparse
import html
import json
import os
import queue
import re
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import loopback  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
KEY = "registration_rush"
# Overridable so two people benchmarking on one machine do not drop each other's database.
DATABASE = os.environ.get("BENCH_RUSH_DATABASE", "bench_rush")
REDIS_CACHE_DB, REDIS_BROKER_DB = (int(n) for n in os.environ.get("BENCH_RUSH_REDIS_DBS", "12,13").split(","))
STATIC_ROOT = f"/tmp/payakumbuh-{DATABASE}-static"
PASSWORD = "rahasia-rush-2026"
CAPACITY = 40  # --seats
HOST = loopback.HOST


def server_environment(port: int) -> dict:
    """What prod.py needs, pointing at this bench's own database and Redis databases."""
    return loopback.environment(DATABASE, REDIS_CACHE_DB, REDIS_BROKER_DB, STATIC_ROOT, port)


# --- Database, Redis, data --------------------------------------------------------------------


def seed(owners: int) -> tuple[int, list[dict]]:
    """``owners`` owners, each a user in the owner group with one verified business, and one
    published session of CAPACITY seats open for registration. Bulk inserts; one password hash for all."""
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
            User(full_name=f"Pemilik Rush {n}", email=f"rush{n}@contoh.id", phone=f"+62813{n:08d}", password=password)
            for n in range(owners)
        ]
    )
    group = Group.objects.get(name=GROUP_NAMES[Role.OWNER])
    User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=group.pk) for u in users])
    people = Owner.objects.bulk_create(
        [
            Owner(
                user=u,
                name=u.full_name,
                nik=f"137602{n % 28 + 1:02d}{n % 12 + 1:02d}{70 + n % 30:02d}{n + 1:04d}",
                phone=u.phone,
                email=u.email,
            )
            for n, u in enumerate(users)
        ]
    )
    kbli = Kbli.objects.get(version=2020, code="10750")
    kelurahan = list(Kelurahan.objects.order_by("code"))
    now = timezone.now()
    businesses = Business.objects.bulk_create(
        [
            Business(
                owner=o,
                name=f"Rendang Rush {n}",
                products="Rendang daging",
                nib=f"{9130000000000 + n:013d}",
                kbli=kbli,
                kelurahan=kelurahan[n % len(kelurahan)],
                address=f"Jl. Soekarno Hatta No. {n + 1}",
                year_founded=2012,
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
    starts = now + timedelta(days=7)
    session = TrainingSession(
        topic=Topic.objects.order_by("pk").first(),
        title="Jualan di marketplace, angkatan rush",
        trainer="Uni Rina, Rumah Kreatif BUMN",
        mode=Mode.IN_PERSON,
        venue="Aula Disnakerin, Jl. Veteran No. 70, Payakumbuh",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=CAPACITY,
        status=SessionStatus.PUBLISHED,
    )
    session.full_clean()
    session.save()
    assert session.registration_is_open()
    return session.pk, [
        {"email": u.email, "user": u.pk, "auth_hash": u.get_session_auth_hash(), "business": b.pk}
        for u, b in zip(users, businesses, strict=True)
    ]


def outcome(session_id: int) -> dict:
    from django.db import connection
    from django.db.models import Count

    from trainings.models import Registration, RegistrationStatus

    connection.close()  # a fresh read after the server's commits
    rows = Registration.objects.filter(session_id=session_id)
    confirmed = rows.filter(status=RegistrationStatus.CONFIRMED).count()
    waiting = rows.filter(status=RegistrationStatus.WAITING).count()
    duplicates = (
        rows.exclude(status=RegistrationStatus.CANCELLED).values("business").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    order = list(rows.order_by("created_at", "id").values_list("status", flat=True))
    return {
        "registrations": len(order),
        "confirmed": confirmed,
        "waiting": waiting,
        "overbooked": max(0, confirmed - CAPACITY),
        "duplicates": duplicates,
        # The first CAPACITY by registration time hold the seats, everyone after them waits.
        "seats_in_arrival_order": order == ["confirmed"] * min(CAPACITY, len(order)) + ["waiting"] * (len(order) - CAPACITY),
    }


def registrations_delete(session_id: int) -> None:
    """Back to an empty session between rounds (the server is idle meanwhile)."""
    from trainings.models import Registration

    Registration.history.filter(session_id=session_id).delete()
    Registration.objects.filter(session_id=session_id).delete()


# --- HTTP --------------------------------------------------------------------------------------


class Client:
    """One owner's browser: its own cookies, a new connection per request (gunicorn's sync
    workers close the connection after each response anyway)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.origin = f"https://{HOST}:{port}"

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Host": f"{HOST}:{self.port}", "X-Forwarded-Proto": "https", "User-Agent": "registration-rush"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**headers, **(extra or {})}

    def request(self, method: str, path: str, body: str | None = None, keep_cookies: bool = True):
        extra = {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin} if body is not None else None
        connection = HTTPConnection(HOST, self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=self.headers(extra))
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        if keep_cookies:
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
        return response.status, response.headers, data.decode("utf-8", "replace")

    def prepared(self, path: str, fields: dict) -> tuple[str, str, dict]:
        """A POST ready to send, so the timed part is the request alone."""
        body = urlencode(fields)
        headers = self.headers({"Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin})
        return path, body, headers


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BUSINESS_INPUT = re.compile(r'<input type="hidden" name="business" value="(\d+)">')


def sign_in(port: int, owner: dict, session_path: str) -> dict:
    """An owner's browser signed in: its session cookie, the CSRF token and business from the
    session page. The session is written the way django.contrib.auth.login writes it (in the
    server's cached_db store, shared through Redis and the database), not through the login form:
    the real password hasher cost 92 s of CPU for 300 owners before every run and is not what
    the rush measures (sign-in is measured by its own bench)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    client = Client(port)
    store = SessionStore()
    store[SESSION_KEY] = str(owner["user"])
    store[BACKEND_SESSION_KEY] = "accounts.backends.EmailOrPhoneBackend"
    store[HASH_SESSION_KEY] = owner["auth_hash"]
    store.create()
    client.cookies["sessionid"] = store.session_key
    status, _, page = client.request("GET", session_path)
    token, business = CSRF_INPUT.search(page), BUSINESS_INPUT.search(page)
    if status != 200 or not token or not business or int(business.group(1)) != owner["business"]:
        raise RuntimeError(f"session page for {owner['email']}: HTTP {status}, no registration form for its business")
    return {"client": client, "csrf": html.unescape(token.group(1)), "business": business.group(1)}


def in_parallel(jobs: list, threads: int) -> list:
    results, errors = [None] * len(jobs), []
    work: queue.Queue = queue.Queue()
    for item in enumerate(jobs):
        work.put(item)

    def worker():
        while True:
            try:
                index, job = work.get_nowait()
            except queue.Empty:
                return
            try:
                results[index] = job()
            except Exception as error:  # reported below
                errors.append(error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise SystemExit(f"{len(errors)} of {len(jobs)} failed, first: {errors[0]}")
    return results


def rush(port: int, requests: list[tuple[str, str, dict]], expect_location: str, threads: int) -> dict:
    """Send every prepared POST; ``threads`` threads wait at a barrier, then drain a shared queue."""
    work: queue.Queue = queue.Queue()
    for item in requests:
        work.put(item)
    barrier = threading.Barrier(threads)
    latencies, errors, lock = [], [], threading.Lock()
    starts, ends = [], []

    def worker():
        barrier.wait(timeout=60)
        while True:
            try:
                path, body, headers = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            try:
                connection = HTTPConnection(HOST, port, timeout=120)
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                connection.close()
                ok = response.status == 302 and response.headers.get("Location", "").endswith(expect_location)
                problem = None if ok else f"HTTP {response.status} -> {response.headers.get('Location')}"
            except OSError as error:
                problem = repr(error)
            finished = time.perf_counter()
            with lock:
                starts.append(started)
                ends.append(finished)
                latencies.append(finished - started)
                if problem:
                    errors.append(problem)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = max(ends) - min(starts)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "requests": len(latencies),
        "seconds": wall,
        "throughput": len(latencies) / wall,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
        "max_ms": max(latencies) * 1000,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
    }


# --- Results -----------------------------------------------------------------------------------


def figure(value: float, floor: float, unit: str, ratio: float, scale: str) -> dict:
    return {"value": round(value, 1), "unit": unit, "floor": round(floor, 1), "ratio": round(ratio, 1), "scale": scale}


FIGURES = ("p50_ms", "p95_ms", "p99_ms", "max_ms")


def ratios(one: dict) -> dict:
    """One round's ratios: rush / floor for latency, floor / rush for throughput (lower is better)."""
    out = {"throughput": one["floor"]["throughput"] / one["rush"]["throughput"]}
    out.update({name: one["rush"][name] / one["floor"][name] for name in FIGURES})
    return out


def report(args, rounds: list[dict], login_seconds: float) -> dict:
    """Figures of the median round (by throughput ratio), with every round's ratios beside them."""
    scale = f"{args.owners} owners, 1 session of {CAPACITY} seats"
    every = [ratios(r) for r in rounds]
    median = sorted(range(len(rounds)), key=lambda i: every[i]["throughput"])[len(rounds) // 2]
    chosen, counts = rounds[median], [r["counts"] for r in rounds]
    out = {
        "owners": args.owners,
        "capacity": CAPACITY,
        "server": f"gunicorn, {args.workers} sync workers, 127.0.0.1; settings payakumbuh_ikm.settings.prod "
        "(SSL redirect and HSTS off through env, client sends X-Forwarded-Proto: https); database " + DATABASE,
        "client": f"{args.threads} threads released by a barrier, a new connection per request, stdlib http.client",
        "floor": "the same owners, cookies and threads POSTing to /i18n/setlang/ (CSRF-checked form, redirect, no queries)",
        "rounds": f"{len(rounds)} rounds of floor then rush (registrations deleted between rounds); "
        f"figures from the median round by throughput ratio (round {median + 1}), every round's ratio in ratio_rounds",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "errors": sum(r["rush"]["errors"] for r in rounds),
        "floor_errors": sum(r["floor"]["errors"] for r in rounds),
        # Every round must give the same outcome; the worst round is what is reported.
        "registrations": min(c["registrations"] for c in counts),
        "confirmed": max(c["confirmed"] for c in counts),
        "waiting": min(c["waiting"] for c in counts),
        "overbooked": max(c["overbooked"] for c in counts),
        "duplicates": max(c["duplicates"] for c in counts),
        "seats_in_arrival_order": all(c["seats_in_arrival_order"] for c in counts),
        "sign_in_seconds": round(login_seconds, 1),
        # The 1-minute load average after each round: far above the core count means other work
        # shared the CPUs and the figures are not comparable with a quiet run.
        "load_average": f"{[round(r['load'], 1) for r in rounds]} on {os.cpu_count()} cores",
    }
    units = {"throughput": "registrations/s", **dict.fromkeys(FIGURES, "ms")}
    for name, unit in units.items():
        out[name] = {
            "value": round(chosen["rush"][name], 1),
            "unit": unit,
            "floor": round(chosen["floor"][name], 1),
            "ratio": round(every[median][name], 1),
            "scale": scale,
            "ratio_rounds": [round(r[name], 1) for r in every],
        }
    return out


def save(result: dict) -> None:
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[KEY] = result
    temporary = RESULTS.with_suffix(".rush.tmp")
    temporary.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
    temporary.replace(RESULTS)


def print_table(result: dict) -> None:
    print(f"\n{result['owners']} owners rushing {result['capacity']} seats (floor: {result['floor']})\n")
    print(f"{'figure':12} {'value':>10} {'floor':>10} {'ratio':>7}")
    for name in ("throughput", *FIGURES):
        f = result[name]
        print(f"{name:12} {f['value']:>10} {f['floor']:>10} {f['ratio']:>6}x")
    print("\n" + ", ".join(f"{k}={result[k]}" for k in ("errors", "floor_errors", "registrations", "confirmed", "waiting",
                                                         "overbooked", "duplicates", "seats_in_arrival_order")))  # fmt: skip


def main() -> int:
    global CAPACITY  # one run, one capacity
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--owners", type=int, default=500, help="owners rushing (issue 6: 500)")
    parser.add_argument("--seats", type=int, default=CAPACITY, help="the session's capacity (issue 6: 40)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (2-4 on 2 cores)")
    parser.add_argument("--threads", type=int, default=64, help="client threads released together")
    parser.add_argument("--rounds", type=int, default=3, help="floor + rush rounds; the median round is reported")
    parser.add_argument("--no-save", action="store_true", help="print only; leave bench/results.json alone")
    args = parser.parse_args()
    CAPACITY = args.seats

    port = loopback.free_port()
    env = server_environment(port)
    started = time.perf_counter()
    loopback.database_recreate(DATABASE)
    loopback.redis_flush(REDIS_CACHE_DB, REDIS_BROKER_DB)
    process = None
    try:
        loopback.manage(env, "migrate", "-v0")
        loopback.manage(env, "load_reference")
        loopback.manage(env, "collectstatic", "--noinput", "-v0")
        loopback.django_setup(env)
        session_id, owners = seed(args.owners)
        print(f"database {DATABASE} ready with {len(owners)} owners in {time.perf_counter() - started:.1f}s", flush=True)

        log = Path(f"/tmp/bench-rush-gunicorn-{port}.log")
        process = loopback.gunicorn_start(env, port, args.workers, log)
        session_path = f"/pelatihan/{session_id}/"
        started = time.perf_counter()
        signed_in = in_parallel([lambda o=o: sign_in(port, o, session_path) for o in owners], threads=args.workers * 2)
        login_seconds = time.perf_counter() - started
        print(f"{len(signed_in)} owners signed in in {login_seconds:.1f}s", flush=True)

        floor_requests = [
            s["client"].prepared("/i18n/setlang/", {"csrfmiddlewaretoken": s["csrf"], "language": "id", "next": session_path})
            for s in signed_in
        ]
        rush_requests = [
            s["client"].prepared(
                f"/pelatihan/{session_id}/daftar/", {"csrfmiddlewaretoken": s["csrf"], "business": s["business"]}
            )
            for s in signed_in
        ]
        # Each round: the floor (it changes nothing), then the rush, then the counts; the
        # registrations are deleted before the next round, so every round is the same rush.
        rounds = []
        for number in range(1, args.rounds + 1):
            if number > 1:
                registrations_delete(session_id)
            floor = rush(port, floor_requests, session_path, args.threads)
            measured = rush(port, rush_requests, session_path, args.threads)
            counts = outcome(session_id)
            rounds.append({"floor": floor, "rush": measured, "counts": counts, "load": os.getloadavg()[0]})
            print(
                f"round {number}: floor {floor['throughput']:.0f}/s p99 {floor['p99_ms']:.0f} ms; "
                f"rush {measured['throughput']:.1f}/s p99 {measured['p99_ms']:.0f} ms; errors {measured['errors']}+{floor['errors']}; "
                f"{counts['confirmed']} confirmed, {counts['waiting']} waiting",
                flush=True,
            )
            for example in measured["error_examples"] + floor["error_examples"]:
                print(f"  error: {example}")
    finally:
        if process is not None:
            loopback.gunicorn_stop(process)
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        loopback.database_recreate(DATABASE, drop_only=True)
        loopback.redis_flush(REDIS_CACHE_DB, REDIS_BROKER_DB)

    result = report(args, rounds, login_seconds)
    if not (result["errors"] or result["floor_errors"]):
        log.unlink(missing_ok=True)  # kept when something failed: the server's side of it
    print_table(result)
    if not args.no_save:
        save(result)
        print(f"\nmerged into {RESULTS} under '{KEY}'")
    failed = []
    if result["overbooked"]:
        failed.append(f"overbooked by {result['overbooked']}")
    if result["duplicates"]:
        failed.append(f"{result['duplicates']} businesses registered more than once")
    if result["errors"] or result["floor_errors"]:
        failed.append(f"{result['errors']} rush and {result['floor_errors']} floor requests failed")
    if result["registrations"] != args.owners:
        failed.append(f"{result['registrations']} registrations for {args.owners} owners")
    if failed:
        print("FAILED: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
