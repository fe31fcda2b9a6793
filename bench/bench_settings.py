"""Production settings for the benches on loopback, plus one thing production must not have: a
trivial view at /bench/trivial/ (the floor of bench/public_pages.py), mounted by bench.bench_urls.
Everything else, DEBUG off, CONN_MAX_AGE, whitenoise, sessions, is prod.py's."""

from payakumbuh_ikm.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
