import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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
