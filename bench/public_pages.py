"""Bench: throughput of the public pages (home, training catalogue, a session page) under wrk.

gunicorn on 127.0.0.1 with the production settings (DEBUG off, persistent database
connections, whitenoise, Redis cache) through ``bench.bench_settings``, which only adds a trivial
Django view at /bench/trivial/ (an HttpResponse of two bytes: same server, middleware and
settings, no template, no query). That view is the floor: each page's requests per second are
divided by the floor's, target at least 0.5, with no error (a socket error or any answer other
than 2xx; every page is first checked to answer 200, not a redirect).

Data: bench/datagen.py at city scale (2,000 businesses, 36 months, about 57 training sessions
with their registrations) and 12 upcoming sessions of 20 registrations each (datagen's sessions
are all in the past), in the database bench_h4_pages; the session page is the upcoming
published session with the most registrations. The floor is measured before and after the pages
and the lower of the two is kept, so a machine that grows busier during the run does not flatter
the pages. Own resources: database bench_h4_pages (kept between runs: datagen rebuilds only when
asked for other data), Redis databases 8 (cache, sessions) and 9 (broker, not consumed).

    .venv/bin/python bench/public_pages.py                       # ~2 minutes, writes bench/results.json
    .venv/bin/python bench/public_pages.py --seconds 3 --no-save
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import datagen

from bench import loopback

KEY = "public_pages"
DATABASE = "bench_h4_pages"
REDIS_CACHE_DB, REDIS_BROKER_DB = 8, 9
STATIC_ROOT = "/tmp/payakumbuh-bench-h4-static"
FLOOR = "/bench/trivial/"
TARGET_RATIO = 0.5


def upcoming_sessions(count: int = 12, registrations: int = 20) -> None:
    """datagen's sessions are in its months, up to now; the catalogue lists those still to come.
    ``count`` published sessions in the coming weeks, each with ``registrations`` confirmed
    businesses (once: a later run finds them)."""
    from datetime import timedelta

    from django.utils import timezone

    from businesses.models import Business, BusinessStatus
    from trainings.models import Registration, RegistrationStatus, SessionStatus, Topic, TrainingSession

    now = timezone.now()
    if TrainingSession.objects.filter(status=SessionStatus.PUBLISHED, starts_at__gt=now).exists():
        return
    topics = list(Topic.objects.order_by("pk"))
    verified = list(Business.objects.filter(status=BusinessStatus.VERIFIED).order_by("pk")[: count * registrations])
    for n in range(count):
        starts = (now + timedelta(days=4 + 3 * n)).replace(hour=2, minute=0, second=0, microsecond=0)
        session = TrainingSession(
            topic=topics[n % len(topics)],
            title=f"Jualan di marketplace, angkatan bench {n + 1}",
            trainer="Uni Rina, Rumah Kreatif BUMN",
            venue="Aula Disnakerin, Jl. Veteran No. 70, Payakumbuh",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            capacity=30,
            status=SessionStatus.PUBLISHED,
        )
        session.full_clean()
        session.save()
        Registration.objects.bulk_create(
            Registration(session=session, business=b, participant_name=b.name[:150], status=RegistrationStatus.CONFIRMED)
            for b in verified[n * registrations : (n + 1) * registrations]
        )


def session_path() -> str:
    from django.db.models import Count
    from django.utils import timezone

    from trainings.models import SessionStatus, TrainingSession

    session = (
        TrainingSession.objects.filter(status=SessionStatus.PUBLISHED, starts_at__gt=timezone.now())
        .annotate(n=Count("registrations"))
        .order_by("-n", "pk")
        .first()
    )
    return f"/pelatihan/{session.pk}/"


def wrk(port: int, path: str, seconds: int, connections: int, threads: int) -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",  # a slow answer on a busy machine is latency, not an error
        "-H",
        "X-Forwarded-Proto: https",
        f"http://{loopback.HOST}:{port}{path}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rate": rate,
        "requests": requests,
        "errors": (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0),
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2 cores)")
    parser.add_argument("--no-save", action="store_true", help="print only; leave bench/results.json alone")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y --no-install-recommends wrk")

    redis = loopback.redis_base()
    started = time.perf_counter()
    datagen.django_setup(
        DATABASE,
        cache_url=f"{redis.replace('redis://', 'rediscache://')}/{REDIS_CACHE_DB}",
        broker_url=f"{redis}/{REDIS_BROKER_DB}",
    )
    info = datagen.build(scale="city")
    upcoming_sessions()
    pages = {"home": "/", "catalogue": "/pelatihan/", "session": session_path()}
    from django.db import connections

    connections.close_all()
    print(f"{DATABASE} ready in {time.perf_counter() - started:.0f}s ({info})", flush=True)

    port = loopback.free_port()
    env = loopback.environment(DATABASE, REDIS_CACHE_DB, REDIS_BROKER_DB, STATIC_ROOT, port)
    env.pop("TEST_DATABASE_URL", None)
    loopback.redis_flush(REDIS_CACHE_DB, REDIS_BROKER_DB)
    loopback.manage(env, "collectstatic", "--noinput", "-v0")
    log = Path(f"/tmp/bench-pages-gunicorn-{port}.log")
    process = loopback.gunicorn_start(env, port, args.workers, log)
    measured = {}
    try:
        for name, path in {"floor": FLOOR, **pages}.items():
            status, body = loopback.get(port, path)
            if status != 200:
                raise SystemExit(f"{name} {path}: HTTP {status}, expected 200\n{body[:300]!r}")
        runs = [("floor", FLOOR), *pages.items(), ("floor_after", FLOOR)]
        for name, path in runs:
            wrk(port, path, 1, args.connections, 2)  # warm: persistent connections, cached fragments
            measured[name] = wrk(port, path, args.seconds, args.connections, 2)
            print(
                f"{name:12} {path:24} {measured[name]['rate']:8.0f} req/s  p99 {measured[name]['p99_ms']} ms  "
                f"errors {measured[name]['errors']}",
                flush=True,
            )
    finally:
        loopback.gunicorn_stop(process)
        loopback.redis_flush(REDIS_CACHE_DB, REDIS_BROKER_DB)

    floor = min(measured["floor"]["rate"], measured["floor_after"]["rate"])
    scale = f"city ({info.get('businesses', 2000)} businesses), {args.connections} connections"
    result = {
        "server": f"gunicorn, {args.workers} sync workers, 127.0.0.1; settings payakumbuh_ikm.settings.prod "
        "(via bench.bench_settings); wrk 2 threads",
        "floor": f"{FLOOR}: a trivial Django view on the same gunicorn (the lower of a run before and after the pages)",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        "floor_runs": [round(measured["floor"]["rate"]), round(measured["floor_after"]["rate"])],
        "errors": sum(m["errors"] for m in measured.values()),
        "target": f"each page >= {TARGET_RATIO} x the floor's requests/s, no error",
    }
    for name, path in pages.items():
        m = measured[name]
        result[name] = loopback.figure(
            m["rate"], floor, "requests/s", m["rate"] / floor, scale, digits=0, path=path, p99_ms=m["p99_ms"],
            errors=m["errors"], holds=m["rate"] / floor >= TARGET_RATIO and not m["errors"],
        )  # fmt: skip
    if not args.no_save:
        loopback.save(KEY, result)
        print(f"merged into {loopback.RESULTS} under '{KEY}'")
    # A missed ratio is a finding for BENCHMARKS.md, not a failure of the run; a failed request is.
    missed = [f"{n} at {result[n]['ratio']} x the floor" for n in pages if result[n]["ratio"] < TARGET_RATIO]
    if missed:
        print(f"target missed (>= {TARGET_RATIO} x the floor): " + "; ".join(missed), file=sys.stderr)
    if result["errors"]:
        print(f"FAILED: {result['errors']} requests failed; gunicorn's log: {log}", file=sys.stderr)
        return 1
    log.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
