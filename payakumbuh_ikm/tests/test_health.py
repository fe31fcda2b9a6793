"""/sehat/ for the uptime monitor: 200 when everything answers, 503 with the failing part otherwise."""

import json

import pytest
from django.core.cache import cache

from payakumbuh_ikm import health
from payakumbuh_ikm.tasks import heartbeat_task

from .waiting import wait_until

pytestmark = pytest.mark.django_db
URL = "/sehat/"


@pytest.fixture
def with_workers(settings):
    """As in production: tasks go to workers, so their heartbeats are required."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


def _beat_and_worker_alive():
    health.heartbeat_record("beat")
    health.heartbeat_record("worker")


def test_all_ok_answers_200_without_cookies_or_secrets(client, settings, with_workers):
    _beat_and_worker_alive()
    response = client.get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert {name for name, check in data["checks"].items() if check["ok"]} == {"database", "cache", "broker", "worker", "beat"}
    assert data["checks"]["worker"]["age_seconds"] < 5
    assert not response.cookies
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    for secret in [settings.DATABASES["default"]["NAME"], settings.CELERY_BROKER_URL, "postgres", "redis://"]:
        assert secret not in body


def test_is_not_rate_limited(client, with_workers):
    _beat_and_worker_alive()
    assert {client.get(URL).status_code for _ in range(60)} == {200}


def test_a_stale_worker_heartbeat_answers_503(client, with_workers):
    health.heartbeat_record("beat")
    cache.set(health.HEARTBEAT_KEY.format("worker"), 0, timeout=60)  # 1970: long gone
    response = client.get(URL)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["worker"]["ok"] is False and checks["beat"]["ok"] is True


def test_no_heartbeat_yet_answers_503(client, with_workers):
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == {"ok": False, "last_seen": None}


def test_in_process_tasks_need_no_worker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert client.get(URL).status_code == 200


def test_an_unreachable_broker_answers_503_naming_only_the_part(client, settings, with_workers):
    _beat_and_worker_alive()
    settings.CELERY_BROKER_URL = "redis://:geheim@127.0.0.1:1/0"
    response = client.get(URL)
    assert response.status_code == 503
    data = response.json()
    assert data["checks"]["broker"]["ok"] is False and data["checks"]["database"]["ok"] is True
    assert "geheim" not in response.content.decode() and "127.0.0.1" not in response.content.decode()


def test_an_unreachable_cache_answers_503(client, settings, with_workers):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    response = client.get(URL)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False and checks["database"]["ok"] is True


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_task_run_by_a_real_worker_marks_worker_and_beat_alive(client, celery_worker, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # The worker marked itself alive when it started (worker_ready); forget that, so only the
    # task can bring the mark back. Sending the task is what beat does: that marks beat.
    cache.delete_many([health.HEARTBEAT_KEY.format("worker"), health.HEARTBEAT_KEY.format("beat")])
    heartbeat_task.delay()
    wait_until(lambda: cache.get(health.HEARTBEAT_KEY.format("worker")) is not None, timeout=15, step=0.1)
    response = client.get(URL)
    assert response.status_code == 200, json.dumps(response.json())


def test_the_heartbeat_is_scheduled_every_minute():
    from payakumbuh_ikm.celery import app

    entry = app.conf.beat_schedule["portal-heartbeat"]
    assert entry["task"] == "payakumbuh_ikm.tasks.heartbeat_task" and entry["schedule"] == 60.0
