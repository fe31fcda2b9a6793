import os
import shutil

import pytest


def pytest_runtest_setup(item):
    """``@pytest.mark.requires_tools("pg_dump", ...)``: a test that needs programs outside Python
    is skipped where one is missing, except under ``REQUIRE_TOOLS=1`` (``make test``, so CI),
    where the missing program fails the test instead of hiding it behind a skip."""
    marker = item.get_closest_marker("requires_tools")
    if marker is None:
        return
    missing = [name for name in marker.args if not shutil.which(name)]
    if not missing:
        return
    message = f"not installed: {', '.join(missing)}"
    if os.environ.get("REQUIRE_TOOLS") == "1":
        pytest.fail(f"{message} (make test installs them: scripts/services-up, scripts/browser-deps)", pytrace=False)
    pytest.skip(message)


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


# --- People and businesses every app's tests share: named for what they are -------------------


@pytest.fixture
def staff(reference):
    """A Disnakerin staff member (no NIK access)."""
    from businesses.tests.factories import UserFactory

    return UserFactory(role="staf", email="staf@contoh.id")


@pytest.fixture
def nik_viewer(reference):
    """A staff member in the group allowed to see whole NIKs."""
    from django.contrib.auth.models import Group

    from accounts.roles import NIK_VIEWER_GROUP
    from businesses.tests.factories import UserFactory

    user = UserFactory(role="staf", email="verifikator@contoh.id")
    user.groups.add(Group.objects.get(name=NIK_VIEWER_GROUP))
    return user


@pytest.fixture
def official(reference):
    """An official (pejabat): reads figures, not documents."""
    from businesses.tests.factories import UserFactory

    return UserFactory(role="pejabat", email="pejabat@contoh.id")


@pytest.fixture
def owner(reference):
    """A business owner with an account."""
    from businesses.tests.factories import OwnerFactory

    return OwnerFactory()


@pytest.fixture
def pending_business(owner):
    """A business of ``owner`` waiting for verification."""
    from businesses.tests.factories import BusinessFactory

    return BusinessFactory(owner=owner)


@pytest.fixture
def other_pending_business(reference):
    """A pending business of another owner."""
    from businesses.tests.factories import BusinessFactory

    return BusinessFactory()


@pytest.fixture
def verified_business(owner):
    """A verified business of ``owner`` (2019 baseline Rp15.000.000 a month, 5 workers)."""
    from businesses.tests.factories import VerifiedBusinessFactory

    return VerifiedBusinessFactory(owner=owner)


@pytest.fixture
def other_verified_business(reference):
    """A verified business of another owner."""
    from businesses.tests.factories import VerifiedBusinessFactory

    return VerifiedBusinessFactory()


@pytest.fixture
def roles(db):
    """The role groups. Migrations create them, but a transactional test before this one may
    have flushed the database."""
    from django.contrib.auth.models import Group

    from accounts.roles import GROUP_NAMES

    for name in GROUP_NAMES.values():
        Group.objects.get_or_create(name=name)


@pytest.fixture
def showcase_reference(reference):
    """The registry's reference data and the showcase's categories and sentra on top of it."""
    from showcase.reference import showcase_reference_load

    return showcase_reference_load()


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


_ran_sentinels: set[str] = set()
_published: list[str] = []


@pytest.fixture
def worker_idle(celery_worker):
    """``worker_idle()``: wait until the worker has run every task sent so far, and every task
    those sent in turn; False at the deadline. This makes "nothing more happens" observable,
    where a sleep only hopes it is long enough: the solo worker runs its queue in order, so once
    a marker task sent after everything else has run, so has everything before it; the marker
    is sent again until no other task was published while it waited. (A retry with a countdown
    waits outside the queue: a test of retries waits on the retry itself.)"""
    import time
    import uuid

    from celery.signals import before_task_publish

    def record(sender=None, **kwargs):
        _published.append(sender)

    before_task_publish.connect(record, weak=False)

    def wait(timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sent_before = len(_published)
            marker = uuid.uuid4().hex
            _sentinel.delay(marker)
            while marker not in _ran_sentinels:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.02)
            if len(_published) == sent_before + 1:  # only the marker was sent meanwhile
                return True
        return False

    try:
        yield wait
    finally:
        before_task_publish.disconnect(record)


def _sentinel_task():
    from celery import shared_task

    @shared_task(name="conftest.sentinel")
    def sentinel(marker: str) -> None:
        _ran_sentinels.add(marker)

    return sentinel


_sentinel = _sentinel_task()


@pytest.fixture(scope="session")
def _migration_data(django_db_setup, django_db_blocker):
    """What the data migrations made (role groups with their permissions, training topics),
    read once from the freshly migrated test database, before any transactional test flushes it."""
    from django.contrib.auth.models import Group

    from trainings.models import Topic

    with django_db_blocker.unblock():
        groups = {
            group.name: [(p.content_type.app_label, p.codename) for p in group.permissions.select_related("content_type")]
            for group in Group.objects.all()
        }
        topics = list(Topic.objects.values("name", "slug", "description", "target_divisions"))
    return groups, topics


@pytest.fixture(autouse=True)
def _restore_migration_data(request):
    """A transactional test starts from an emptied database (the one before it flushed it, and
    flushing only brings back content types and permissions): put back the groups, their
    permissions and the topics the migrations made, as a fresh installation has them."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    if not transactional and "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        return
    groups, topics = request.getfixturevalue("_migration_data")
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Group, Permission

    from trainings.models import Topic

    for name, perms in groups.items():
        group, _ = Group.objects.get_or_create(name=name)
        if perms and not group.permissions.exists():
            wanted = {f"{app}.{code}" for app, code in perms}
            group.permissions.set(
                [
                    p
                    for p in Permission.objects.select_related("content_type")
                    if f"{p.content_type.app_label}.{p.codename}" in wanted
                ]
            )
    for topic in topics:
        Topic.objects.get_or_create(slug=topic["slug"], defaults=topic)
