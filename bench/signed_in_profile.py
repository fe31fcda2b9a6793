"""Profile: the staff's, officials' and owner's pages of bench/signed_in.py in process, where the
load of a shared machine matters less than under wrk.

Each page is requested ``-n`` times through Django's test client with the bench's production
settings (``bench.bench_settings``, the session of a signed-in user of the page's role), after
two warm-up requests. Reported per page: the CPU time of one request (``time.process_time``),
its wall time (the difference is mostly waiting for PostgreSQL and Redis), its queries (with
their SQL under ``--sql``), and with ``--profile`` cProfile's top 20 by own time and by
cumulative time. ``--explain`` prints ``EXPLAIN (ANALYZE, BUFFERS)`` of each query of one
request (SELECTs only).

    BENCH_DATA_PREFIX=mine BENCH_REDIS_URL=redis://127.0.0.1:6379 \\
        .venv/bin/python bench/signed_in_profile.py --scale city --pages roster,dashboard -n 100 --profile

``--scale city`` builds (or reuses) ``<BENCH_DATA_PREFIX>_city`` as signed_in.py does, and makes
its staff and official users there. ``--read-only DATABASE`` reads another database and never
writes to it: every transaction is opened read-only by PostgreSQL
(``default_transaction_read_only``), sessions live in the cache only, sign-in does not update
``last_login``, and the users must already exist there (signed_in.py's ``bench-staf@contoh.id``
and ``bench-pejabat@contoh.id``, or any active user of the role). Redis: databases 14 and 15 of
BENCH_REDIS_URL (``BENCH_SIGNED_IN_REDIS_DBS``), flushed after. ``owner_home`` books next week's
training for its owner as signed_in.py does, so it is left out under ``--read-only``.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

import signed_in  # noqa: E402

from bench import loopback  # noqa: E402

PAGES = ("roster", "dashboard", "admin_businesses", "owner_home")


def setup(scale: str, read_only: str | None) -> None:
    env = signed_in.server_environment(scale, loopback.free_port())
    if not (Path(signed_in.STATIC_ROOT) / "staticfiles.json").exists():
        loopback.manage(env, "collectstatic", "--noinput", "-v0")  # the manifest the templates' {% static %} read
    if not read_only:
        signed_in.django_setup(env, scale)
        return
    options = quote("-c default_transaction_read_only=on")
    env["DATABASE_URL"] = f"{signed_in.datagen.server_url()}/{read_only}?options={options}"
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import user_logged_in
    from django.contrib.auth.models import update_last_login

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")


def existing_user(role, email: str):
    from django.contrib.auth import get_user_model

    from accounts.roles import role_of

    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(email=email).first()
    if user is None:
        user = next((u for u in users.order_by("pk")[:500] if role_of(u) == role), None)
    if user is None:
        raise SystemExit(f"no active {role} user in this database")
    return user


def page_paths(scale: str, read_only: bool, names: list[str]) -> dict:
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from accounts.roles import Role
    from trainings.models import TrainingSession

    find = existing_user if read_only else signed_in.user_for
    staff = find(Role.STAFF, "bench-staf@contoh.id", *(() if read_only else ("Staf Bench",)))
    official = find(Role.OFFICIAL, "bench-pejabat@contoh.id", *(() if read_only else ("Pejabat Bench",)))
    pages = {}
    if "roster" in names:
        finished = (
            TrainingSession.objects.filter(ends_at__lt=timezone.now())
            .annotate(n=Count("registrations"))
            .order_by("-n", "pk")
            .first()
        )
        pages["roster"] = (reverse("trainings:roster", args=[finished.pk]), staff)
    if "dashboard" in names:
        pages["dashboard"] = (reverse("recovery:dashboard"), official)
    if "admin_businesses" in names:
        pages["admin_businesses"] = (reverse("admin:businesses_business_changelist"), staff)
    if "owner_home" in names and not read_only:
        # As signed_in.py's owner meets it: a business with last month unreported, next week's
        # training booked (the session is deleted again by main()).
        business, _period = signed_in.unreported(1)[0]
        signed_in.upcoming_session(business)
        pages["owner_home"] = (reverse("businesses:mine"), signed_in.owner_user(business.owner))
    return pages


def explain(queries: list[dict]) -> None:
    from django.db import connection

    for query in queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, query["params"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"\n--- {sql[:300]}{'…' if len(sql) > 300 else ''}\n{plan}")


def measure(name: str, path: str, user, n: int, args) -> None:
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    for _ in range(2):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{name} {path}: HTTP {response.status_code}")
    captured = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            captured.append({"sql": sql, "params": params, "time": f"{time.perf_counter() - started:.4f}"})

    with connection.execute_wrapper(record):
        client.get(path)
    cpu, wall = time.process_time(), time.perf_counter()
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    for _ in range(n):
        client.get(path)
    if profiler:
        profiler.disable()
    cpu, wall = (time.process_time() - cpu) / n * 1000, (time.perf_counter() - wall) / n * 1000
    size = len(response.content)
    print(f"{name:17} {path}\n  cpu {cpu:7.2f} ms/request  wall {wall:7.2f} ms  queries {len(captured)}"
          f"  {size} bytes  (n={n}{', under cProfile' if profiler else ''}, load {os.getloadavg()[0]:.1f})")  # fmt: skip
    if args.sql:
        for query in captured:
            print(f"    {query['time']}s  {query['sql'][: args.sql]}")
    if profiler:
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
            text = out.getvalue()
            print(text[text.index("   ncalls") :])
    if args.explain:
        explain(captured)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="city", choices=("city", "province"))
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="cProfile's top 20 (own and cumulative time)")
    parser.add_argument("--top", type=int, default=20, help="rows of each cProfile table")
    parser.add_argument("--sql", type=int, nargs="?", const=400, default=0, help="print each query (first N characters)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) each SELECT of one request")
    parser.add_argument("--read-only", metavar="DATABASE", help="read this database, write nothing to it")
    args = parser.parse_args()
    setup(args.scale, args.read_only)
    names = args.pages.split(",")
    try:
        for name, (path, user) in page_paths(args.scale, bool(args.read_only), names).items():
            measure(name, path, user, args.n, args)
    finally:
        if not args.read_only:
            signed_in.upcoming_sessions_delete()  # owner_home's
        loopback.redis_flush(signed_in.CACHE_DB, signed_in.BROKER_DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
