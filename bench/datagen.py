"""Believable portal data at city or province scale, written straight into PostgreSQL.

For the benches that need a registry with years of monthly reports (dashboard, monthly Excel
report, CSV export). Nothing goes through the ORM row by row: owners, businesses, sessions,
registrations and attendance are made in Python and sent with ``COPY``; the monthly reports
(3.6 million at province scale) are made by PostgreSQL itself, one ``INSERT ... SELECT`` over
``generate_series``, from a per-business parameter table.

API (Django must be set up first; ``django_setup`` does it for a bench database)::

    import datagen                                   # bench/ on sys.path
    datagen.django_setup("bench_mine")               # settings.test on that database (created
                                                     # and migrated when missing)
    info = datagen.build(scale="city", seed=2021)    # or "province"; returns counts and seconds
    datagen.build(scale="city", businesses=500)      # any size; ``months`` too

``build`` empties the registry, trainings and reports first (TRUNCATE ... CASCADE), unless the
database already holds exactly what was asked (same scale, seed, sizes and last month: a marker
row in ``bench_datagen``), in which case it returns at once: two benches at the same scale share
one build. ``force=True`` rebuilds anyway. The data:

- owners (one per business; NIK encrypted and hashed as the model does, distinct per owner),
  businesses in Payakumbuh's real kelurahan with KBLI 2020 codes from the reference data
  (``reference_load``), sectors weighted as the city's (food about 45%), log-normal 2019
  turnover (median Rp 15 juta a month), workforce and investment; 90% verified, the rest
  pending, inactive or rejected (with a reason);
- training sessions over the months (about one per 35 businesses; half are the online-marketing
  topic), each with 20-35 registrations of verified businesses (confirmed up to 30 seats, the
  rest waiting, a few cancelled) and attendance for about 85% of the confirmed of finished
  sessions;
- ``months`` monthly reports up to last month for verified and inactive businesses: a recovery
  index that climbs from a sector's low to its plateau at a sector's pace, scaled by a
  business's own log-normal factor, lifted after its first attended training, with monthly
  noise; the online share grows over time and jumps after the online-marketing training; each
  business skips 2-25% of months (missing report), about 3% of months are "no activity", 2%
  temporarily closed, and 3% of businesses close for good in some month and stop reporting.
  Older months are approved; the last two are mostly still submitted; 1% are returned with a
  note.

``seed`` makes the data repeatable (Python's ``random`` and PostgreSQL's ``setseed`` with
parallel query off). Scales: ``SCALES``.
"""

import io
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROGRAMME_START = "2019-12-01T00:00:00+07:00"


@dataclass(frozen=True)
class Scale:
    businesses: int
    months: int


SCALES = {"city": Scale(businesses=2_000, months=36), "province": Scale(businesses=100_000, months=36)}

# Defaults given to this bench's helper; a caller passes its own.
DEFAULT_CACHE_URL = "rediscache://127.0.0.1:6379/6"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/7"


def server_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def database_create(name: str, *, drop: bool = False) -> bool:
    """Create database ``name`` on the bench server (dropping it first with ``drop``); True
    when it was created."""
    import psycopg2

    connection = psycopg2.connect(f"{server_url()}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        if drop:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if not exists:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return not exists


def database_drop(name: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{server_url()}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


def environment(database: str, *, cache_url: str = DEFAULT_CACHE_URL, broker_url: str = DEFAULT_BROKER_URL) -> dict:
    """The environment a Django process (this one, gunicorn, a worker) needs for ``database``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "payakumbuh_ikm.settings.test",
        "TEST_DATABASE_URL": f"{server_url()}/{database}",
        "TEST_CACHE_URL": cache_url,
        "TEST_CELERY_BROKER_URL": broker_url,
    }


def django_setup(database: str, *, cache_url: str = DEFAULT_CACHE_URL, broker_url: str = DEFAULT_BROKER_URL) -> None:
    """Point this process's Django at ``database`` (test settings), create and migrate it."""
    os.environ.update(environment(database, cache_url=cache_url, broker_url=broker_url))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    database_create(database)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Names and shapes ---------------------------------------------------------------------------

GIVEN = ("Ani", "Rosna", "Yusnidar", "Fauzan", "Darmawel", "Elvi", "Syafrizal", "Nurhayati", "Zulkifli", "Hendri",
         "Yulia", "Afrizal", "Desmawati", "Rahmat", "Suryani", "Efendi", "Marlina", "Asril", "Yenni", "Dedi",
         "Rosmaini", "Nofrizal", "Yusmaniar", "Ermanto", "Fitri", "Syamsul", "Lusi", "Irwan")  # fmt: skip
FAMILY = ("Putra", "Sari", "Chaniago", "Piliang", "Koto", "Sikumbang", "Tanjung", "Jambak", "Melayu", "Caniago")
TITLES = ("Uni", "Amak", "Pak", "Bu", "Mak", "Etek", "Uda", "Ajo")
PLACES = ("Koto Nan Ampek", "Labuah Basilang", "Balai Panjang", "Padang Kaduduak", "Parit Muko Aie", "Sungai Durian")


@dataclass(frozen=True)
class Sector:
    weight: float  # share of the registry
    low: float  # recovery index at the first month
    plateau: float  # where it levels out
    pace: float  # months to close about 63% of the gap (an exponential's time constant)
    online: float  # typical online share at the first month (percent)
    unit: str
    price: float  # Rp per unit, for a production volume


SECTORS = {
    "10": Sector(0.45, 0.55, 1.08, 7, 22, "kg", 60_000),
    "13": Sector(0.08, 0.45, 0.95, 12, 18, "potong", 350_000),
    "14": Sector(0.15, 0.40, 0.98, 10, 30, "potong", 120_000),
    "15": Sector(0.04, 0.35, 0.90, 14, 15, "pasang", 250_000),
    "16": Sector(0.08, 0.50, 0.92, 12, 10, "buah", 80_000),
    "25": Sector(0.06, 0.60, 1.02, 9, 5, "buah", 150_000),
    "31": Sector(0.08, 0.45, 0.90, 15, 10, "buah", 1_500_000),
    "32": Sector(0.06, 0.40, 0.96, 12, 20, "buah", 50_000),
}
ONLINE_TOPIC = "pemasaran-online"
SEATS = 30


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    """COPY ``rows`` (tuples; None is NULL) into ``table``; returns the number of rows."""
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        buffer.write("\n")
        count += 1
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    raw = getattr(cursor, "cursor", cursor)  # Django's wrapper, or a driver cursor
    if hasattr(raw, "copy_expert"):  # psycopg2
        buffer.seek(0)
        raw.copy_expert(sql, buffer)
    else:  # psycopg 3
        with raw.copy(sql) as copy:
            copy.write(buffer.getvalue())
    return count


def _last_month() -> date:
    from recovery.selectors import period_default

    return period_default()


def _month_add(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _marker(cursor) -> dict | None:
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_datagen (id int PRIMARY KEY, spec text NOT NULL, info text NOT NULL, built_at timestamptz)"
    )
    cursor.execute("SELECT spec, info FROM bench_datagen WHERE id = 1")
    row = cursor.fetchone()
    return None if row is None else {"spec": row[0], "info": row[1]}


def build(
    *,
    scale: str = "city",
    seed: int = 2021,
    businesses: int | None = None,
    months: int | None = None,
    end: date | None = None,
    force: bool = False,
    verbose: bool = True,
) -> dict:
    """Fill the Django default database with ``scale``'s data (see the module docstring) and
    return {"businesses", "reports", "sessions", "registrations", "attendance", "seconds",
    "reused"}. ``businesses``/``months`` override the scale's sizes; ``end`` is the last month
    reported (default last month)."""
    import json

    from django.db import connection, transaction

    from businesses.reference import reference_load

    size = SCALES[scale]
    n_businesses = businesses or size.businesses
    n_months = months or size.months
    end = end or _last_month()
    spec = json.dumps({"scale": scale, "seed": seed, "businesses": n_businesses, "months": n_months, "end": str(end), "v": 1})
    with connection.cursor() as cursor:
        marker = _marker(cursor)
    if marker and marker["spec"] == spec and not force:
        return json.loads(marker["info"]) | {"reused": True}

    started = time.perf_counter()
    say = (
        (lambda text: print(f"  datagen {scale}: {text} ({time.perf_counter() - started:.1f} s)", flush=True))
        if verbose
        else (lambda text: None)
    )
    reference_load()
    rng = random.Random(seed)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_datagen")
        _truncate(cursor)
        say("emptied")
        owners, business_rows, params = _registry(rng, cursor, n_businesses, end, n_months)
        say(f"{business_rows} businesses")
        trainings = _trainings(rng, cursor, params, end, n_months)
        say(f"{trainings['sessions']} sessions, {trainings['registrations']} registrations")
        reports = _reports(cursor, params, seed, end, n_months)
        say(f"{reports} reports")
        _sequences(cursor)
        info = {"businesses": business_rows, "reports": reports, **trainings, "end": str(end), "months": n_months}
        info["seconds"] = round(time.perf_counter() - started, 1)
        cursor.execute("INSERT INTO bench_datagen VALUES (1, %s, %s, now())", [spec, json.dumps(info)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    info["seconds"] = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE bench_datagen SET info = %s", [json.dumps(info)])
    say("analyzed")
    return info | {"reused": False}


def remember(**values) -> None:
    """Keep ``values`` with the current build (returned by the next ``build`` that reuses it):
    a figure measured once per build, such as a full summary refresh."""
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        marker = _marker(cursor)
        if marker:
            cursor.execute("UPDATE bench_datagen SET info = %s", [json.dumps(json.loads(marker["info"]) | values)])


def invalidate() -> None:
    """Forget the marker: the next ``build`` rebuilds (call after changing the data by hand)."""
    from django.db import connection

    with connection.cursor() as cursor:
        _marker(cursor)
        cursor.execute("DELETE FROM bench_datagen")


def _tables():
    from businesses.models import Business, Owner
    from recovery.models import MonthlyReport, ReportFile
    from trainings.models import Attendance, Registration, TrainingSession

    return Owner, Business, TrainingSession, Registration, Attendance, MonthlyReport, ReportFile


def _truncate(cursor) -> None:
    from django.apps import apps

    tables = [model._meta.db_table for model in _tables()]
    # Summaries computed from the old rows (recovery.aggregates) would pass for current ones:
    # emptied, they count as never filled and are filled again on the next refresh.
    tables += [m._meta.db_table for m in apps.get_app_config("recovery").get_models() if "Summary" in m.__name__]
    # History tables hold no foreign keys: empty them too, the data here has no history.
    tables += [
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.db_table.endswith(
            ("historicalowner", "historicalbusiness", "historicalmonthlyreport", "historicalregistration")
        )
    ]
    cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def _sequences(cursor) -> None:
    for model in _tables():
        pk = model._meta.pk
        if pk.get_internal_type() in ("AutoField", "BigAutoField"):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{pk.column}'), coalesce(max({pk.column}), 0) + 1, false) FROM {table}"
            )


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def _registry(rng: random.Random, cursor, n: int, end: date, n_months: int):
    """Owners and businesses by COPY; returns (owners, businesses, params) where params holds,
    per business, what the report generator needs."""
    from businesses.crypto import nik_digest, nik_encrypt
    from businesses.models import Business, BusinessStatus, Kbli, Kelurahan, Owner

    kelurahan = list(Kelurahan.objects.values_list("pk", "name"))
    # Some kelurahan are industry centres (rendang in Padang Kaduduak): uneven weights.
    area_weights = [rng.lognormvariate(0, 1) for _ in kelurahan]
    kbli = [
        (pk, code, products) for pk, code, products in Kbli.objects.filter(version=2020).values_list("pk", "code", "products")
    ]
    by_division: dict[str, list] = {}
    for row in kbli:
        by_division.setdefault(row[1][:2], []).append(row)
    divisions = [d for d in SECTORS if d in by_division]
    division_weights = [SECTORS[d].weight for d in divisions]
    now = datetime.now(UTC)
    first_month = _month_add(end, -(n_months - 1))
    created_base = datetime(first_month.year, first_month.month, 1, tzinfo=UTC) - timedelta(days=400)

    owner_rows, business_rows, params = [], [], []
    areas = rng.choices(range(len(kelurahan)), area_weights, k=n)
    sector_of = rng.choices(divisions, division_weights, k=n)
    for i in range(n):
        pk = i + 1
        given = rng.choice(GIVEN)
        woman = rng.random() < 0.64
        # Payakumbuh's prefix, a birth day (+40 for women) and month, then a number distinct per owner.
        nik = f"13760{rng.randint(1, 5)}{rng.randint(1, 28) + (40 if woman else 0):02d}{rng.randint(1, 12):02d}{i:06d}"
        created = created_base + timedelta(days=rng.randint(0, 380), seconds=rng.randint(0, 86_399))
        owner_rows.append(
            (pk, f"{given} {rng.choice(FAMILY)}", nik_encrypt(nik), nik_digest(nik), f"+62812{pk:08d}",
             f"{given.lower()}.{pk}@contoh.id" if rng.random() < 0.3 else "", created.isoformat(), created.isoformat())
        )  # fmt: skip
        division = sector_of[i]
        sector = SECTORS[division]
        kbli_pk, _code, products = rng.choice(by_division[division])
        product = rng.choice([p.strip() for p in (products or "usaha").split(",") if p.strip()] or ["usaha"])
        name = f"{product.title()} {rng.choice(TITLES)} {given}"
        if rng.random() < 0.3:
            name += f" {rng.choice(PLACES)}"
        workers = max(1, int(_lognormal(rng, 3, 0.7)))
        female = round(workers * min(max(rng.gauss(0.6 if division in ("10", "13", "14") else 0.35, 0.2), 0), 1))
        baseline = 0 if rng.random() < 0.005 else int(round(_lognormal(rng, 15e6, 0.9), -3))
        investment = min(int(round(_lognormal(rng, 40e6, 1.1), -3)), 14_000_000_000)
        online = rng.random() < 0.35 + sector.online / 100
        u = rng.random()
        status = (
            BusinessStatus.VERIFIED
            if u < 0.90
            else BusinessStatus.PENDING
            if u < 0.95
            else BusinessStatus.INACTIVE
            if u < 0.98
            else BusinessStatus.REJECTED
        )
        area_pk, area_name = kelurahan[areas[i]]
        business_rows.append(
            (pk, pk, name, product.capitalize(), f"{9_120_000_000_000 + pk:013d}", kbli_pk, area_pk,
             f"Jl. {rng.choice(PLACES)} No. {rng.randint(1, 200)}, {area_name}", rng.randint(1975, 2019),
             workers - female, female, investment, baseline, "t" if rng.random() < 0.6 else "f",
             "t" if online and rng.random() < 0.5 else "f", "t" if online and rng.random() < 0.7 else "f", "",
             "t" if online or rng.random() < 0.3 else "f", "", "t", "t" if rng.random() < 0.5 else "f",
             "t" if rng.random() < 0.2 else "f", "t" if rng.random() < 0.02 else "f", status,
             "NIB tidak cocok dengan data OSS" if status == BusinessStatus.REJECTED else "",
             None if status == BusinessStatus.PENDING else (created + timedelta(days=7)).isoformat(),
             created.isoformat(), now.isoformat(),
             # In the programme since before reporting began; the inactive ones left now.
             PROGRAMME_START if status in (BusinessStatus.VERIFIED, BusinessStatus.INACTIVE) else None,
             now.isoformat() if status == BusinessStatus.INACTIVE else None)
        )  # fmt: skip
        if status in (BusinessStatus.VERIFIED, BusinessStatus.INACTIVE):
            closes = None
            if status == BusinessStatus.INACTIVE or rng.random() < 0.03:
                closes = rng.randint(3, n_months - 1)
            params.append(
                {
                    "business_id": pk,
                    "status": status,
                    "division": division,
                    "baseline": baseline,
                    "workers": workers,
                    "female": female / workers,
                    # A business's own lot: most near its sector's curve, a few far above or below.
                    "factor": _lognormal(rng, 1.0, 0.3),
                    "online": max(0.0, rng.gauss(sector.online, 12)) if online else 0.0,
                    "miss": rng.choice((0.02, 0.05, 0.08, 0.12, 0.25)),
                    "closes": closes,
                    "trained": None,
                    "online_trained": None,
                }
            )
    owner_columns = ["id", "name", "nik", "nik_hash", "phone", "email", "consent_at", "created_at"]
    owners = _copy(cursor, Owner._meta.db_table, owner_columns, owner_rows)
    business_columns = [
        "id", "owner_id", "name", "products", "nib", "kbli_id", "kelurahan_id", "address", "year_founded",
        "workers_male", "workers_female", "investment", "turnover_2019", "sells_in_shop", "sells_on_marketplace",
        "sells_on_social_media", "social_media", "sells_on_whatsapp", "website", "reaches_city", "reaches_province",
        "reaches_other_provinces", "reaches_export", "status", "rejection_reason", "status_changed_at", "created_at",
        "updated_at", "verified_at", "deactivated_at",
    ]  # fmt: skip
    count = _copy(cursor, Business._meta.db_table, business_columns, business_rows)
    return owners, count, params


def _trainings(rng: random.Random, cursor, params: list[dict], end: date, n_months: int) -> dict:
    """Sessions over the months, registrations and attendance; marks each business's first
    attended month (any topic, and the online-marketing topic) in ``params``."""
    from trainings.models import Attendance, Registration, RegistrationStatus, SessionStatus, Topic, TrainingSession

    topics = dict(Topic.objects.values_list("slug", "pk"))
    others = [slug for slug in topics if slug != ONLINE_TOPIC] or [ONLINE_TOPIC]
    verified = [p for p in params if p["status"] == "verified"]
    n_sessions = max(6, len(params) // 35)
    first_month = _month_add(end, -(n_months - 1))
    now = datetime.now(UTC)
    sessions, registrations, attendance = [], [], []
    by_id = {p["business_id"]: p for p in verified}
    registration_pk = 0
    for s in range(1, n_sessions + 1):
        slug = ONLINE_TOPIC if rng.random() < 0.5 or ONLINE_TOPIC not in topics else rng.choice(others)
        month_index = rng.randint(0, n_months)  # the last one is this month: sessions still to come
        month = _month_add(first_month, month_index)
        starts = datetime(month.year, month.month, rng.randint(1, 27), 1 + rng.randint(0, 5), tzinfo=UTC)
        ends = starts + timedelta(hours=rng.choice((3, 4, 6)))
        finished = ends < now - timedelta(days=1)
        status = SessionStatus.FINISHED if finished else SessionStatus.PUBLISHED
        if not finished and rng.random() < 0.05:
            status = SessionStatus.CANCELLED
        sessions.append(
            (s, topics.get(slug, next(iter(topics.values()))), f"{slug.replace('-', ' ').capitalize()} angkatan {s}",
             rng.choice(("Uni Rina", "Pak Hendra", "Bu Yetti", "Uda Fikri")), "", "in_person", "Aula Disnakerin", "",
             starts.isoformat(), ends.isoformat(), SEATS, 1, status, 1,
             ends.isoformat() if finished else None, (starts - timedelta(days=30)).isoformat(), now.isoformat())
        )  # fmt: skip
        if status == SessionStatus.CANCELLED:
            continue
        chosen = rng.sample(verified, min(len(verified), rng.randint(20, 35)))
        confirmed = 0
        for p in chosen:
            registration_pk += 1
            created = starts - timedelta(days=rng.randint(3, 25), seconds=rng.randint(0, 86_399))
            if rng.random() < 0.05:
                state, cancelled = RegistrationStatus.CANCELLED, (created + timedelta(days=1)).isoformat()
            elif confirmed < SEATS:
                state, cancelled = RegistrationStatus.CONFIRMED, None
                confirmed += 1
            else:
                state, cancelled = RegistrationStatus.WAITING, None
            registrations.append(
                (registration_pk, s, p["business_id"], f"Peserta {p['business_id']}", 1, state, created.isoformat(), cancelled)
            )
            if finished and state == RegistrationStatus.CONFIRMED and rng.random() < 0.85:
                attendance.append((registration_pk, (starts + timedelta(minutes=rng.randint(0, 40))).isoformat(), "roster"))
                row = by_id[p["business_id"]]
                if row["trained"] is None or month_index < row["trained"]:
                    row["trained"] = month_index
                if slug == ONLINE_TOPIC and (row["online_trained"] is None or month_index < row["online_trained"]):
                    row["online_trained"] = month_index
    session_columns = [
        "id", "topic_id", "title", "trainer", "description", "mode", "venue", "meeting_url", "starts_at", "ends_at",
        "capacity", "max_participants_per_business", "status", "schedule_version", "finished_at", "created_at", "updated_at",
        "reminder_hours",
    ]  # fmt: skip
    # reminder_hours: empty, the portal's rule (a NOT NULL column without a database default).
    _copy(cursor, TrainingSession._meta.db_table, session_columns, [(*row, "") for row in sessions])
    registration_columns = ["id", "session_id", "business_id", "participant_name", "slot", "status", "created_at", "cancelled_at"]
    _copy(cursor, Registration._meta.db_table, registration_columns, registrations)
    _copy(cursor, Attendance._meta.db_table, ["registration_id", "checked_in_at", "method"], attendance)
    return {"sessions": len(sessions), "registrations": len(registrations), "attendance": len(attendance)}


_REPORTS_SQL = """
INSERT INTO {table} (
    business_id, period, no_activity, turnover, workers_male, workers_female, production_volume, production_unit,
    online_share, channel_shop, channel_marketplace, channel_social_media, channel_whatsapp, operating_status,
    raw_materials, market_city, market_province, market_other_provinces, market_export, health_masks,
    health_handwashing, health_distancing, health_cleaning, problem_sales, problem_raw_materials,
    problem_distribution, problem_capital, problem_production, problem_other, problem_note, unusual_confirmed,
    status, return_note, submitted_at, reviewed_at)
SELECT p.business_id, (%(first)s::date + make_interval(months => m))::date, s.kind = 'none',
    CASE WHEN s.kind = 'none' THEN NULL ELSE v.turnover END,
    CASE WHEN s.kind = 'none' THEN NULL ELSE v.jobs - round(v.jobs * p.female)::int END,
    CASE WHEN s.kind = 'none' THEN NULL ELSE round(v.jobs * p.female)::int END,
    CASE WHEN s.kind = 'none' THEN NULL ELSE round((v.turnover / p.price)::numeric, 2) END,
    CASE WHEN s.kind = 'none' THEN '' ELSE p.unit END,
    CASE WHEN s.kind = 'none' THEN NULL ELSE s.share END,
    s.kind <> 'none' AND r.u_problem < 0.6, s.kind <> 'none' AND s.share > 20, s.kind <> 'none' AND s.share > 5,
    s.kind <> 'none' AND s.share > 0,
    CASE s.kind WHEN 'none' THEN '' WHEN 'closed' THEN 'tutup_permanen' WHEN 'paused' THEN 'tutup_sementara'
              ELSE CASE WHEN s.idx >= 0.8 THEN 'normal' ELSE 'terbatas' END END,
    CASE WHEN s.kind = 'none' THEN '' WHEN r.u_raw < 0.02 THEN 'tidak_ada' WHEN s.raw_difficult THEN 'sulit'
         ELSE 'normal' END,
    s.kind <> 'none', s.kind <> 'none' AND s.idx > 0.7, s.kind <> 'none' AND s.idx > 1.0 AND r.u_problem < 0.3, false,
    s.kind = 'open' AND m < 12, s.kind = 'open' AND r.u_problem < 0.7, s.kind = 'open' AND m < 6, s.kind = 'open',
    s.kind <> 'none' AND s.idx < 0.7, s.kind <> 'none' AND s.raw_difficult,
    s.kind <> 'none' AND r.u_problem < 0.15, s.kind <> 'none' AND r.u_problem > 0.8,
    s.kind <> 'none' AND r.u_problem BETWEEN 0.4 AND 0.45, s.kind <> 'none' AND r.u_problem BETWEEN 0.5 AND 0.51,
    CASE WHEN s.kind <> 'none' AND r.u_problem BETWEEN 0.5 AND 0.51 THEN 'Listrik sering padam' ELSE '' END,
    false,
    CASE WHEN r.u_status < 0.01 THEN 'dikembalikan'
         WHEN m >= %(months)s - 2 AND r.u_status < 0.7 THEN 'diajukan' ELSE 'disetujui' END,
    CASE WHEN r.u_status < 0.01 THEN 'Omzet perlu dicek kembali' ELSE '' END,
    -- Jakarta is UTC+7: a few days into the next month, local time.
    %(first)s::timestamp + make_interval(months => m + 1) + r.u_day * interval '20 days' - interval '7 hours',
    CASE WHEN r.u_status >= 0.01 AND NOT (m >= %(months)s - 2 AND r.u_status < 0.7)
         THEN %(first)s::timestamp + make_interval(months => m + 1) + (r.u_day + 0.3) * interval '20 days'
              - interval '7 hours' END
FROM bench_params p
CROSS JOIN generate_series(0, %(months)s - 1) AS m
-- OFFSET 0 keeps each step a subquery evaluated once per row (not inlined into every use).
CROSS JOIN LATERAL (
    SELECT random() AS u_miss, random() AS u_kind, random() AS n1, random() AS n2, random() AS u_raw,
           random() AS u_status, random() AS u_problem, random() AS u_day, random() AS u_online
    WHERE m >= 0 AND p.business_id > 0 OFFSET 0  -- refers to both: drawn again for every row
) AS r
CROSS JOIN LATERAL (
    SELECT CASE WHEN p.closes = m THEN 'closed' WHEN r.u_kind < 0.03 THEN 'none'
                WHEN r.u_kind < 0.05 THEN 'paused' ELSE 'open' END AS kind,
        greatest(0.03,
            (p.low + (p.plateau - p.low) * (1 - exp(-m / p.pace))) * p.factor
            + CASE WHEN p.trained IS NOT NULL AND m > p.trained
                   THEN 0.15 * (1 - exp(-(m - p.trained) / 4.0)) ELSE 0 END
        ) * exp(0.15 * sqrt(-2 * ln(1 - r.n1)) * cos(2 * pi() * r.n2)) AS idx,
        least(100, greatest(0, round(
            p.online + 0.4 * m * (p.online > 0)::int
            + CASE WHEN p.online_trained IS NOT NULL AND m > p.online_trained THEN 15 ELSE 0 END
            + 8 * (r.u_online - 0.5))))::int AS share,
        r.u_raw < 0.05 + 0.25 * exp(-m / 10.0) AS raw_difficult
    OFFSET 0
) AS s
CROSS JOIN LATERAL (
    SELECT (CASE WHEN s.kind IN ('closed', 'none') THEN 0
                 WHEN s.kind = 'paused' THEN round(p.baseline * s.idx * 0.1 / 1000) * 1000
                 ELSE round(p.baseline * s.idx / 1000) * 1000 END)::bigint AS turnover,
        greatest(CASE WHEN s.kind = 'open' THEN 1 ELSE 0 END, round(p.workers * least(1.1, 0.6 + 0.4 * s.idx)))::int AS jobs
    OFFSET 0
) AS v
WHERE (p.closes IS NULL OR m <= p.closes) AND r.u_miss >= p.miss
"""


def _reports(cursor, params: list[dict], seed: int, end: date, n_months: int) -> int:
    """Every monthly report in one INSERT ... SELECT over a parameter table; triggers (the
    deferred foreign-key checks: 3.6 million queued events) are off for this session, the rows
    are made to satisfy every constraint."""
    from recovery.models import MonthlyReport

    cursor.execute(
        "CREATE TEMP TABLE bench_params (business_id int, baseline bigint, workers int, female float8, factor float8,"
        " online float8, miss float8, closes int, trained int, online_trained int, low float8, plateau float8,"
        " pace float8, unit text, price float8) ON COMMIT DROP"
    )
    rows = []
    for p in params:
        sector = SECTORS[p["division"]]
        rows.append(
            (p["business_id"], p["baseline"], p["workers"], p["female"], p["factor"], p["online"], p["miss"], p["closes"],
             p["trained"], p["online_trained"], sector.low, sector.plateau, sector.pace, sector.unit, sector.price)
        )  # fmt: skip
    _copy(cursor, "bench_params", ["business_id", "baseline", "workers", "female", "factor", "online", "miss", "closes",
                                   "trained", "online_trained", "low", "plateau", "pace", "unit", "price"], rows)  # fmt: skip
    cursor.execute("ANALYZE bench_params")
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute("SELECT setseed(%s)", [(seed % 2_000_000) / 1_000_000 - 1])
    first = _month_add(end, -(n_months - 1))
    table = MonthlyReport._meta.db_table
    # Building the indexes once afterwards beats updating them for every row (the table is
    # empty: TRUNCATE above); the unique constraint is put back, and so checked, at the end.
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    )
    constraints = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute(_REPORTS_SQL.format(table=table), {"first": first, "months": n_months})
    count = cursor.rowcount
    for _name, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("SET LOCAL session_replication_role = origin")
    return count


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument("--database", default="bench_datagen")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--businesses", type=int)
    parser.add_argument("--force", action="store_true")
    arguments = parser.parse_args()
    django_setup(arguments.database)
    print(build(scale=arguments.scale, seed=arguments.seed, businesses=arguments.businesses, force=arguments.force))
