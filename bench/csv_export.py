"""Bench: a million monthly reports downloaded as the dashboard's streamed CSV (/pemulihan/dasbor/laporan.csv).

Real HTTP against one gunicorn sync worker on loopback (production settings), signed in as staff.
Reported: the worker's peak memory (VmHWM, since the worker was started: its idle size is
reported beside it), the time to the first byte and to the first data row, and the rate in rows
per second. Floor, in the same run on the same data: PostgreSQL's own
``COPY (<the export's SELECT>) TO STDOUT WITH (FORMAT csv)`` read by a client on the same
machine; the ratio is the floor's rate / the export's rate (how many times slower than COPY).

Data: the province's (bench/datagen.py, 100,000 businesses, 2.9 million reports, in the
database the dashboard and monthly report benches use, BENCH_DATA_PREFIX + "_province"; built
here when missing, reused otherwise), exported over its last months: the fewest whose reports of
verified businesses reach a million (13 months, about 1,020,000 rows). With --own-data, the
earlier set-up: database bench_h4 with 28,000 verified businesses across every kelurahan and a
few KBLI codes, each with 36 months of reports (1,008,000 rows), written with one INSERT ...
SELECT generate_series (kept between runs and reused while it holds the same data up to last
month). --fresh rebuilds the data, --drop drops the database afterwards. Redis databases 8
(cache, sessions) and 9 (broker, not consumed) on BENCH_REDIS_URL (default
redis://127.0.0.1:6379).

    .venv/bin/python bench/csv_export.py                 # ~2 minutes, writes bench/results.json
    .venv/bin/python bench/csv_export.py --businesses 2000 --no-save
"""

import argparse
import os
import sys
import threading
import time
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import datagen, loopback

KEY = "csv_export"
DATABASE = "bench_h4"  # --own-data
# By default the export reads the province's data, built by datagen.py and shared with the
# dashboard and monthly report benches (dashboard.py's database name): the last months holding a
# million reports of verified businesses.
PROVINCE_DATABASE = f"{os.environ.get('BENCH_DATA_PREFIX', 'bench_h2')}_province"
TARGET_ROWS = 1_000_000
# datagen encrypts the NIK with the development keys (see dashboard.py's server_environment).
DATAGEN_NIK = {
    "NIK_ENCRYPTION_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1uaWsta2V5LTAwMDAwMDA=",
    "NIK_HASH_KEY": "development-only-nik-hash-key",
}
REDIS_CACHE_DB, REDIS_BROKER_DB = 8, 9
STATIC_ROOT = "/tmp/payakumbuh-bench-h4-static"
MONTHS = 36
TARGET_MB = 150
TARGET_FIRST_BYTE_S = 1.0


def _insert_select(model, chosen: dict[str, str], source: str) -> str:
    """INSERT INTO the model's table SELECT ``chosen`` expressions (by attname) for its
    columns, and the model's own default for every other column (Django keeps defaults in
    Python, not in the table)."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or getattr(field, "generated", False):
            continue
        columns.append(field.column)
        if field.attname in chosen:
            values.append(chosen[field.attname])
        elif (
            getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
            or (field.has_default() and callable(field.default))
        ):
            values.append("now()")  # the models' only callable defaults are timezone.now
        else:
            default = field.get_default()  # "" for text without a default, None for nullable
            if default is None:
                values.append("NULL")
            else:
                values.append(str(default).lower() if isinstance(default, bool | int) else "'" + str(default) + "'")
    return f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"


def data_ready(businesses: int) -> bool:
    """Whether bench_h4 already holds this run's data (the same businesses and months, up to last
    month): the million inserts are most of the set-up, so a second run reuses them."""
    import psycopg2

    from recovery.selectors import month_add, period_default

    try:
        connection = psycopg2.connect(f"{loopback.server_base()}/{DATABASE}")
    except psycopg2.OperationalError:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('recovery_monthlyreport') IS NOT NULL")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT count(*), min(period), max(period) FROM recovery_monthlyreport")
            count, first, last = cursor.fetchone()
    finally:
        connection.close()
    end = period_default()
    return (count, first, last) == (businesses * MONTHS, month_add(end, -(MONTHS - 1)), end)


def seed(businesses: int) -> int:
    """``businesses`` verified businesses with MONTHS reports each; returns the number of reports."""
    from django.db import connection

    from businesses.models import Business, BusinessStatus, Kbli, Kelurahan, Owner
    from recovery.models import MonthlyReport
    from recovery.selectors import month_add, period_default

    owner = Owner.objects.create(name="Pemilik Bench", nik="1376021201800001", phone="+6281300000001", email="b@contoh.id")
    kelurahan = list(Kelurahan.objects.order_by("pk").values_list("pk", flat=True))
    kbli = list(
        Kbli.objects.filter(version=2020, code__in=["10750", "13134", "14111", "15121", "16291", "31001"]).values_list(
            "pk", flat=True
        )
    )
    first = month_add(period_default(), -(MONTHS - 1))
    business = {
        "owner_id": "%s",
        "name": "'Usaha ' || (ARRAY['Rendang','Songket','Bordir','Kerupuk','Rotan','Kopi'])[1 + n %% 6] || ' ' || n",
        "products": "'Produk olahan'",
        "nib": "lpad((9200000000000 + n)::text, 13, '0')",
        "kbli_id": "(%s::int[])[1 + n %% %s]",
        "kelurahan_id": "(%s::int[])[1 + n %% %s]",
        "address": "'Jl. Bench No. ' || n",
        "year_founded": "2000 + n %% 20",
        "workers_male": "1 + n %% 4",
        "workers_female": "1 + n %% 3",
        "investment": "20000000 + (n %% 50) * 1000000",
        "turnover_2019": "5000000 + (n %% 40) * 500000",
        "status": "%s",
        "status_changed_at": "now()",
        "verified_at": "'2019-12-01T00:00:00+07:00'::timestamptz",
    }
    report = {
        "business_id": "b.id",
        "period": "(%s::date + make_interval(months => m))::date",
        "no_activity": "(b.id + m) %% 17 = 0",
        "turnover": "CASE WHEN (b.id + m) %% 17 = 0 THEN NULL ELSE b.turnover_2019 * (40 + (b.id * 7 + m * 3) %% 90) / 100 END",
        "workers_male": "CASE WHEN (b.id + m) %% 17 = 0 THEN NULL ELSE 1 + b.id %% 4 END",
        "workers_female": "CASE WHEN (b.id + m) %% 17 = 0 THEN NULL ELSE 1 + m %% 3 END",
        "production_volume": "CASE WHEN (b.id + m) %% 17 = 0 THEN NULL ELSE (b.id %% 500) + 0.5 END",
        "production_unit": "CASE WHEN (b.id + m) %% 17 = 0 THEN '' ELSE 'kg' END",
        "online_share": "CASE WHEN (b.id + m) %% 17 = 0 THEN NULL ELSE (b.id + m) %% 70 END",
        "operating_status": "CASE WHEN (b.id + m) %% 17 = 0 THEN '' "
        "ELSE (ARRAY['normal','terbatas','tutup_sementara'])[1 + (b.id + m) %% 3] END",
        "raw_materials": "CASE WHEN (b.id + m) %% 17 = 0 THEN '' ELSE (ARRAY['normal','sulit'])[1 + b.id %% 2] END",
        "problem_note": "CASE WHEN b.id %% 97 = 0 THEN '=1+2 harga naik' ELSE '' END",
        "status": "CASE WHEN m < %s THEN 'disetujui' ELSE 'diajukan' END",
        "submitted_at": "now()",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_select(Business, business, "FROM generate_series(1, %s) AS n"),
            [owner.pk, kbli, len(kbli), kelurahan, len(kelurahan), BusinessStatus.VERIFIED, businesses],
        )
        cursor.execute(
            _insert_select(MonthlyReport, report, "FROM businesses_business b CROSS JOIN generate_series(0, %s) AS m"),
            [first, MONTHS - 1, MONTHS - 1],
        )
        cursor.execute("ANALYZE")
    return MonthlyReport.objects.count()


def province_months() -> tuple[int, int]:
    """The fewest last months whose reports of verified businesses reach TARGET_ROWS, and how
    many reports they hold."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.period, count(*) FROM recovery_monthlyreport r JOIN businesses_business b ON b.id = r.business_id"
            " WHERE b.status = 'verified' GROUP BY r.period ORDER BY r.period DESC"
        )
        total = 0
        for months, (_period, count) in enumerate(cursor.fetchall(), start=1):
            total += count
            if total >= TARGET_ROWS:
                return months, total
    return months, total


def staff_session() -> str:
    """A staff member's session key, made straight in the session store (no sign-in form)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.cached_db import SessionStore

    from businesses.tests.factories import UserFactory

    email = "staf-bench@contoh.id"
    staff = get_user_model().objects.filter(email=email).first() or UserFactory(role="staf", email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(staff.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the one that loads users
    session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
    session.create()
    return session.session_key


def export_query(start, end) -> str:
    """The export's SELECT with its values inlined, for COPY."""
    from django.db import connection

    from recovery.csv_export import report_rows
    from recovery.selectors import CITY

    sql, params = report_rows(start=start, end=end, scope=CITY).query.sql_with_params()
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params).decode()


class _Counter:
    """Where COPY writes: counts bytes and lines, notes when the first block came."""

    def __init__(self, started: float):
        self.started, self.first, self.size, self.lines = started, None, 0, 0

    def write(self, block) -> int:
        if self.first is None:
            self.first = time.perf_counter() - self.started
        self.size += len(block)
        self.lines += block.count(b"\n" if isinstance(block, bytes) else "\n")
        return len(block)


def copy_floor(sql: str) -> dict:
    import psycopg2

    connection = psycopg2.connect(f"{loopback.server_base()}/{DATABASE}")
    try:
        with connection.cursor() as cursor:
            counter = _Counter(time.perf_counter())
            cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", counter, size=65536)
            seconds = time.perf_counter() - counter.started
    finally:
        connection.close()
    rows = counter.lines
    return {"seconds": seconds, "rows": rows, "bytes": counter.size, "first_byte_s": counter.first, "rate": rows / seconds}


def download(port: int, path: str, session_key: str, worker: int) -> dict:
    """Read the export as a browser would, while sampling the worker's memory every 20 ms."""
    samples, done = [], threading.Event()

    def sample():
        while not done.is_set():
            samples.append(loopback.memory_kb(worker)["VmRSS"])
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    connection = HTTPConnection(loopback.HOST, port, timeout=300)
    started = time.perf_counter()
    connection.request("GET", path, headers={"X-Forwarded-Proto": "https", "Cookie": f"sessionid={session_key}"})
    response = connection.getresponse()
    if response.status != 200:
        done.set()
        sampler.join()
        raise SystemExit(f"export answered HTTP {response.status}: {response.read()[:300]!r}")
    first_byte = first_row = None
    size = lines = 0
    while True:
        block = response.read1(65536)
        if not block:
            break
        now = time.perf_counter() - started
        if first_byte is None:
            first_byte = now
        size += len(block)
        lines += block.count(b"\n")
        if first_row is None and lines >= 2:
            first_row = now
    seconds = time.perf_counter() - started
    connection.close()
    done.set()
    sampler.join()
    rows = lines - 1  # the header
    return {
        "seconds": seconds,
        "rows": rows,
        "bytes": size,
        "first_byte_s": first_byte,
        "first_row_s": first_row,
        "rate": rows / seconds,
        "rss_max_sampled_kb": max(samples) if samples else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--own-data",
        action="store_true",
        help=f"bench_h4's own data (--businesses x {MONTHS} months, written for this bench) instead of the province's",
    )
    parser.add_argument("--businesses", type=int, default=28_000, help=f"with --own-data: each with {MONTHS} months of reports")
    parser.add_argument("--no-save", action="store_true", help="print only; leave bench/results.json alone")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data even when bench_h4 holds it")
    parser.add_argument("--drop", action="store_true", help="drop bench_h4 afterwards")
    args = parser.parse_args()
    global DATABASE
    if not args.own_data:
        DATABASE = PROVINCE_DATABASE

    port = loopback.free_port()
    env = loopback.environment(DATABASE, REDIS_CACHE_DB, REDIS_BROKER_DB, STATIC_ROOT, port)
    if not args.own_data:
        env.update(DATAGEN_NIK)
    loopback.django_setup(env)  # no query yet: the database may not exist
    if args.own_data:
        reuse = not args.fresh and data_ready(args.businesses)
        if not reuse:
            loopback.database_recreate(DATABASE)
    else:
        datagen.database_create(DATABASE, drop=args.fresh)
    loopback.redis_flush(REDIS_CACHE_DB, REDIS_BROKER_DB)
    process = None
    log = Path(f"/tmp/bench-csv-gunicorn-{port}.log")
    try:
        started = time.perf_counter()
        loopback.manage(env, "migrate", "-v0")
        loopback.manage(env, "collectstatic", "--noinput", "-v0")
        months = MONTHS
        if not args.own_data:
            info = datagen.build(scale="province")
            reuse = info["reused"]
            months, reports = province_months()
            scale = f"{reports:,} reports (the last {months} months of the province's {info['businesses']:,} businesses)"
        elif reuse:
            from recovery.models import MonthlyReport

            reports = MonthlyReport.objects.count()
        else:
            loopback.manage(env, "load_reference")
            reports = seed(args.businesses)
        if args.own_data:
            scale = f"{reports:,} reports ({args.businesses:,} businesses x {MONTHS} months)"
        session_key = staff_session()
        print(
            f"{DATABASE}: {reports:,} reports {'reused' if reuse else 'written'} in {time.perf_counter() - started:.0f}s",
            flush=True,
        )

        from recovery.selectors import month_add, period_default

        end = period_default()
        start = month_add(end, -(months - 1))
        sql = export_query(start, end)
        floor = copy_floor(sql)
        print(f"COPY floor: {floor['rows']:,} rows in {floor['seconds']:.1f}s ({floor['rate']:,.0f} rows/s)", flush=True)

        process = loopback.gunicorn_start(env, port, 1, log)
        (worker,) = loopback.gunicorn_workers(process)
        idle = loopback.memory_kb(worker)
        path = f"/pemulihan/dasbor/laporan.csv?dari={start:%Y-%m}&sampai={end:%Y-%m}"
        export = download(port, path, session_key, worker)
        peak = loopback.memory_kb(worker)
        print(
            f"export: {export['rows']:,} rows, {export['bytes'] / 1e6:.0f} MB in {export['seconds']:.1f}s "
            f"({export['rate']:,.0f} rows/s); first byte {export['first_byte_s'] * 1000:.0f} ms, first row "
            f"{export['first_row_s'] * 1000:.0f} ms; worker RSS idle {idle['VmRSS'] / 1024:.0f} MB, "
            f"peak {peak['VmHWM'] / 1024:.0f} MB",
            flush=True,
        )
    finally:
        if process is not None:
            loopback.gunicorn_stop(process)
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        loopback.redis_flush(REDIS_CACHE_DB, REDIS_BROKER_DB)

    if args.drop:
        loopback.database_recreate(DATABASE, drop_only=True)
    peak_mb, idle_mb = peak["VmHWM"] / 1024, idle["VmRSS"] / 1024
    result = {
        "rows": export["rows"],
        "bytes": export["bytes"],
        "server": "gunicorn, 1 sync worker, 127.0.0.1; settings payakumbuh_ikm.settings.prod (via bench.bench_settings)",
        "floor": "COPY (the export's SELECT) TO STDOUT WITH (FORMAT csv), read by psycopg on the same machine",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        "rows_match_floor": export["rows"] == floor["rows"],
        "rate": loopback.figure(export["rate"], floor["rate"], "rows/s", floor["rate"] / export["rate"], scale, digits=0),
        "total_seconds": loopback.figure(export["seconds"], floor["seconds"], "s", export["seconds"] / floor["seconds"], scale),
        # The worker's peak since it started; its idle size (the floor) is what Django costs at rest.
        "worker_peak_rss_mb": loopback.figure(
            peak_mb, idle_mb, "MB", peak_mb / idle_mb, scale, target=f"< {TARGET_MB}", holds=peak_mb < TARGET_MB
        ),
        "first_byte_s": loopback.figure(
            export["first_byte_s"],
            floor["first_byte_s"],
            "s",
            None,
            scale,
            digits=3,
            target=f"< {TARGET_FIRST_BYTE_S}",
            holds=export["first_byte_s"] < TARGET_FIRST_BYTE_S,
        ),  # fmt: skip
        "first_row_s": loopback.figure(export["first_row_s"], floor["first_byte_s"], "s", None, scale, digits=3),
    }
    if not args.no_save:
        loopback.save(KEY, result)
        print(f"merged into {loopback.RESULTS} under '{KEY}'")
    log.unlink(missing_ok=True)
    # A missed target is a finding for BENCHMARKS.md, not a failure of the run; wrong rows are.
    missed = []
    if peak_mb >= TARGET_MB:
        missed.append(f"worker peak {peak_mb:.0f} MB (target < {TARGET_MB})")
    if export["first_byte_s"] >= TARGET_FIRST_BYTE_S:
        missed.append(f"first byte after {export['first_byte_s']:.2f}s (target < {TARGET_FIRST_BYTE_S})")
    if missed:
        print("target missed: " + "; ".join(missed), file=sys.stderr)
    if not result["rows_match_floor"]:
        print(f"FAILED: the export gave {export['rows']} rows, COPY {floor['rows']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
