"""Bench: throughput of the pages people use every day signed in, under wrk, against a trivial view.

gunicorn (2 sync workers) on 127.0.0.1 with the production settings through
``bench.bench_settings`` (DEBUG off, persistent connections, whitenoise, cached_db sessions in
Redis), which only adds the trivial view ``/bench/trivial/``: the floor, measured before and after
the pages on the same server, the lower kept. Each page is requested by wrk (2 threads, 16
connections) with a real session of its role: the session is written by Django's ``login()``
(the test client's ``force_login`` on the same database and cache as the server), its cookie sent
with every request; the POST also carries the CSRF cookie and the form's token, both read from the
form page over HTTP, and an ``Origin`` as a browser sends it.

At city scale (2,000 businesses, bench/datagen.py):

- ``owner_home``: ``/usaha/saya/``, where an owner lands after signing in (``/akun/beranda/``
  redirects there);
- ``report_form``: the monthly report form for a month the business has not reported;
- ``report_post``: sending that form, a valid report (answered by a redirect), rotating over 16
  owners, each with its own session, CSRF token, business and unreported month: the first POST
  of each creates the report, the rest correct it, as an owner who sends twice does;
- ``session_page``: an upcoming training session's page as an owner registered for it;
- ``roster``: the staff roster of the finished session with the most registrations;
- ``dashboard``: the official's recovery dashboard.

At province scale (100,000 businesses): ``dashboard`` again, and ``admin_businesses``, the admin
change list of businesses as staff.

Targets: each page at least 0.3x the floor's requests/s (0.15x for the POST and the admin list),
and no error: no socket error, and every answer the expected one (200; 302 for the POST), counted
by wrk's Lua ``response`` hook, so a session that fell out (a redirect to the sign-in page) is an
error. Reported per page: requests/s, median and p95 latency (ms), the queries of one request
(test client, ``CaptureQueriesContext``, session and user reads included), and the CPU time of
one request in the gunicorn workers (their utime + stime from /proc before and after the run,
over the requests served; PostgreSQL's and Redis's own CPU are not in it).

Everything created is undone: the reports the POSTs wrote and their history rows are deleted
and their months' summaries refreshed, the upcoming session is deleted; the users made for the
owners, the staff and the official stay (found again by a second run).

    .venv/bin/python bench/signed_in.py                 # ~2-3 minutes, writes results.json
    .venv/bin/python bench/signed_in.py --seconds 3 --scales city --no-save

Own resources: the datagen databases ``<BENCH_DATA_PREFIX>_city`` and ``_province`` (default
bench_h2, shared with the dashboard bench), Redis databases 14 (cache, sessions) and 15 (broker,
not consumed) of BENCH_REDIS_URL (``BENCH_SIGNED_IN_REDIS_DBS``, e.g. ``3,4``; flushed after),
static files in ``/tmp/payakumbuh-<prefix>-signed-in-static``. Results: bench/results.json
"signed_in".
"""

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import datagen  # noqa: E402

from bench import loopback  # noqa: E402

KEY = "signed_in"
PREFIX = os.environ.get("BENCH_DATA_PREFIX", "bench_h2")
CACHE_DB, BROKER_DB = (int(n) for n in os.environ.get("BENCH_SIGNED_IN_REDIS_DBS", "14,15").split(","))
STATIC_ROOT = f"/tmp/payakumbuh-{PREFIX}-signed-in-static"
FLOOR = "/bench/trivial/"
TARGET, TARGET_HEAVY = 0.3, 0.15  # x the floor's requests/s; the heavy: the POST and the admin list
HEAVY = ("report_post", "admin_businesses")
POST_OWNERS = 16
UPCOMING_TITLE = "Foto produk dengan ponsel, angkatan bench"
# datagen encrypts the NIK with the development keys: the server reads the same rows with them.
NIK_KEYS = {"NIK_ENCRYPTION_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1uaWsta2V5LTAwMDAwMDA=",
            "NIK_HASH_KEY": "development-only-nik-hash-key"}  # fmt: skip
ROUND = re.compile(r"^WRK (.*)$", re.MULTILINE)

LUA = """
local entries = %(entries)s
local method, expect, origin = "%(method)s", %(expect)d, "%(origin)s"
local threads = {}
local i = 0
unexpected, cpu_us, cpu_n = 0, 0, 0
function setup(thread) table.insert(threads, thread) end
function init(args) i = math.random(0, #entries - 1) end
function request()
  i = i %% #entries + 1
  local e = entries[i]
  local headers = {["X-Forwarded-Proto"] = "https", ["Cookie"] = e[2]}
  if e[3] ~= "" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Origin"] = origin
    return wrk.format(method, e[1], headers, e[3])
  end
  return wrk.format(method, e[1], headers)
end
function response(status, headers, body)
  if status ~= expect then unexpected = unexpected + 1 end
  local cpu = headers["X-Bench-Cpu-Us"]
  if cpu then cpu_us, cpu_n = cpu_us + tonumber(cpu), cpu_n + 1 end
end
function done(summary, latency, requests)
  local bad, cpu, n = 0, 0, 0
  for _, t in ipairs(threads) do
    bad, cpu, n = bad + t:get("unexpected"), cpu + t:get("cpu_us"), n + t:get("cpu_n")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %%d, "seconds": %%f, "p50_ms": %%f, "p95_ms": %%f, "p99_ms": %%f, "unexpected": %%d, ' ..
    '"socket_errors": %%d, "cpu_us": %%.0f, "cpu_n": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, bad, e.connect + e.read + e.write + e.timeout, cpu, n))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(port: int, entries: list[tuple[str, str, str]], seconds: int, connections: int, method="GET", expect=200) -> dict:
    """Run wrk over ``entries`` (path, cookie, body) in turn; returns its figures."""
    table = "{" + ", ".join("{" + ", ".join(_lua_string(x) for x in e) + "}" for e in entries) + "}"
    origin = f"https://{loopback.HOST}:{port}"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"entries": table, "method": method, "expect": expect, "origin": origin})
    try:
        command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name,
                   f"http://{loopback.HOST}:{port}/"]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    found = ROUND.search(output)
    if not found:
        raise SystemExit(f"wrk printed no figures:\n{output}")
    result = json.loads(found.group(1))
    result["rate"] = result["requests"] / result["seconds"]
    return result


def cpu_ticks(pids: list[int]) -> int:
    """utime + stime of ``pids`` (clock ticks)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5)
    return total


def drain(port: int, workers: list[int]) -> None:
    """Wait until the requests wrk left behind when it stopped are served: a request of our own
    (accepted after them), then until the workers' CPU time stands still."""
    loopback.get(port, FLOOR, timeout=300)
    ticks, deadline = cpu_ticks(workers), time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = cpu_ticks(workers)
        if now == ticks:
            return
        ticks = now


def measure(port: int, workers: list[int], entries, seconds: int, connections: int, method="GET", expect=200) -> dict:
    wrk(port, entries, 1, connections, method, expect)  # warm: persistent connections, caches, templates
    drain(port, workers)
    result = wrk(port, entries, seconds, connections, method, expect)
    drain(port, workers)
    result["cpu_ms"] = result["cpu_us"] / max(result["cpu_n"], 1) / 1000
    return result


# --- The data and the signed-in users (in the child process, Django set up on one database) -------


def server_environment(scale: str, port: int) -> dict:
    redis = loopback.redis_base()
    env = loopback.environment_urls(
        f"{datagen.server_url()}/{PREFIX}_{scale}", f"{redis}/{CACHE_DB}", f"{redis}/{BROKER_DB}", STATIC_ROOT, port
    )
    env.update(NIK_KEYS, DJANGO_ALLOWED_HOSTS=f"{loopback.HOST},testserver", BENCH_CPU_HEADER="1")
    env.pop("TEST_DATABASE_URL", None)
    return env


def django_setup(env: dict, scale: str) -> dict:
    os.environ.update(env)
    datagen.database_create(f"{PREFIX}_{scale}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    info = datagen.build(scale=scale)
    from recovery.aggregates import before_after_stale, summaries_refresh, summaries_stale

    # The dashboard reads them: refresh what is stale (nothing after the dashboard bench or a
    # run of this one; everything, minutes at province scale, on a database just built).
    stale, before_after = summaries_stale(), before_after_stale()
    if stale or before_after:
        started = time.perf_counter()
        summaries_refresh(periods=stale, before_after=before_after)
        info["summaries_refresh_s"] = round(time.perf_counter() - started, 1)
    return info


def user_for(role, email: str, full_name: str):
    from django.contrib.auth import get_user_model

    from accounts.services import user_create

    user = get_user_model().objects.filter(email=email).first()
    return user or user_create(full_name=full_name, password=None, role=role, email=email)


def owner_user(owner):
    """The owner's portal account (datagen's owners have none): made once, as sign-up makes it."""
    from accounts.roles import Role

    if owner.user_id is None:
        owner.user = user_for(Role.OWNER, f"bench-pemilik-{owner.pk}@contoh.id", owner.name)
        owner.save(update_fields=["user"])
    return owner.user


def session_cookie(user) -> str:
    """A session written by login() in the server's session store (database and cache)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def unreported(count: int) -> list[tuple]:
    """``count`` (business, period) pairs: verified businesses of distinct owners and the latest
    month of datagen's range each has no report for. The last owners: the dashboard bench changes
    the first businesses, whose owners are best left without an account."""
    from django.db import connection

    from businesses.models import Business

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (b.owner_id) b.id, m.period::date
            FROM businesses_business b
            CROSS JOIN generate_series((SELECT min(period) FROM recovery_monthlyreport),
                                       (SELECT max(period) FROM recovery_monthlyreport), interval '1 month') m(period)
            WHERE b.status = 'verified'
              AND NOT EXISTS (SELECT 1 FROM recovery_monthlyreport r WHERE r.business_id = b.id AND r.period = m.period)
            ORDER BY b.owner_id DESC, m.period DESC
            LIMIT %s
            """,
            [count],
        )
        rows = cursor.fetchall()
    businesses = Business.objects.select_related("owner").in_bulk([pk for pk, _ in rows])
    return [(businesses[pk], period) for pk, period in rows]


def upcoming_session(owner_business):
    """A published session next week with 24 confirmed registrations, ``owner_business`` one of them."""
    from datetime import timedelta

    from django.utils import timezone

    from businesses.models import Business, BusinessStatus
    from trainings.models import Registration, RegistrationStatus, SessionStatus, Topic, TrainingSession

    upcoming_sessions_delete()  # left by a run that stopped half-way
    starts = (timezone.now() + timedelta(days=7)).replace(hour=2, minute=0, second=0, microsecond=0)
    session = TrainingSession(
        topic=Topic.objects.order_by("pk").first(),
        title=UPCOMING_TITLE,
        trainer="Uni Rina, Rumah Kreatif BUMN",
        venue="Aula Disnakerin, Jl. Veteran No. 70, Payakumbuh",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=30,
        status=SessionStatus.PUBLISHED,
    )
    session.full_clean()
    session.save()
    others = Business.objects.filter(status=BusinessStatus.VERIFIED).exclude(pk=owner_business.pk).order_by("pk")[:23]
    Registration.objects.bulk_create(
        Registration(session=session, business=b, participant_name=b.name[:150], status=RegistrationStatus.CONFIRMED)
        for b in [owner_business, *others]
    )
    return session


def upcoming_sessions_delete() -> None:
    """Every session upcoming_session() made, with its registrations."""
    from trainings.models import TrainingSession

    for pk in TrainingSession.objects.filter(title=UPCOMING_TITLE).values_list("pk", flat=True):
        session_delete(pk)


def session_delete(pk: int) -> None:
    from trainings.models import Registration, TrainingSession

    Registration.objects.filter(session_id=pk).delete()
    TrainingSession.objects.filter(pk=pk).delete()
    Registration.history.filter(session_id=pk).delete()  # after: deleting writes a history row too
    TrainingSession.history.filter(id=pk).delete()


def form_data(period, csrf: str = "") -> dict:
    data = {
        "period": f"{period:%Y-%m}", "turnover": "Rp 12.500.000", "workers_male": "2", "workers_female": "3",
        "production_volume": "150", "production_unit": "kg", "online_share": "25", "operating_status": "normal",
        "raw_materials": "sulit", "channel_shop": "on", "channel_whatsapp": "on", "market_city": "on",
        "health_masks": "on", "problem_capital": "on", "confirmed_unusual": "on",
    }  # fmt: skip
    if csrf:
        data["csrfmiddlewaretoken"] = csrf
    return data


def csrf_for(port: int, path: str, cookie: str) -> tuple[str, str]:
    """GET the form over HTTP as a browser does: the CSRF cookie it sets and the form's token."""
    connection = HTTPConnection(loopback.HOST, port, timeout=60)
    connection.request("GET", path, headers={"X-Forwarded-Proto": "https", "Cookie": cookie})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}, expected the form")
    from django.conf import settings

    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    return f"{settings.CSRF_COOKIE_NAME}={cookies[settings.CSRF_COOKIE_NAME].value}", html.unescape(token.group(1))


def queries_of(user, path: str, data: dict | None = None) -> tuple[int, int]:
    """(status, queries) of one request through the test client, session and user reads included."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        if data is None:
            response = client.get(path, HTTP_X_FORWARDED_PROTO="https")
        else:
            response = client.post(path, data, HTTP_X_FORWARDED_PROTO="https")
    return response.status_code, len(captured.captured_queries)


def city_pages(port: int) -> tuple[dict, callable, dict]:
    """The city's pages: {name: (entries, method, expect, user for the query count, data)} and the undo."""
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from accounts.roles import Role
    from recovery.aggregates import summaries_refresh
    from recovery.models import MonthlyReport
    from trainings.models import TrainingSession

    pairs = unreported(POST_OWNERS)
    if len(pairs) < POST_OWNERS:
        raise SystemExit(f"only {len(pairs)} verified businesses with an unreported month")
    owners = [owner_user(business.owner) for business, _ in pairs]
    business, period = pairs[0]
    owner = owners[0]
    upcoming = upcoming_session(business)
    finished = (
        TrainingSession.objects.filter(ends_at__lt=timezone.now()).annotate(n=Count("registrations")).order_by("-n", "pk").first()
    )
    staff = user_for(Role.STAFF, "bench-staf@contoh.id", "Staf Bench")
    official = user_for(Role.OFFICIAL, "bench-pejabat@contoh.id", "Pejabat Bench")
    cookie = session_cookie(owner)

    def form(b, p) -> str:
        return reverse("recovery:report-form", args=[b.pk]) + f"?periode={p:%Y-%m}"

    posts = []
    for (b, p), user in zip(pairs, owners, strict=True):
        session = session_cookie(user)
        csrf_cookie, token = csrf_for(port, form(b, p), session)
        posts.append((form(b, p), f"{session}; {csrf_cookie}", urlencode(form_data(p, token))))
    pages = {
        "owner_home": ([(reverse("businesses:mine"), cookie, "")], "GET", 200, owner, None),
        "report_form": ([(form(business, period), cookie, "")], "GET", 200, owner, None),
        "session_page": ([(reverse("trainings:session-detail", args=[upcoming.pk]), cookie, "")], "GET", 200, owner, None),
        "roster": ([(reverse("trainings:roster", args=[finished.pk]), session_cookie(staff), "")], "GET", 200, staff, None),
        "dashboard": ([(reverse("recovery:dashboard"), session_cookie(official), "")], "GET", 200, official, None),
        # Last: its reports mark the months' summaries stale, which the dashboard would show.
        # Its query count: the last owner's report, created through the test client before the load
        # (the form page's month stays unreported until the POSTs run).
        "report_post": (posts, "POST", 302, owners[-1], form_data(pairs[-1][1]), form(*pairs[-1])),
    }
    started = timezone.now()

    def undo() -> dict:
        from django.db.models import Q

        which = Q()
        for b, p in pairs:
            which |= Q(business=b, period=p)
        reports = MonthlyReport.objects.filter(which)
        written = {"reports": reports.count(), "submitted": reports.filter(submitted_at__gte=started).count()}
        reports.delete()
        MonthlyReport.history.filter(which).delete()  # after: deleting writes a history row too
        summaries_refresh(periods=sorted({p for _, p in pairs}), before_after=True)
        session_delete(upcoming.pk)
        return written

    extra = {"session_page_session": upcoming.pk, "roster_session": finished.pk, "roster_registrations": finished.n,
             "post_pairs": len(pairs)}  # fmt: skip
    return pages, undo, extra


def province_pages() -> tuple[dict, callable, dict]:
    from django.urls import reverse

    from accounts.roles import Role

    staff = user_for(Role.STAFF, "bench-staf@contoh.id", "Staf Bench")
    official = user_for(Role.OFFICIAL, "bench-pejabat@contoh.id", "Pejabat Bench")
    pages = {
        "dashboard": ([(reverse("recovery:dashboard"), session_cookie(official), "")], "GET", 200, official, None),
        "admin_businesses": (
            [(reverse("admin:businesses_business_changelist"), session_cookie(staff), "")], "GET", 200, staff, None
        ),
    }  # fmt: skip
    return pages, lambda: {}, {}


def run_scale(scale: str, seconds: int, connections: int, workers: int) -> dict:
    port = loopback.free_port()
    env = server_environment(scale, port)
    started = time.perf_counter()
    info = django_setup(env, scale)
    print(f"[{scale}] data ready in {time.perf_counter() - started:.0f} s: {info}", flush=True)
    loopback.manage(env, "collectstatic", "--noinput", "-v0")
    log = Path(f"/tmp/bench-signed-in-gunicorn-{port}.log")
    process = loopback.gunicorn_start(env, port, workers, log)
    pages, undo, extra, measured, checks = {}, lambda: {}, {}, {}, {}
    try:
        pids = loopback.gunicorn_workers(process)
        pages, undo, extra = city_pages(port) if scale == "city" else province_pages()
        from django.db import connections as db_connections

        # The query count of one request of each page, before the load (the POST's: creating the report).
        queries = {}
        for name, (entries, _method, expect, user, data, *path) in pages.items():
            status, queries[name] = queries_of(user, path[0] if path else entries[0][0], data)
            if status != expect:
                raise SystemExit(f"[{scale}] {name} {entries[0][0]}: HTTP {status} through the test client, not {expect}")
        db_connections.close_all()
        runs = [("floor", [(FLOOR, "", "")], "GET", 200)] + [(n, p[0], p[1], p[2]) for n, p in pages.items()]
        runs.append(("floor_after", [(FLOOR, "", "")], "GET", 200))
        for name, entries, method, expect in runs:
            measured[name] = measure(port, pids, entries, seconds, connections, method, expect)
            m = measured[name]
            print(f"[{scale}] {name:17} {m['rate']:7.0f} req/s  p50 {m['p50_ms']:7.1f} ms  p95 {m['p95_ms']:7.1f} ms  "
                  f"cpu {m['cpu_ms']:6.2f} ms  unexpected {m['unexpected']}  socket errors {m['socket_errors']}",
                  flush=True)  # fmt: skip
        if loopback.gunicorn_workers(process) != pids:
            raise SystemExit(f"[{scale}] a gunicorn worker was replaced during the run; see {log}")
        for name, page in pages.items():
            measured[name].update(queries=queries[name], path=page[0][0][0], method=page[1])
    finally:
        loopback.gunicorn_stop(process)
        checks = undo()
        loopback.redis_flush(CACHE_DB, BROKER_DB)
    return {"data": {k: info.get(k) for k in ("businesses", "reports", "sessions", "registrations")},
            "measured": measured, "checks": checks, **extra, "log": str(log)}  # fmt: skip


def figures(scale: str, result: dict, connections: int) -> dict:
    measured = result["measured"]
    floor = min(measured["floor"]["rate"], measured["floor_after"]["rate"])
    floor_cpu = measured["floor"]["cpu_ms"]
    section = {
        "floor_runs": [round(measured["floor"]["rate"]), round(measured["floor_after"]["rate"])],
        "floor_cpu_ms": round(floor_cpu, 2),
        "data": result["data"],
    }
    label = f"{scale} ({result['data']['businesses']} businesses), {connections} connections"
    base = measured["floor"] if measured["floor"]["rate"] == floor else measured["floor_after"]
    for name, m in measured.items():
        if name.startswith("floor"):
            continue
        target = TARGET_HEAVY if name in HEAVY else TARGET
        errors = m["unexpected"] + m["socket_errors"]
        section[name] = {
            "path": f"{m['method']} {m['path']}",
            "throughput": loopback.figure(
                m["rate"], floor, "requests/s", m["rate"] / floor, label, digits=0, requests=m["requests"],
                errors=errors, target=f"ratio >= {target}, no error", met=m["rate"] / floor >= target and not errors,
            ),
            # Latency and CPU: the ratio is page / floor (lower is better), the floor from the same runs.
            "median": loopback.figure(m["p50_ms"], base["p50_ms"], "ms", m["p50_ms"] / base["p50_ms"], label),
            "p95": loopback.figure(m["p95_ms"], base["p95_ms"], "ms", m["p95_ms"] / base["p95_ms"], label),
            "cpu": loopback.figure(m["cpu_ms"], floor_cpu, "ms", m["cpu_ms"] / floor_cpu, label, digits=2,
                                   note="Django's CPU time of one request in the gunicorn worker (bench_cpu)"),
            "queries": loopback.figure(m["queries"], 0, "queries", None, label, digits=0,
                                       note="one request, test client, session and user reads included"),
        }  # fmt: skip
    for key in ("session_page_session", "roster_session", "roster_registrations", "post_pairs", "checks"):
        if key in result:
            section[key] = result[key]
    return section


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="city,province")
    parser.add_argument("--seconds", type=int, default=6, help="wrk duration per page, after a 1 s warm-up")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2 cores)")
    parser.add_argument("--no-save", action="store_true", help="print only; leave bench/results.json alone")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = run_scale(args.child, args.seconds, args.connections, args.workers)
        Path(os.environ["BENCH_SIGNED_IN_OUT"]).write_text(json.dumps(result, default=str))
        return 0
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y --no-install-recommends wrk")

    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    section = {
        "server": f"gunicorn, {args.workers} sync workers, 127.0.0.1; settings payakumbuh_ikm.settings.prod "
        "(via bench.bench_settings); wrk 2 threads, real sessions (cached_db) and CSRF",
        "floor": f"{FLOOR}: a trivial Django view on the same gunicorn (the lower of a run before and after the pages)",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for scale in args.scales.split(","):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, __file__, "--child", scale, "--seconds", str(args.seconds),
                       "--connections", str(args.connections), "--workers", str(args.workers)]  # fmt: skip
            subprocess.run(command, cwd=ROOT, env={**os.environ, "BENCH_SIGNED_IN_OUT": out.name}, check=True)
            section[scale] = figures(scale, json.loads(Path(out.name).read_text()), args.connections)
    section["load_average"] = f"{load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end, on {os.cpu_count()} cores"
    section["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(section, indent=2, ensure_ascii=False))
    if not args.no_save:
        loopback.save(KEY, section)
        print(f"merged into {loopback.RESULTS} under '{KEY}'")
    pages = [(f"{scale}.{name}", f["throughput"]) for scale in args.scales.split(",")
             for name, f in section[scale].items() if isinstance(f, dict) and "throughput" in f]  # fmt: skip
    missed = [f"{name} at {f['ratio']}x" for name, f in pages if not f["met"] and not f["errors"]]
    if missed:
        print("target missed: " + "; ".join(missed), file=sys.stderr)
    errors = sum(f["errors"] for _, f in pages)
    if errors:
        print(f"FAILED: {errors} requests failed or answered unexpectedly", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
