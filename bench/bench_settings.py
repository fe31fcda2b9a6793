"""Production settings for the benches on loopback, plus what production must not have: a
trivial view at /bench/trivial/ (the floor of bench/public_pages.py and bench/signed_in.py),
mounted by bench.bench_urls, and with BENCH_CPU_HEADER set, bench.bench_cpu's middleware (each
response's CPU time in a header). Everything else, DEBUG off, CONN_MAX_AGE, whitenoise,
sessions, is prod.py's."""

import os

from payakumbuh_ikm.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
if os.environ.get("BENCH_CPU_HEADER"):
    MIDDLEWARE = ["bench.bench_cpu.cpu_time", *MIDDLEWARE]  # noqa: F405
