"""Bench: the showcase (Etalase IKM) at province scale: its pages under wrk, and its search.

Data: bench/datagen.py's province registry (100,000 businesses; six months of reports, the
showcase needs none), a public profile for every verified business and 500,000 approved
products spread over them, written by PostgreSQL itself (``INSERT ... SELECT``) with names and
descriptions drawn from the IKM's real products (rendang, galamai, songket, ...), then ANALYZE.

1. Search p95: ``showcase.search.products_search`` for a set of words (typos included), the way
   the search page runs it (the count, then the first page of 24 with photos), against the bare
   SQL of the same search: the very SQL statements Django generated, run on a cursor with
   ``fetchall`` (no model instances, no Python-side work). Target: ORM p95 <= 2 x bare p95.
2. Pages under wrk, as bench/public_pages.py: gunicorn with the production settings, the showcase
   home, a search result page, a business page and a product page, against the trivial view on
   the same server (target >= 0.5 x its requests/s, no error). Anonymous, as buyers are: the
   pages come from the public cache, as in production.

Own resources: database BENCH_SHOWCASE_DATABASE (default bench_showcase; kept between runs),
Redis databases 12 (cache) and 13 (broker) of BENCH_REDIS_URL.

    .venv/bin/python bench/showcase.py                    # ~ 5 minutes the first time
    .venv/bin/python bench/showcase.py --seconds 3 --no-save
"""

import argparse
import math
import os
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import datagen
from public_pages import FLOOR, wrk

from bench import loopback

KEY = "showcase"
DATABASE = os.environ.get("BENCH_SHOWCASE_DATABASE", "bench_showcase")
REDIS_CACHE_DB, REDIS_BROKER_DB = 12, 13
STATIC_ROOT = "/tmp/payakumbuh-bench-showcase-static"
PRODUCTS = 500_000
PAGE_TARGET = 0.5
SEARCH_TARGET = 2.0
WORDS = ("rendang", "rendag", "galamai", "songket", "sonket", "kopi bubuk", "bordir", "keripik balado")
NAMES = (
    "Rendang daging", "Rendang telur", "Rendang paru", "Rendang suwir", "Galamai durian", "Galamai original",
    "Batiah", "Kerupuk sanjai", "Keripik balado", "Keripik ubi", "Dendeng batokok", "Kue bawang", "Kopi bubuk",
    "Kain songket", "Kain tenun", "Selendang songket", "Mukena bordir", "Kerudung sulaman", "Baju rajutan",
    "Tas anyaman", "Sandal kulit", "Lemari jati", "Kursi rotan", "Ukiran kayu", "Pisau dapur", "Cangkul",
)  # fmt: skip
ADJECTIVES = ("khas Payakumbuh", "asli Minang", "premium", "pedas", "manis", "kering", "motif pucuak rabuang", "super")


def showcase_fill() -> dict:
    """Profiles for every verified business and PRODUCTS products over them (once: a later run
    with the same counts finds them)."""
    from django.db import connection, transaction

    from showcase.models import Product, Profile

    verified = "SELECT id FROM businesses_business WHERE status = 'verified'"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({verified}) v")
        n_verified = cursor.fetchone()[0]
    if Profile.objects.count() == n_verified and Product.objects.count() == PRODUCTS:
        return {"profiles": n_verified, "products": PRODUCTS, "reused": True}
    per_profile = math.ceil(PRODUCTS / n_verified)
    names = "ARRAY[" + ",".join(f"'{n}'" for n in NAMES) + "]"
    adjectives = "ARRAY[" + ",".join(f"'{a}'" for a in ADJECTIVES) + "]"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE showcase_product, showcase_profile, showcase_storelink RESTART IDENTITY CASCADE")
        cursor.execute(
            f"""INSERT INTO showcase_profile (business_id, slug, story, order_phone, show_address, consented_at,
                    trusted, created_at, updated_at)
                SELECT id, 'usaha-' || id, 'Usaha keluarga sejak ' || (1980 + id % 40) || ', bahan dari pasar Payakumbuh.',
                    '+62812' || lpad(id::text, 8, '0'), false, now(), false, now(), now()
                FROM ({verified}) v"""
        )
        cursor.execute(
            f"""INSERT INTO showcase_product (profile_id, slug, name, description, price_min, price_max, unit,
                    min_order, shipping_note, status, refusal_reason, decided_at, position, created_at, updated_at)
                SELECT p.id, 'produk-' || g, n.name || ' ' || a.adjective,
                    n.name || ' ' || a.adjective || ' buatan ' || b.name || ', dikirim ke seluruh Indonesia.',
                    10000 + ((p.id * 7 + g * 13) %% 200) * 2500, NULL, 'kg', 1, '', 'approved', '', now(), g, now(), now()
                FROM showcase_profile p
                JOIN businesses_business b ON b.id = p.business_id
                CROSS JOIN generate_series(1, %s) g
                CROSS JOIN LATERAL (SELECT ({names})[1 + (p.id * 31 + g * 17) %% {len(NAMES)}] AS name) n
                CROSS JOIN LATERAL (SELECT ({adjectives})[1 + (p.id + g) %% {len(ADJECTIVES)}] AS adjective) a
                ORDER BY p.id, g
                LIMIT %s""",
            [per_profile, PRODUCTS],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE showcase_profile; ANALYZE showcase_product; ANALYZE businesses_business")
    return {"profiles": n_verified, "products": PRODUCTS, "reused": False}


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


def search_p95(repeats: int) -> dict:
    """The ORM search, as the page runs it, against its own SQL on a bare cursor (ms)."""
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from showcase.search import Filters, products_search

    orm, bare = [], []
    for _ in range(repeats):
        for words in WORDS:
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                page = Paginator(products_search(Filters(q=words)), 24).get_page(1)
                list(page.object_list)
                page.paginator.count  # noqa: B018 - the page's "N produk"
            orm.append((time.perf_counter() - began) * 1000)
            statements = [q["sql"] for q in queries.captured_queries]
            began = time.perf_counter()
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
            bare.append((time.perf_counter() - began) * 1000)
    return {"orm_p95": _p95(orm), "bare_p95": _p95(bare), "orm_median": statistics.median(orm), "n": len(orm)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2 cores)")
    parser.add_argument("--repeats", type=int, default=1, help="search runs per word")
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
    info = datagen.build(scale="province", months=6)
    from showcase.reference import showcase_reference_load

    showcase_reference_load()
    filled = showcase_fill()
    print(f"{DATABASE} ready in {time.perf_counter() - started:.0f}s ({info}, {filled})", flush=True)

    search = search_p95(args.repeats)
    ratio = search["orm_p95"] / search["bare_p95"]
    print(
        f"search p95: ORM {search['orm_p95']:.1f} ms, bare SQL {search['bare_p95']:.1f} ms, x{ratio:.2f} "
        f"(median ORM {search['orm_median']:.1f} ms, {search['n']} searches)",
        flush=True,
    )

    from showcase.models import Product

    product = Product.objects.select_related("profile").order_by("pk").first()
    pages = {
        "showcase_home": "/etalase/",
        "showcase_search": "/etalase/cari/?q=rendag",
        "showcase_business": f"/etalase/{product.profile.slug}/",
        "showcase_product": f"/etalase/{product.profile.slug}/{product.slug}/",
    }
    from django.db import connections

    connections.close_all()
    port = loopback.free_port()
    env = loopback.environment(DATABASE, REDIS_CACHE_DB, REDIS_BROKER_DB, STATIC_ROOT, port)
    env.pop("TEST_DATABASE_URL", None)
    loopback.redis_flush(REDIS_CACHE_DB, REDIS_BROKER_DB)
    loopback.manage(env, "collectstatic", "--noinput", "-v0")
    log = Path(f"/tmp/bench-showcase-gunicorn-{port}.log")
    process = loopback.gunicorn_start(env, port, args.workers, log)
    measured = {}
    try:
        for name, path in {"floor": FLOOR, **pages}.items():
            status, body = loopback.get(port, path)
            if status != 200:
                raise SystemExit(f"{name} {path}: HTTP {status}, expected 200\n{body[:300]!r}")
        for name, path in [("floor", FLOOR), *pages.items(), ("floor_after", FLOOR)]:
            wrk(port, path, 1, args.connections, 2)
            measured[name] = wrk(port, path, args.seconds, args.connections, 2)
            print(f"{name:18} {path:40} {measured[name]['rate']:8.0f} req/s  errors {measured[name]['errors']}", flush=True)
    finally:
        loopback.gunicorn_stop(process)
        loopback.redis_flush(REDIS_CACHE_DB, REDIS_BROKER_DB)

    floor = min(measured["floor"]["rate"], measured["floor_after"]["rate"])
    scale = f"province ({info.get('businesses')} businesses, {filled['profiles']} public, {PRODUCTS:,} products)"
    result = {
        "server": f"gunicorn, {args.workers} sync workers, 127.0.0.1; settings payakumbuh_ikm.settings.prod; wrk 2 threads",
        "floor": f"{FLOOR}: a trivial Django view on the same gunicorn (the lower of a run before and after)",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        "errors": sum(m["errors"] for m in measured.values()),
        "target": f"pages >= {PAGE_TARGET} x the floor; search ORM p95 <= {SEARCH_TARGET} x bare SQL p95",
        "search_p95": loopback.figure(
            search["orm_p95"],
            search["bare_p95"],
            "ms",
            ratio,
            scale,
            words=list(WORDS),
            searches=search["n"],
            holds=ratio <= SEARCH_TARGET,
        ),  # fmt: skip
    }
    for name, path in pages.items():
        m = measured[name]
        result[name] = loopback.figure(
            m["rate"], floor, "requests/s", m["rate"] / floor, scale, digits=0, path=path, p99_ms=m["p99_ms"],
            errors=m["errors"], holds=m["rate"] / floor >= PAGE_TARGET and not m["errors"],
        )  # fmt: skip
    if not args.no_save:
        loopback.save(KEY, result)
        print(f"merged into {loopback.RESULTS} under '{KEY}'")
    if result["errors"]:
        print(f"FAILED: {result['errors']} requests failed; gunicorn's log: {log}", file=sys.stderr)
        return 1
    log.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
