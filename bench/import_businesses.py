"""Bench: importing a city's whole registry (10,000 businesses) from one .xlsx file.

Measures, against PostgreSQL, the preview (dry run) and the real import through
BusinessResource, each against a floor measured in the same run: reading the same rows with
openpyxl read_only and writing the same owners and businesses with bulk_create. Every figure
is reported as value, floor and ratio; results are merged into bench/results.json under
"import_10k".

Each measurement runs in a fresh process so that ru_maxrss (a lifetime peak) belongs to that
measurement alone: it comes from the timed run. With --tracemalloc a second run of each phase
under tracemalloc adds Python's own peak (it slows the run, so make bench leaves it out).

    .venv/bin/python bench/import_businesses.py            # 10,000 rows
    .venv/bin/python bench/import_businesses.py --rows 2000 --no-save
"""

import argparse
import csv
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "businesses" / "reference"
RESULTS = ROOT / "bench" / "results.json"
DATABASE = os.environ.get("BENCH_IMPORT_DATABASE", "payakumbuh_ikm_bench")
PHASES = ("floor", "dry_run", "import", "requests")
REQUEST_BUDGET_SECONDS = 2.0  # issue 15: no request of an import over 2 s at any size
NOTES = (
    "Both phases are the Celery jobs as the worker runs them (issue 15): the preview checks every row in Python "
    "with one query per reference table and one for existing businesses and owners, writes nothing, and keeps the rows "
    "it read in place of the file; the import (of a job previewed beforehand, untimed, as staff confirm it) reads those "
    "rows, checks them again, then writes owners, businesses, marketplaces and their history in bulk and flags "
    "similar names (compared once per distinct name, in C). Reads skip openpyxl's size pre-scan, the floor's too. "
    "requests: every request of an import of the file, in process, against the 2 s budget."
)


def database_url() -> str:
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")
    return f"{base.rstrip('/')}/{DATABASE}"


# --- The file ---------------------------------------------------------------------------------

GIVEN = ("Ani", "Rosna", "Yusnidar", "Fauzan", "Darmawel", "Elvi", "Syafrizal", "Nurhayati", "Zulkifli", "Hendri",
         "Yulia", "Afrizal", "Desmawati", "Rahmat", "Suryani", "Efendi", "Marlina", "Asril", "Yenni", "Dedi")  # fmt: skip
FAMILY = ("Putra", "Sari", "Chaniago", "Piliang", "Koto", "Sikumbang", "Tanjung", "Jambak", "Melayu", "Caniago")
TITLES = ("Uni", "Amak", "Pak", "Bu", "Mak", "Etek", "Uda", "Ajo")
PLACES = ("Koto Nan Ampek", "Labuah Basilang", "Balai Panjang", "Padang Kaduduak", "Parit Muko Aie", "Sungai Durian")


def generate_xlsx(path: Path, rows: int, seed: int = 2021) -> None:
    """A believable registry: real kelurahan and KBLI codes, log-normal money, unique NIB/NIK."""
    from openpyxl import Workbook

    from businesses.resources import IMPORT_COLUMNS

    rng = random.Random(seed)
    with open(REFERENCE / "payakumbuh_wilayah.csv", encoding="utf-8") as handle:
        kelurahan = list(csv.DictReader(handle))
    with open(REFERENCE / "kbli_ikm.csv", encoding="utf-8") as handle:
        kbli = [r for r in csv.DictReader(handle) if r["kbli_version"] == "2020"]
    with open(REFERENCE / "marketplaces.csv", encoding="utf-8") as handle:
        marketplaces = [r["name"] for r in csv.DictReader(handle)]
    # Some kelurahan are industry centres (rendang in Padang Kaduduak): uneven weights.
    weights = [rng.lognormvariate(0, 1) for _ in kelurahan]

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Data Usaha")
    sheet.append(list(IMPORT_COLUMNS))
    niks = set()
    for n in range(rows):
        area = rng.choices(kelurahan, weights)[0]
        code = rng.choice(kbli)
        product = rng.choice((code["typical_payakumbuh_products"] or code["title"]).split(","))
        woman = rng.random() < 0.64  # most IKM owners in the programme are women
        given = rng.choice(GIVEN)
        owner = f"{given} {rng.choice(FAMILY)}"
        while True:
            day = rng.randint(1, 28) + (40 if woman else 0)
            nik = (
                f"1376{rng.randint(1, 5):02d}{day:02d}{rng.randint(1, 12):02d}{rng.randint(55, 99):02d}{rng.randint(1, 9999):04d}"
            )
            if nik not in niks:
                niks.add(nik)
                break
        workers = max(1, int(rng.lognormvariate(1.0, 0.8)))
        online = rng.random() < 0.45
        chosen = rng.sample(marketplaces, rng.randint(1, 3)) if online and rng.random() < 0.6 else []
        name = f"{product.strip().title()} {rng.choice(TITLES)} {given}"
        if rng.random() < 0.3:
            name += f" {rng.choice(PLACES)}"
        values = {
            "nib": f"{9120000000000 + n:013d}",
            "nama_usaha": name, "produk": product.strip().capitalize(), "kbli": code["code"],
            "kode_kelurahan": area["code"] if rng.random() < 0.8 else area["name"],
            "alamat": f"Jl. {rng.choice(PLACES)} No. {rng.randint(1, 200)}, {area['name']}",
            "tahun_berdiri": rng.randint(1985, 2020), "tk_laki_laki": workers // 3, "tk_perempuan": workers - workers // 3,
            # Median investment Rp 40 juta, turnover Rp 12 juta a month; long right tails.
            "investasi": f"Rp {round(rng.lognormvariate(math.log(40e6), 1.1), -3):,.0f}".replace(",", "."),
            "omzet_2019": round(rng.lognormvariate(math.log(12e6), 0.9), -3),
            "toko": rng.choice(("ya", "tidak")), "marketplace": "ya" if chosen else "tidak",
            "nama_marketplace": ", ".join(chosen), "media_sosial": rng.choice(("ya", "tidak", f"IG @{given.lower()}{n}")),
            "whatsapp": "ya" if online else rng.choice(("ya", "tidak")), "website": "",
            "pasar_kota": "ya", "pasar_provinsi": rng.choice(("ya", "tidak")),
            "pasar_luar_provinsi": rng.choice(("ya", "tidak")), "ekspor": "tidak" if rng.random() < 0.97 else "ya",
            "nama_pemilik": owner, "nik_pemilik": nik, "whatsapp_pemilik": f"0812-{n // 10000:04d}-{n % 10000:04d}",
            "email_pemilik": f"{given.lower()}.{n}@contoh.id" if rng.random() < 0.3 else "",
        }  # fmt: skip
        sheet.append([values[c] for c in IMPORT_COLUMNS])
    book.save(path)


# --- Phases (each in its own process) ------------------------------------------------------------


def django_setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "payakumbuh_ikm.settings.test"
    os.environ["TEST_DATABASE_URL"] = database_url()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare_database() -> None:
    """Create and migrate the bench database (once), load the reference data."""
    import psycopg2

    base = database_url().rsplit("/", 1)[0]
    connection = psycopg2.connect(f"{base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    connection.close()
    django_setup()
    from django.core.management import call_command

    from businesses.reference import reference_load

    call_command("migrate", verbosity=0)
    reference_load()
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    if not users.filter(is_superuser=True).exists():  # the staff member whose import is timed
        users.create_superuser(email="bench-impor@contoh.id", password=None, full_name="Bench Impor")


def empty_registry() -> None:
    from django.db import connection

    from businesses.models import Business, Owner

    tables = [Business._meta.db_table, Owner._meta.db_table, Business.history.model._meta.db_table,
              Owner.history.model._meta.db_table]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def phase_floor(path: Path) -> int:
    """openpyxl read_only, then bulk_create of the same owners and businesses: what the
    import cannot beat (no validation, no lookups by name, no history, no preview)."""
    from accounts.phone import phone_normalize
    from businesses.models import Business, Kbli, Kelurahan, Owner
    from businesses.resources import parse_integer
    from spreadsheets.formats import load_read_only

    # openpyxl read_only without its size pre-scan, as the import reads (see load_read_only):
    # the floor must not be slower than what the import does.
    book = load_read_only(path.read_bytes())
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    headers, rows = rows[0], rows[1:]
    column = {h: i for i, h in enumerate(headers)}
    kbli = {k.code: k.pk for k in Kbli.objects.filter(version=2020)}
    kelurahan = {}
    for k in Kelurahan.objects.all():
        kelurahan[k.code] = kelurahan[k.name] = k.pk
    owners = Owner.objects.bulk_create(
        [Owner(nik=r[column["nik_pemilik"]], name=r[column["nama_pemilik"]],
               phone=phone_normalize(r[column["whatsapp_pemilik"]]), email=r[column["email_pemilik"]] or "")
         for r in rows], batch_size=1000)  # fmt: skip
    Business.objects.bulk_create(
        [Business(owner=o, nib=r[column["nib"]], name=r[column["nama_usaha"]], products=r[column["produk"]],
                  kbli_id=kbli[r[column["kbli"]]], kelurahan_id=kelurahan[r[column["kode_kelurahan"]]],
                  address=r[column["alamat"]], year_founded=r[column["tahun_berdiri"]],
                  workers_male=r[column["tk_laki_laki"]], workers_female=r[column["tk_perempuan"]],
                  investment=parse_integer(r[column["investasi"]]), turnover_2019=parse_integer(r[column["omzet_2019"]]))
         for r, o in zip(rows, owners, strict=True)], batch_size=1000)  # fmt: skip
    return len(rows)


def _job(path: Path, status: str):
    """An import job of the file as the upload leaves it (its row and its stored file)."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from spreadsheets.models import ImportJob

    user = get_user_model().objects.filter(is_superuser=True).first()
    job = ImportJob(kind="usaha", status=status, created_by=user, file_name=path.name)
    job.file.save(f"bench-{path.name}", ContentFile(path.read_bytes()), save=True)
    return job


def phase_import(path: Path, dry_run: bool, job_id: int | None = None) -> int:
    """The preview job (dry_run) or the import job, as the worker runs them: for the preview the
    stored file read and every row checked; for the import, the rows its preview kept (job_id,
    see phase_previewed) read, checked again, and everything written, all or nothing."""
    from spreadsheets.models import ImportJob, ImportStatus
    from spreadsheets.services import import_job_apply, import_job_preview

    if dry_run:
        job_id = _job(path, ImportStatus.CHECKING).pk
    (import_job_preview if dry_run else import_job_apply)(job_id=job_id)
    job = ImportJob.objects.get(pk=job_id)
    if job.status != (ImportStatus.READY if dry_run else ImportStatus.DONE):
        raise SystemExit(f"the job refused the bench file ({job.status}):\n" + "\n".join(job.summary.get("messages", [])[:20]))
    return job.summary["totals"]["new"]


def phase_previewed(path: Path) -> int:
    """A job of the file previewed and confirmed, as staff leave it for the import job: the
    import reads the rows its preview kept, as in production. Run untimed, in a process of its
    own, so that the import's timing and peak memory are its own. Returns the job's id."""
    from django.utils import timezone

    from spreadsheets.models import ImportJob, ImportStatus
    from spreadsheets.services import import_job_preview

    job = _job(path, ImportStatus.CHECKING)
    import_job_preview(job_id=job.pk)
    # What import_job_confirm does, without queueing the job: the bench runs it.
    confirmed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.READY).update(
        status=ImportStatus.APPLYING, confirmed_at=timezone.now(), started_at=None, progress=0
    )
    if not confirmed:
        raise SystemExit(f"the preview refused the bench file: {ImportJob.objects.get(pk=job.pk).summary.get('messages')}")
    return job.pk


def phase_requests(path: Path) -> dict:
    """Every request of an import of the file, timed as staff make them (Django's test client,
    in process): the upload form, the upload, the job's page and its status while the job
    waits, the preview page of a file of ``rows`` rows, the confirmation, the result. The jobs
    themselves run between the requests, untimed here (they are the two other phases)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    import spreadsheets.services as services
    from spreadsheets.models import ImportJob

    settings.ALLOWED_HOSTS = ["*"]
    services.enqueue_on_commit = lambda task_path, job_id: None  # the jobs run below, not in a worker
    user = get_user_model().objects.filter(is_superuser=True).first()
    client = Client()
    client.force_login(user)
    client.get("/admin/")  # the first request of a process imports the URL configuration
    timings = {}

    def timed(name, method, url, **kwargs):
        started = time.perf_counter()
        response = getattr(client, method)(url, **kwargs)
        timings[name] = time.perf_counter() - started
        if response.status_code not in (200, 302):
            raise SystemExit(f"{name}: {response.status_code}")
        return response

    base = "/admin/businesses/business/import/"
    timed("upload_form", "get", base)
    response = timed("upload", "post", base, data={"import_file": SimpleUploadedFile(path.name, path.read_bytes())})
    job = ImportJob.objects.latest("pk")
    timed("job_page_waiting", "get", response["Location"])
    timed("job_status", "get", f"{base}{job.pk}/status.json")
    services.import_job_preview(job_id=job.pk)
    timed("job_page_preview", "get", f"{base}{job.pk}/")
    timed("confirm", "post", f"{base}{job.pk}/confirm/")
    services.import_job_apply(job_id=job.pk)
    timed("job_page_done", "get", f"{base}{job.pk}/")
    return timings


def run_phase(phase: str, path: Path, memory: bool) -> dict:
    django_setup()
    empty_registry()
    if phase == "previewed":
        return {"phase": phase, "job": phase_previewed(path)}
    job_id = in_child("previewed", path, memory=False)["job"] if phase == "import" else None
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    if phase == "requests":
        timings = phase_requests(path)
        empty_registry()
        return {"phase": phase, "timings": timings, "seconds": time.perf_counter() - started}
    if phase == "floor":
        rows = phase_floor(path)
    elif phase == "dry_run":
        rows = phase_import(path, dry_run=True)
    else:
        rows = phase_import(path, dry_run=False, job_id=job_id)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if memory else None
    from businesses.models import Business

    saved = Business.objects.count()
    empty_registry()
    return {"phase": phase, "rows": rows, "saved": saved, "seconds": seconds, "tracemalloc_peak": peak,
            "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}  # fmt: skip


def in_child(phase: str, path: Path, memory: bool) -> dict:
    command = [sys.executable, __file__, "--child", phase, "--file", str(path)] + (["--memory"] if memory else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{phase} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- Report --------------------------------------------------------------------------------------


def figure(value: float, floor: float, unit: str, digits: int = 2) -> dict:
    return {"value": round(value, digits), "unit": unit, "floor": round(floor, digits), "ratio": round(value / floor, 1),
            "scale": "city"}  # fmt: skip


def report(rows: int, measured: dict) -> dict:
    mb = 1024 * 1024
    floor = measured["floor"]
    out = {
        "rows": rows,
        "floor": "openpyxl read_only of the same file + bulk_create of the same owners and businesses",
        "database": "PostgreSQL (local), settings payakumbuh_ikm.settings.test, database " + DATABASE,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": f"{[round(x, 1) for x in os.getloadavg()]} on {os.cpu_count()} cores",
        "notes": NOTES,
    }
    timings = measured["requests"]["time"]["timings"]
    slowest = max(timings, key=timings.get)
    out["requests"] = {
        "max_seconds": figure(timings[slowest], REQUEST_BUDGET_SECONDS, "s"),
        "slowest": slowest,
        "seconds": {name: round(value, 3) for name, value in timings.items()},
        "floor_is": "the 2 s budget of any request (issue 15), not a measured floor",
    }
    for phase in ("dry_run", "import"):
        m = measured[phase]
        out[phase] = {
            "seconds": figure(m["time"]["seconds"], floor["time"]["seconds"], "s"),
            "maxrss_mb": figure(m["memory"]["maxrss"] / mb, floor["memory"]["maxrss"] / mb, "MB", 1),
        }
        if m["memory"]["tracemalloc_peak"] is not None:
            out[phase]["tracemalloc_peak_mb"] = figure(
                m["memory"]["tracemalloc_peak"] / mb, floor["memory"]["tracemalloc_peak"] / mb, "MB", 1
            )
    return out


def print_table(result: dict) -> None:
    print(f"\nImport of {result['rows']:,} businesses (floor: {result['floor']})\n")
    print(f"{'':10} {'figure':20} {'value':>10} {'floor':>10} {'ratio':>7}")
    for phase in ("dry_run", "import", "requests"):
        for name, f in result[phase].items():
            if not (isinstance(f, dict) and "ratio" in f):
                continue
            print(f"{phase:10} {name:20} {f['value']:>10} {f['floor']:>10} {f['ratio']:>6}x")


def save(result: dict) -> None:
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing["import_10k"] = result
    temporary = RESULTS.with_suffix(".tmp")
    temporary.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
    temporary.replace(RESULTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--file", type=Path, help="use this .xlsx instead of generating one")
    parser.add_argument("--no-save", action="store_true", help="print only; leave bench/results.json alone")
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--quick", action="store_true", help="time only, no memory runs; implies --no-save")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also a second run of each phase under tracemalloc (Python's own peak); maxrss comes from the timed run",
    )
    parser.add_argument("--child", choices=(*PHASES, "previewed"), help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(run_phase(args.child, args.file, args.memory)))
        return

    prepare_database()
    path = args.file or Path(f"/tmp/payakumbuh-bench-{args.rows}.xlsx")
    if not args.file:
        started = time.perf_counter()
        generate_xlsx(path, args.rows)
        print(f"generated {path} ({path.stat().st_size / 1024 / 1024:.1f} MB) in {time.perf_counter() - started:.1f}s")
    measured = {}
    for phase in args.phases.split(","):
        measured[phase] = {"time": in_child(phase, path, memory=False)}
        print(f"{phase}: {measured[phase]['time']['seconds']:.1f}s", flush=True)
        if phase == "requests":
            print("  " + ", ".join(f"{k} {v:.2f}s" for k, v in measured[phase]["time"]["timings"].items()), flush=True)
        if args.quick or phase == "requests":
            continue
        # maxrss is the timed run's own peak; tracemalloc (which slows the run) only on request,
        # so that make bench stays within its 15 minutes.
        measured[phase]["memory"] = in_child(phase, path, memory=True) if args.tracemalloc else measured[phase]["time"]
        expected = 0 if phase == "dry_run" else args.rows
        if measured[phase]["time"]["saved"] != expected:
            raise SystemExit(f"{phase} saved {measured[phase]['time']['saved']} businesses, expected {expected}")
    if set(measured) != set(PHASES) or args.quick:
        print(json.dumps(measured, indent=2))
        return
    result = report(args.rows, measured)
    print_table(result)
    if not args.no_save:
        save(result)
        print(f"\nmerged into {RESULTS} under 'import_10k'")


if __name__ == "__main__":
    main()
