import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """A request in one test leaves its language active in the thread; start from Indonesian."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in the real Redis: each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def reference(db):
    """Kecamatan, kelurahan, KBLI and marketplaces, loaded the way the quick start loads them."""
    from businesses.reference import reference_load

    return reference_load()


@pytest.fixture
def celery_worker(worker_id):
    """A real Celery worker (a thread in this process) consuming from the real Redis broker.

    Tasks it runs use their own database connection: tests that use it need
    ``@pytest.mark.django_db(transaction=True)``. One queue per xdist worker keeps parallel
    runs apart.
    """
    from celery.contrib.testing.worker import start_worker

    from payakumbuh_ikm.celery import app

    queue = f"test-{worker_id}"
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, pool="solo", queues=[queue], perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved
