"""Bench: the recovery dashboard's server time against the bare SQL of the same figures.

At each scale (bench/datagen.py: city, 2,000 businesses; province, 100,000; 36 months of
reports each) and for five filter combinations (none; one kecamatan; one sector; both; a 36-month
range), the dashboard page is requested over real HTTP from gunicorn on 127.0.0.1 (settings.prod,
2 sync workers, signed in as an official) and each response timed from the request to its last
byte. The floor, in the same run on the same data: hand-written SQL for the same figures through
a bare psycopg2 connection (the monthly series, the last month by kecamatan, by sector and
trained against untrained, verified counts, the online-marketing before/after), no Django.

Figures per scale and combination: median and 95th percentile of the page against the floor's;
at province scale also province median / city median (target at most 1.5); at city scale the
target is at most 2x the floor. The full rebuild of the summaries (recovery.aggregates) is timed
after generating the data (its own figure). Then three single changes, each through its service
(a late report for last month; deactivating a verified business; verifying a pending one), are
timed from the commit until the page shows them, the refresh being the task the change queued:
its months, its before/after, and the total, against the floor of recomputing only those months'
summaries in bare SQL (target: under 5 s at province scale). Each change is undone afterwards.

    .venv/bin/python bench/dashboard.py                     # both scales, writes results.json
    .venv/bin/python bench/dashboard.py --scales city --requests 5 --no-save

Own resources: databases bench_h2_city and bench_h2_province (kept between runs: datagen reuses
a build with the same spec; BENCH_DATA_PREFIX renames them), Redis 127.0.0.1:6379 databases 6
(cache, sessions) and 7 (broker; nothing consumes it). Results: bench/results.json "dashboard".
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]
import datagen  # noqa: E402
import loopback  # noqa: E402

RESULTS = BENCH / "results.json"
PREFIX = os.environ.get("BENCH_DATA_PREFIX", "bench_h2")
REDIS = os.environ.get("BENCH_H2_REDIS", "redis://127.0.0.1:6379")
CACHE_DB, BROKER_DB = 6, 7
HOST = "127.0.0.1"
STATIC_ROOT = f"/tmp/payakumbuh-{PREFIX}-static"
CITY_TARGET = 2.0  # dashboard / floor at city scale
GROWTH_TARGET = 1.5  # province time / city time


def database(scale: str) -> str:
    return f"{PREFIX}_{scale}"


def server_environment(scale: str) -> dict:
    """settings.prod on this bench's database and Redis databases; the NIK keys are the ones
    datagen encrypted with (the development defaults), so both read the same rows."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "payakumbuh_ikm.settings.prod",
        "DATABASE_URL": f"{datagen.server_url()}/{database(scale)}",
        "REDIS_URL": f"{REDIS}/{CACHE_DB}",
        "CACHE_URL": f"{REDIS.replace('redis://', 'rediscache://')}/{CACHE_DB}",
        "CELERY_BROKER_URL": f"{REDIS}/{BROKER_DB}",
        "DJANGO_SECRET_KEY": "bench-dashboard-secret-key-not-for-production-0123456789",
        "NIK_ENCRYPTION_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1uaWsta2V5LTAwMDAwMDA=",
        "NIK_HASH_KEY": "development-only-nik-hash-key",
        "DJANGO_ALLOWED_HOSTS": f"{HOST},testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "False",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_STATIC_ROOT": STATIC_ROOT,
        "DJANGO_LOG_LEVEL": "WARNING",
        "SITE_URL": f"https://{HOST}",
        "EMAIL_URL": "consolemail://",
    }


def django_setup(scale: str) -> None:
    os.environ.update(server_environment(scale))
    datagen.database_create(database(scale))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- The portal's summaries (pre-aggregation), where they exist ------------------------------


def summaries_refresh():
    """Run the portal's full refresh of its dashboard summaries, if it has one; returns the
    function's name or None."""
    try:
        from recovery import aggregates
    except ImportError:
        return None
    for name in ("summaries_refresh", "summaries_rebuild", "refresh_all"):
        refresh = getattr(aggregates, name, None)
        if callable(refresh):
            try:
                refresh(full=True)
            except TypeError:
                refresh()
            return name
    return None


def summaries_are_stale() -> bool:
    try:
        from recovery.aggregates import summaries_stale
    except ImportError:
        return False
    return bool(summaries_stale())


# --- The floor: hand-written SQL --------------------------------------------------------------

_AGG = """
    count(*) AS reported,
    count(*) FILTER (WHERE r.no_activity) AS no_activity_reports,
    count(*) FILTER (WHERE act) AS with_activity,
    count(*) FILTER (WHERE act AND NOT shut) AS active,
    count(*) FILTER (WHERE act AND shut) AS closed,
    count(*) FILTER (WHERE act AND NOT shut AND r.turnover >= b.turnover_2019) AS recovered,
    count(*) FILTER (WHERE act AND NOT shut AND r.turnover < b.turnover_2019
                     AND r.turnover * 2 >= b.turnover_2019) AS recovering,
    count(*) FILTER (WHERE act AND NOT shut AND r.turnover * 2 < b.turnover_2019) AS struggling,
    count(*) FILTER (WHERE act AND r.online_share > 0) AS online,
    count(*) FILTER (WHERE act AND r.raw_materials IN ('sulit', 'tidak_ada')) AS raw_difficult,
    sum(r.workers_male + r.workers_female) FILTER (WHERE act) AS jobs,
    sum(b.workers_male + b.workers_female) FILTER (WHERE act) AS jobs_baseline,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY r.turnover::float8 / nullif(b.turnover_2019, 0)::float8)
        FILTER (WHERE act AND b.turnover_2019 > 0) AS median_index
"""
_FROM = """
    FROM recovery_monthlyreport r
    JOIN businesses_business b ON b.id = r.business_id
    JOIN businesses_kelurahan kel ON kel.id = b.kelurahan_id
    JOIN businesses_kbli k ON k.id = b.kbli_id
    CROSS JOIN LATERAL (SELECT NOT r.no_activity AND r.status <> 'dikembalikan' AS act,
                               r.operating_status IN ('tutup_sementara', 'tutup_permanen') AS shut) f
    WHERE b.status = 'verified' {scope}
"""
_TRAINED = """EXISTS (SELECT 1 FROM trainings_attendance a
    JOIN trainings_registration g ON g.id = a.registration_id
    JOIN trainings_trainingsession s ON s.id = g.session_id
    WHERE g.business_id = b.id AND s.status = 'finished')"""


def floor_queries(*, start, end, kecamatan_id, division) -> list[tuple[str, dict]]:
    """The same figures the dashboard shows, as few plain SQL statements as it takes."""
    scope = ""
    if kecamatan_id:
        scope += " AND kel.kecamatan_id = %(kecamatan)s"
    if division:
        scope += " AND k.code LIKE %(division)s"
    params = {"start": start, "end": end, "kecamatan": kecamatan_id, "division": f"{division}%"}
    reports = _FROM.format(scope=scope)
    month_number = "(extract(year FROM {0}) * 12 + extract(month FROM {0}))"
    return [
        (f"SELECT r.period, {_AGG} {reports} AND r.period BETWEEN %(start)s AND %(end)s GROUP BY r.period", params),
        (f"SELECT kel.kecamatan_id, {_AGG} {reports} AND r.period = %(end)s GROUP BY 1", params),
        (f"SELECT substr(k.code, 1, 2), {_AGG} {reports} AND r.period = %(end)s GROUP BY 1", params),
        (f"SELECT {_TRAINED} AS trained, {_AGG} {reports} AND r.period = %(end)s GROUP BY 1", params),
        (
            f"""SELECT kel.kecamatan_id, substr(k.code, 1, 2), {_TRAINED}, count(*)
            FROM businesses_business b JOIN businesses_kelurahan kel ON kel.id = b.kelurahan_id
            JOIN businesses_kbli k ON k.id = b.kbli_id WHERE b.status = 'verified' {scope} GROUP BY 1, 2, 3""",
            params,
        ),
        (
            f"""WITH first AS (
                SELECT g.business_id, min({month_number.format("s.starts_at AT TIME ZONE 'Asia/Jakarta'")}) AS month
                FROM trainings_attendance a JOIN trainings_registration g ON g.id = a.registration_id
                JOIN trainings_trainingsession s ON s.id = g.session_id JOIN trainings_topic t ON t.id = s.topic_id
                WHERE s.status = 'finished' AND t.slug = 'pemasaran-online' GROUP BY 1
            ), per AS (
                SELECT r.business_id,
                    avg(r.online_share) FILTER (WHERE o.off < 0) AS online_before,
                    avg(r.online_share) FILTER (WHERE o.off > 0) AS online_after,
                    avg(r.turnover::float8 / nullif(b.turnover_2019, 0)) FILTER (WHERE o.off < 0) AS index_before,
                    avg(r.turnover::float8 / nullif(b.turnover_2019, 0)) FILTER (WHERE o.off > 0) AS index_after
                FROM recovery_monthlyreport r
                JOIN first fm ON fm.business_id = r.business_id
                JOIN businesses_business b ON b.id = r.business_id
                JOIN businesses_kelurahan kel ON kel.id = b.kelurahan_id
                JOIN businesses_kbli k ON k.id = b.kbli_id
                CROSS JOIN LATERAL (SELECT {month_number.format("r.period")} - fm.month AS off) o
                WHERE b.status = 'verified' {scope} AND NOT r.no_activity AND r.status <> 'dikembalikan'
                  AND o.off BETWEEN -3 AND 3 AND o.off <> 0
                GROUP BY 1
            ) SELECT count(*), avg(online_before), avg(online_after), avg(index_before), avg(index_after) FROM per
              WHERE online_before IS NOT NULL AND online_after IS NOT NULL""",
            params,
        ),
    ]


def floor_time(connection, queries) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in queries:
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - started


# --- HTTP ---------------------------------------------------------------------------------------


def get(port: int, path: str, cookie: str) -> tuple[int, float, bytes]:
    started = time.perf_counter()
    connection = HTTPConnection(HOST, port, timeout=300)
    connection.request("GET", path, headers={"Cookie": cookie, "X-Forwarded-Proto": "https", "Host": HOST})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, time.perf_counter() - started, body


# --- One scale (a child process: Django is set up once per database) ------------------------


def official_cookie() -> tuple:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.roles import GROUP_NAMES, Role

    user, _created = get_user_model().objects.get_or_create(
        email="bench-pejabat@contoh.id", defaults={"full_name": "Pejabat Bench"}
    )
    user.groups.add(Group.objects.get(name=GROUP_NAMES[Role.OFFICIAL]))
    client = Client()
    client.force_login(user)
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}", user


def combinations(end) -> dict[str, dict]:
    """name -> (query string values, floor scope). The kecamatan with most businesses, the food
    sector (the largest), and a 36-month range."""
    from django.db.models import Count

    from businesses.models import Business
    from recovery.selectors import month_add

    kecamatan_id = Business.objects.values_list("kelurahan__kecamatan_id").annotate(n=Count("pk")).order_by("-n").first()[0]
    start12, start36 = month_add(end, -11), month_add(end, -35)
    return {
        "none": {"query": {}, "start": start12, "kecamatan": None, "division": None},
        "kecamatan": {"query": {"kecamatan": kecamatan_id}, "start": start12, "kecamatan": kecamatan_id, "division": None},
        "sector": {"query": {"sektor": "10"}, "start": start12, "kecamatan": None, "division": "10"},
        "kecamatan_sector": {
            "query": {"kecamatan": kecamatan_id, "sektor": "10"},
            "start": start12,
            "kecamatan": kecamatan_id,
            "division": "10",
        },
        "range_36": {
            "query": {"dari": f"{start36:%Y-%m}", "sampai": f"{end:%Y-%m}"},
            "start": start36,
            "kecamatan": None,
            "division": None,
        },
    }


def run_scale(scale: str, requests: int, budget: float) -> dict:
    django_setup(scale)
    import psycopg2
    from django.db import connection

    info = datagen.build(scale=scale)
    print(f"[{scale}] data: {info}", flush=True)
    result: dict = {"data": {k: info[k] for k in ("businesses", "reports", "sessions", "registrations", "attendance")}}
    result["data"]["build_seconds"] = info["seconds"]
    result["data"]["reused"] = info["reused"]

    # A full rebuild at city scale, and at province scale after each new build (or whenever a
    # month is stale: about 7 minutes on the shared machine); otherwise the province keeps the
    # time measured when its build was made.
    if not info["reused"] or scale == "city" or summaries_are_stale():
        started = time.perf_counter()
        refresher = summaries_refresh()
        if refresher:
            result["refresh_full_s"] = round(time.perf_counter() - started, 3)
            datagen.remember(refresh_full_s=result["refresh_full_s"])
            print(f"[{scale}] {refresher}: {result['refresh_full_s']} s", flush=True)
    elif "refresh_full_s" in info:
        result["refresh_full_s"] = info["refresh_full_s"]
        result["refresh_full_reused"] = True

    from recovery.selectors import period_default

    end = period_default()
    cookie, user = official_cookie()
    combos = combinations(end)
    connection.close()

    floor_connection = psycopg2.connect(f"{datagen.server_url()}/{database(scale)}")
    floor_connection.autocommit = True
    with floor_connection.cursor() as cursor:
        # Room to sort a month's reports for the medians in memory: the floor at its best.
        cursor.execute("SET work_mem = '256MB'")
    port = loopback.free_port()
    log = Path(tempfile.gettempdir()) / f"bench-dashboard-gunicorn-{port}.log"
    server = loopback.gunicorn_start(server_environment(scale), port, 2, log)
    # The city's pages again, in the same minutes as these: the machine's load moves from minute
    # to minute, and "province no slower than 1.5x the city" compares the two under the same load.
    city = json.loads(os.environ.get("BENCH_H2_CITY", "null")) if scale != "city" else None
    city_server = city_port = None
    if city:
        city_port = loopback.free_port()
        city_log = Path(tempfile.gettempdir()) / f"bench-dashboard-gunicorn-{city_port}.log"
        city_server = loopback.gunicorn_start(server_environment("city"), city_port, 2, city_log)
    warm = False
    try:
        for name, combo in combos.items():
            path = "/pemulihan/dasbor/" + (f"?{urlencode(combo['query'])}" if combo["query"] else "")
            queries = floor_queries(start=combo["start"], end=end, kecamatan_id=combo["kecamatan"], division=combo["division"])
            for _ in range(2):  # each gunicorn worker's first request
                status, _seconds, body = get(port, path, cookie)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}:\n{body[:2000]!r}\n{log.read_text()[-3000:]}")
            if not warm:  # the first floor reads the tables into the cache; later ones find them there
                floor_time(floor_connection, queries)
                warm = True
            pages, floors, city_pages = [], [], []
            if city:
                for _ in range(2):
                    get(city_port, city[name]["path"], city["cookie"])
            deadline = time.monotonic() + budget
            while len(pages) < requests and (len(pages) < 3 or time.monotonic() < deadline):
                status, seconds, _body = get(port, path, cookie)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
                pages.append(seconds)
                if city:
                    status, seconds, _body = get(city_port, city[name]["path"], city["cookie"])
                    if status != 200:
                        raise SystemExit(f"city {city[name]['path']} answered {status}")
                    city_pages.append(seconds)
            # Fewer floor runs where each is slow (the bare aggregate at province scale): at
            # least three, or one where the first took more than a third of the budget.
            deadline = time.monotonic() + budget
            floors.append(floor_time(floor_connection, queries))
            least = 3 if floors[0] < budget / 3 else 1
            while len(floors) < requests and (len(floors) < least or time.monotonic() < deadline):
                floors.append(floor_time(floor_connection, queries))
            result[name] = {
                "requests": len(pages),
                "floor_runs": len(floors),
                "median_ms": round(statistics.median(pages) * 1000, 1),
                "p95_ms": round(loopback.percentile(pages, 0.95) * 1000, 1),
                "floor_median_ms": round(statistics.median(floors) * 1000, 1),
                "floor_p95_ms": round(loopback.percentile(floors, 0.95) * 1000, 1),
                "path": path,
            }
            if city_pages:
                result[name]["city_median_ms"] = round(statistics.median(city_pages) * 1000, 1)
            print(f"[{scale}] {name}: {result[name]}", flush=True)
    finally:
        loopback.gunicorn_stop(server)
        if city_server:
            loopback.gunicorn_stop(city_server)
        floor_connection.close()

    result["cookie"] = cookie  # for the city pages measured beside the province's
    result["queries"] = dashboard_queries(user)
    result["changes"], result["cells_first_read"] = changes(user, f"{datagen.server_url()}/{database(scale)}")
    return result


def dashboard_queries(user) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/pemulihan/dasbor/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200, response.status_code
    # The session and user reads of the signed-in request are part of the page's cost.
    return len(queries.captured_queries)


# --- Refresh after one change -----------------------------------------------------------------

# Issue 11: from the commit of one change to the dashboard showing it, at province scale.
CHANGE_TARGET_S = 5.0
FLOOR_RUNS = 3

# One month's summaries in bare SQL: the same counts, sums and median index per kecamatan x KBLI
# division x trained, with every roll-up (GROUP BY CUBE: the eight slices each cell counts in),
# of the reports of businesses in the programme that month; then the businesses in the
# programme per slice. measures.py defines each condition.
_MONTH_TRAINED = """trained AS (
    SELECT DISTINCT g.business_id FROM trainings_attendance a
    JOIN trainings_registration g ON g.id = a.registration_id
    JOIN trainings_trainingsession s ON s.id = g.session_id
    WHERE s.status = 'finished' AND s.starts_at < %(start)s)"""
_MONTH_SLICE = """FROM businesses_business b
    JOIN businesses_kelurahan kel ON kel.id = b.kelurahan_id
    JOIN businesses_kbli k ON k.id = b.kbli_id
    LEFT JOIN trained t ON t.business_id = b.id"""
_MONTH_PROGRAMME = "b.verified_at < %(next)s AND (b.deactivated_at IS NULL OR b.deactivated_at >= %(start)s)"
_MONTH_CUBE = "GROUP BY CUBE (kel.kecamatan_id, substr(k.code, 1, 2), t.business_id IS NOT NULL)"
MONTH_FLOOR = [
    f"""WITH {_MONTH_TRAINED}
    SELECT kel.kecamatan_id, substr(k.code, 1, 2), t.business_id IS NOT NULL,
        GROUPING(kel.kecamatan_id, substr(k.code, 1, 2), t.business_id IS NOT NULL) AS rollup,
        count(*) AS reported,
        count(*) FILTER (WHERE r.status = 'dikembalikan') AS returned,
        count(*) FILTER (WHERE r.no_activity AND r.status <> 'dikembalikan') AS no_activity_reports,
        count(*) FILTER (WHERE act) AS with_activity,
        count(*) FILTER (WHERE act AND NOT shut) AS active,
        count(*) FILTER (WHERE act AND shut) AS closed,
        count(*) FILTER (WHERE act AND NOT shut AND b.turnover_2019 > 0 AND r.turnover >= b.turnover_2019) AS recovered,
        count(*) FILTER (WHERE act AND NOT shut AND b.turnover_2019 > 0 AND r.turnover < b.turnover_2019
                         AND r.turnover * 2 >= b.turnover_2019) AS recovering,
        count(*) FILTER (WHERE act AND NOT shut AND b.turnover_2019 > 0 AND r.turnover * 2 < b.turnover_2019) AS struggling,
        count(*) FILTER (WHERE act AND NOT shut AND NOT coalesce(b.turnover_2019 > 0, false)) AS no_baseline,
        count(*) FILTER (WHERE act AND r.online_share > 0) AS online,
        count(*) FILTER (WHERE act AND r.raw_materials IN ('sulit', 'tidak_ada')) AS raw_difficult,
        sum(r.workers_male + r.workers_female) FILTER (WHERE act) AS jobs,
        sum(b.workers_male + b.workers_female) FILTER (WHERE act) AS jobs_registered,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY r.turnover::float8 / b.turnover_2019::float8)
            FILTER (WHERE act AND b.turnover_2019 > 0) AS median_index
    {_MONTH_SLICE}
    JOIN recovery_monthlyreport r ON r.business_id = b.id
    CROSS JOIN LATERAL (SELECT NOT r.no_activity AND r.status <> 'dikembalikan' AS act,
                               r.operating_status IN ('tutup_sementara', 'tutup_permanen') AS shut) f
    WHERE r.period = %(period)s AND {_MONTH_PROGRAMME}
    {_MONTH_CUBE}""",
    f"""WITH {_MONTH_TRAINED}
    SELECT kel.kecamatan_id, substr(k.code, 1, 2), t.business_id IS NOT NULL,
        GROUPING(kel.kecamatan_id, substr(k.code, 1, 2), t.business_id IS NOT NULL) AS rollup, count(*)
    {_MONTH_SLICE}
    WHERE {_MONTH_PROGRAMME}
    {_MONTH_CUBE}""",
]
CITY_ROLLUP = 7  # GROUPING() of the row that rolls up every column: the whole city


def month_floor(connection, periods) -> tuple[float, dict]:
    """Recompute the summaries of ``periods`` in bare SQL (``MONTH_FLOOR``); returns the seconds
    and the city's figures of the last month, to check the floor computes what the portal does."""
    from recovery.measures import month_add, month_start

    city: dict = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for period in periods:
            params = {"period": period, "start": month_start(period), "next": month_start(month_add(period, 1))}
            cursor.execute(MONTH_FLOOR[0], params)
            names = [column.name for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            cursor.execute(MONTH_FLOOR[1], params)
            programme = cursor.fetchall()
            city = next((row for row in rows if row["rollup"] == CITY_ROLLUP), {"reported": 0, "median_index": None})
            city["verified"] = next((row[4] for row in programme if row[3] == CITY_ROLLUP), 0)
    return time.perf_counter() - started, city


def changes(user, floor_url: str) -> dict:
    """Three single changes made through their services, each timed from its commit until the
    dashboard (the test client, signed in as the official) shows it, the refresh being exactly
    the task the change queued after its commit, run here as a worker would: a late report for
    last month (``report_submit``), deactivating a verified business today and verifying a
    pending one (``businesses_set_status``). Each change is undone afterwards and the months it
    touched refreshed again; the before/after once more at the end if they differ from what they
    were before the first change, so the next run finds the same data and summaries."""
    import psycopg2
    from django.db import transaction
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from businesses.models import Business, BusinessStatus
    from businesses.services import businesses_set_status
    from notifications.models import Message
    from recovery import aggregates, measures, tasks
    from recovery.models import FigureSummary, MonthlyReport, current_period
    from recovery.selectors import period_default, period_parse
    from recovery.services import report_submit
    from trainings.models import Attendance, Registration, RegistrationStatus, SessionStatus, Topic, TrainingSession
    from trainings.notices import sessions_finish
    from trainings.services import attendance_check_in

    setup_test_environment()  # the test client then keeps each response's template context
    client = Client()
    client.force_login(user)
    floor_connection = psycopg2.connect(floor_url)
    floor_connection.autocommit = True
    with floor_connection.cursor() as cursor:
        cursor.execute("SET work_mem = '256MB'")  # as the page's floor: the month's sort in memory
    last, this = period_default(), current_period()
    started_at = timezone.now()

    def page(period) -> dict:
        response = client.get("/pemulihan/dasbor/", {"sampai": f"{period:%Y-%m}"}, HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 200, response.status_code
        return response.context["data"]

    def fresh() -> None:
        stale = aggregates.summaries_stale()
        if stale:
            aggregates.summaries_refresh(periods=stale, before_after=False)
        if aggregates.before_after_stale():
            aggregates.before_after_refresh()

    def before_after_rows() -> list:
        fields = [field.attname for field in FigureSummary._meta.fields if field.attname != "id"]
        return sorted(FigureSummary.objects.filter(period__isnull=True).values_list(*fields), key=repr)

    business_fields = ("status", "rejection_reason", "status_changed_at", "status_changed_by_id", "verified_at",
                       "deactivated_at", "updated_at")  # fmt: skip

    def status_undo(business) -> None:
        """Put the business back exactly as it was (an update writes no history and marks no
        month; the months are refreshed after), and drop the owner's message about it."""
        Business.objects.filter(pk=business.pk).update(**{f: getattr(business, f) for f in business_fields})
        Business.history.filter(id=business.pk, history_date__gte=started_at).delete()
        Message.objects.filter(key__startswith=f"business-status:{business.pk}:", created_at__gte=started_at).delete()

    def measure(name: str, period, figure: str, change, undo, expected_delta: int) -> dict:
        """Make ``change`` (a service call that commits; returns what ``undo`` takes and the
        ids of the businesses it changed), then refresh and read the page."""
        fresh()
        before = page(period)["city"][figure]
        queued: list = []

        def capture(_task, months, before_after=False):  # what the change would enqueue on commit
            transaction.on_commit(lambda: queued.append((time.perf_counter(), months, before_after)))

        with mock.patch("recovery.services.enqueue_on_commit", capture):
            undo_with, business_ids = change()
        try:
            return measured(name, period, figure, queued, before, expected_delta)
        finally:
            undo(undo_with)
            if queued:
                # The undo writes past the services: mark what it changed as they would, then
                # refresh the months and patch the before/after back (timed: the same work).
                periods = [period_parse(m) for m in queued[0][1]]
                aggregates.summaries_mark_changed(periods, business_ids)
                aggregates.summaries_refresh(periods=periods, before_after=False)
                began = time.perf_counter()
                aggregates.before_after_refresh()
                print(f"  {name}: undone, before/after patched back in {time.perf_counter() - began:.3f} s", flush=True)

    def measured(name: str, period, figure: str, queued: list, before: int, expected_delta: int) -> dict:
        if not queued and not expected_delta:  # a change no computed figure sees yet: nothing to redo
            began = time.perf_counter()
            data = page(period)
            stale = {
                "months": [f"{p:%Y-%m}" for p in aggregates.summaries_stale()],
                "before_after": aggregates.before_after_stale(),
            }
            results[name] = {
                "load_average": round(os.getloadavg()[0], 1),
                "months": [], "before_after_queued": False, "nothing_queued": True, "stale_after_commit": stale,
                "page_updating_after_commit": data["freshness"].updating, "page_updating_after_refresh": data["freshness"].updating,
                "figure": f"{figure}, {period:%Y-%m}", "before": before, "after": data["city"][figure], "expected": before,
                "ok": data["city"][figure] == before and not stale["months"] and not stale["before_after"],
                "months_s": 0.0, "before_after_s": None, "page_s": round(time.perf_counter() - began, 3),
                "total_s": 0.0, "floor_s": None, "floor_matches": None,
            }  # fmt: skip
            print(f"  {name}: nothing queued, {results[name]}", flush=True)
            return results[name]
        if len(queued) != 1:
            raise SystemExit(f"{name}: the change queued {len(queued)} refresh tasks, not one")
        committed, months, before_after = queued[0]
        probe = time.perf_counter()  # what the change marked, and the page meanwhile (not timed)
        stale = {"months": [f"{p:%Y-%m}" for p in aggregates.summaries_stale()], "before_after": aggregates.before_after_stale()}
        updating = page(period)["freshness"].updating
        probe = time.perf_counter() - probe

        parts: dict[str, float] = {"months": 0.0, "before_after": 0.0}
        refresh = aggregates.summaries_refresh

        def timed(periods=None, *, before_after=None):
            began = time.perf_counter()
            filled = refresh(periods, before_after=before_after)
            parts["before_after" if before_after else "months"] += time.perf_counter() - began
            return filled

        patch_before_after = aggregates.before_after_refresh

        def timed_patch():
            began = time.perf_counter()
            patch_before_after()
            parts["before_after"] += time.perf_counter() - began

        with (
            mock.patch.object(aggregates, "summaries_refresh", timed),
            mock.patch.object(aggregates, "before_after_refresh", timed_patch),
        ):
            tasks.summaries_refresh_task(months, before_after)
        shown = time.perf_counter()
        data = page(period)
        done = time.perf_counter()
        after, still_updating = data["city"][figure], data["freshness"].updating
        total = done - committed - probe
        floors, city = [], {}
        for _ in range(FLOOR_RUNS):
            seconds, city = month_floor(floor_connection, [period_parse(m) for m in months])
            floors.append(seconds)
        row = data["city"]
        median = city.get("median_index")
        floor_matches = (
            city.get("reported", 0) == row["reported"]
            and city.get("verified") == row["verified"]
            and (median is None) == (row["median_index"] is None)
            and (median is None or abs(median - row["median_index"]) < 1e-9)
        )
        results[name] = {
            "load_average": round(os.getloadavg()[0], 1),
            "months": months,
            "before_after_queued": before_after,
            "stale_after_commit": stale,
            "page_updating_after_commit": updating,
            "page_updating_after_refresh": still_updating,
            "figure": f"{figure}, {period:%Y-%m}",
            "before": before,
            "after": after,
            "expected": before + expected_delta,
            "ok": after == before + expected_delta and not (before_after and still_updating),
            "months_s": round(parts["months"], 3),
            "before_after_s": round(parts["before_after"], 3) if before_after else None,
            "page_s": round(done - shown, 3),
            "total_s": round(total, 3),
            "floor_s": round(statistics.median(floors), 3),
            "floor_matches": floor_matches,
        }
        print(f"  {name}: {results[name]}", flush=True)
        return results[name]

    results: dict = {}
    fresh()
    # A worker reads every before/after cell on its first refresh and only the cells rewritten
    # since on the next ones (aggregates._CACHE): this one has run before. Its first read, timed.
    aggregates._CACHE.clear()  # as a worker just started (this process may have read them already)
    began = time.perf_counter()
    aggregates._views()
    first_read = {"value": round(time.perf_counter() - began, 3), "load_average": round(os.getloadavg()[0], 1)}
    before_after_before = before_after_rows()
    try:
        # 1. A late report for last month, by the official, for a business in the programme then.
        business = (
            Business.objects.filter(status=BusinessStatus.VERIFIED)
            .filter(measures.in_programme(last))
            .exclude(recovery_reports__period=last)
            .order_by("pk")
            .first()
        )

        def report_change():
            report = report_submit(
                business=business, period=last, actor=user, confirmed_unusual=True,
                data={"turnover": business.turnover_2019, "workers_male": 1, "workers_female": 1, "online_share": 10,
                      "operating_status": "normal", "raw_materials": "normal"},
            )  # fmt: skip
            return report, [business.pk]

        def report_undo(report):
            MonthlyReport.objects.filter(pk=report.pk).delete()
            MonthlyReport.history.filter(id=report.pk).delete()

        measure("late_report", last, "reported", report_change, report_undo, 1)

        # 2. Deactivating a verified business today: it counts to the end of this month
        # (measures.in_programme), so no computed figure changes and nothing is queued.
        business = Business.objects.filter(status=BusinessStatus.VERIFIED, deactivated_at__isnull=True).order_by("pk").first()

        def deactivate():
            businesses_set_status(business_ids=[business.pk], status=BusinessStatus.INACTIVE, actor=user)
            return business, [business.pk]

        measure("deactivate", this, "verified", deactivate, status_undo, 0)

        # 3. Verifying a pending business: it counts from this month.
        business = (
            Business.objects.filter(status=BusinessStatus.PENDING, verified_at__isnull=True, deactivated_at__isnull=True)
            .order_by("pk")
            .first()
        )

        def verify():
            businesses_set_status(business_ids=[business.pk], status=BusinessStatus.VERIFIED, actor=user)
            return business, [business.pk]

        measure("verify", this, "verified", verify, status_undo, 1)

        # 4. A check-in at today's online-marketing session, closed an hour ago: the business
        # is trained from next month, and leaves the comparison group of the last cohorts.
        now = timezone.now()
        topic = Topic.objects.get(slug=aggregates.ONLINE_MARKETING_TOPIC)
        untrained = (
            Business.objects.filter(status=BusinessStatus.VERIFIED, recovery_reports__period=last)
            .exclude(training_registrations__isnull=False)
            .order_by("pk")
        )

        def session_today(status):
            return TrainingSession.objects.create(
                topic=topic, title="Bench: pemasaran online", trainer="Bench", venue="Aula Disnakerin",
                starts_at=now - timedelta(hours=4), ends_at=now - timedelta(hours=1), capacity=30, status=status,
            )  # fmt: skip

        def session_undo(session) -> None:
            Attendance.objects.filter(registration__session=session).delete()
            Registration.objects.filter(session=session).delete()
            session.delete()

        def attend():
            session = session_today(SessionStatus.FINISHED)
            business = untrained.first()
            registration = Registration.objects.create(
                session=session, business=business, participant_name="Peserta bench", status=RegistrationStatus.CONFIRMED
            )
            attendance_check_in(registration=registration, actor=user)
            return session, [business.pk]

        measure("attendance", this, "verified", attend, session_undo, 0)

        # 5. Closing today's session that ended an hour ago, 20 attendees checked in.
        def finish():
            session = session_today(SessionStatus.PUBLISHED)
            attendees = list(untrained[:20])
            for business in attendees:
                registration = Registration.objects.create(
                    session=session, business=business, participant_name="Peserta bench", status=RegistrationStatus.CONFIRMED
                )
                Attendance.objects.create(registration=registration, method="roster")
            sessions_finish(now=timezone.now())
            return session, [business.pk for business in attendees]

        measure("session_finish", this, "verified", finish, session_undo, 0)
    finally:
        # The before/after were last computed with a change in place: where that moved them (or
        # a change failed halfway), compute them again on the data as it was.
        if aggregates.summaries_stale() or aggregates.before_after_stale() or before_after_rows() != before_after_before:
            print("  before/after differ from before the changes: refreshed again", flush=True)
            aggregates.summaries_refresh(periods=[last, this], before_after=True)
        floor_connection.close()
        import redis  # the owners' messages queued by the status changes: nobody consumes this broker

        redis.Redis.from_url(f"{REDIS}/{BROKER_DB}").flushdb()
    return results, first_read


# --- The whole run ---------------------------------------------------------------------------


def change_figures(change: dict, scale: str) -> dict:
    """One change's refresh as figures: months, before/after and total against the floor of
    recomputing the change's months in bare SQL."""
    floor = change["floor_s"]

    def figure(value, **extra) -> dict:
        return {"value": value, "unit": "s", "floor": floor, "scale": scale, **extra,
                "ratio": round(value / floor, 1) if floor and value is not None else None}  # fmt: skip

    total = figure(change["total_s"], note="commit to the page showing the change: the queued task, then the page",
                   load_average=change.get("load_average"))  # fmt: skip
    if scale == "province":
        total |= {"target": f"< {CHANGE_TARGET_S:g} s at province scale", "met": change["total_s"] < CHANGE_TARGET_S}
    before_after = figure(change["before_after_s"])
    if change.get("nothing_queued"):
        total["note"] = before_after["note"] = "no computed figure changes: nothing marked, nothing queued"
    elif not change["before_after_queued"]:
        before_after |= {"floor": None, "ratio": None, "note": "marked stale, not queued: the beat's sweep redoes it"}
    checks = ("months", "before_after_queued", "stale_after_commit", "page_updating_after_commit",
              "page_updating_after_refresh", "figure", "before", "after", "expected", "ok", "page_s", "floor_matches")  # fmt: skip
    return {
        "total": total,
        "months": figure(change["months_s"]),
        "before_after": before_after,
        "check": {key: change[key] for key in checks},
    }


def figures(results: dict) -> dict:
    section: dict = {}
    city = results.get("city", {})
    for scale, result in results.items():
        scale_figures: dict = {"data": result["data"]}
        for name, row in result.items():
            if not isinstance(row, dict) or "median_ms" not in row:
                continue
            median_ratio = row["median_ms"] / row["floor_median_ms"] if row["floor_median_ms"] else None
            scale_figures[name] = {
                "median": {"value": row["median_ms"], "unit": "ms", "floor": row["floor_median_ms"],
                           "ratio": round(median_ratio, 2) if median_ratio else None, "scale": scale,
                           "requests": row["requests"], "path": row["path"]},
                "p95": {"value": row["p95_ms"], "unit": "ms", "floor": row["floor_p95_ms"],
                        "ratio": round(row["p95_ms"] / row["floor_p95_ms"], 2) if row["floor_p95_ms"] else None,
                        "scale": scale},
            }  # fmt: skip
            if scale == "city":
                scale_figures[name]["median"]["target"] = f"ratio <= {CITY_TARGET}"
                scale_figures[name]["median"]["met"] = median_ratio is not None and median_ratio <= CITY_TARGET
            elif name in city:
                city_median = row.get("city_median_ms") or city[name]["median_ms"]
                growth = row["median_ms"] / city_median
                scale_figures[name]["vs_city"] = {
                    "value": row["median_ms"], "unit": "ms", "floor": city_median, "ratio": round(growth, 2),
                    "scale": scale, "target": f"ratio <= {GROWTH_TARGET}", "met": growth <= GROWTH_TARGET,
                    "note": "floor: the city median of the same page, requested alternately with the province's"
                    if "city_median_ms" in row else "floor: the city median of the same page (city run)",
                }  # fmt: skip
        if "refresh_full_s" in result:
            scale_figures["refresh_full"] = {
                "value": result["refresh_full_s"],
                "unit": "s",
                "floor": None,
                "ratio": None,
                "scale": scale,
                "note": "measured when this build was made" if result.get("refresh_full_reused") else "measured in this run",
            }
        scale_figures["queries"] = result["queries"]
        scale_figures["refresh_after_change"] = {
            name: change_figures(change, scale) for name, change in result["changes"].items()
        }
        if result.get("cells_first_read"):
            scale_figures["refresh_after_change"]["worker_first_read"] = {
                "value": result["cells_first_read"]["value"], "unit": "s", "floor": None, "ratio": None, "scale": scale,
                "load_average": result["cells_first_read"]["load_average"],
                "note": "added once to a worker's first before/after refresh: reading every cell (later ones read the cells rewritten)",
            }  # fmt: skip
        section[scale] = scale_figures
    return section


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="city,province")
    parser.add_argument("--requests", type=int, default=15, help="timed requests per filter combination")
    # 8 s: the medians of the 15 pages move less than the machine's load does; make bench's 15 minutes.
    parser.add_argument("--budget", type=float, default=8, help="seconds per combination before stopping early (3 at least)")
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument(
        "--changes-only", action="store_true",
        help="time only the refresh after each change (data and summaries as they are); keep the page figures saved",
    )  # fmt: skip
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.changes_only:
            django_setup(args.child)
            # The data as run_scale builds it (at once when the database already holds it), and
            # summaries filled: the changes are timed against a fresh dashboard.
            info = datagen.build(scale=args.child)
            if not info["reused"] or summaries_are_stale():
                summaries_refresh()
            _cookie, user = official_cookie()
            result = {}
            result["changes"], result["cells_first_read"] = changes(user, f"{datagen.server_url()}/{database(args.child)}")
        else:
            result = run_scale(args.child, args.requests, args.budget)
        Path(os.environ["BENCH_H2_OUT"]).write_text(json.dumps(result, default=str))
        return 0

    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=server_environment("city"), check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    results = {}
    for scale in args.scales.split(","):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, __file__, "--child", scale, "--requests", str(args.requests), "--budget", str(args.budget)]
            command += ["--changes-only"] if args.changes_only else []
            env = {**os.environ, "BENCH_H2_OUT": out.name}
            if scale != "city" and "city" in results:
                env["BENCH_H2_CITY"] = json.dumps(results["city"])
            subprocess.run(command, cwd=ROOT, env=env, check=True)
            results[scale] = json.loads(Path(out.name).read_text())
    if args.changes_only:
        existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        section = existing.get("dashboard", {})
        for scale, result in results.items():
            partial = figures({scale: {"data": None, "queries": None, **result}})[scale]
            section.setdefault(scale, {})["refresh_after_change"] = partial["refresh_after_change"]
        section["refresh_after_change_measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        print(json.dumps(section, indent=2, default=str))
        if not args.no_save:
            existing["dashboard"] = section
            RESULTS.with_suffix(".tmp").write_text(json.dumps(existing, indent=2, default=str) + "\n")
            RESULTS.with_suffix(".tmp").replace(RESULTS)
        return 0 if all(change["ok"] for s in results for change in results[s]["changes"].values()) else 1
    section = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end (each refresh figure has its own)",
        "server": "gunicorn, 2 sync workers, 127.0.0.1, settings.prod (signed in as an official); time to the last byte",
        "floor": "hand-written SQL of the same figures on a bare psycopg2 connection (series, kecamatan, sector, "
        "trained, verified counts, before/after)",
        "seconds": round(time.perf_counter() - started, 1),
        **figures(results),
    }
    print(json.dumps(section, indent=2, default=str))
    if not args.no_save:
        existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        existing["dashboard"] = section
        temporary = RESULTS.with_suffix(".tmp")
        temporary.write_text(json.dumps(existing, indent=2, default=str) + "\n")
        temporary.replace(RESULTS)
    shown = all(change["ok"] for s in results for change in results[s]["changes"].values())
    return 0 if shown else 1


if __name__ == "__main__":
    sys.exit(main())
