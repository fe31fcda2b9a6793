"""The ``worker_idle`` fixture (conftest.py), which worker tests use instead of sleeping while
they wait for something not to happen: it must not answer before a chain of tasks has run."""

import time

import pytest
from celery import shared_task

done: list[str] = []


@shared_task(name="payakumbuh_ikm.tests.test_worker_idle.slow_step")
def slow_step(steps_left: int) -> None:
    time.sleep(0.3)  # the thing under test: a step slower than the marker's round trip
    if steps_left:
        slow_step.delay(steps_left - 1)
    else:
        done.append("last")


@pytest.mark.django_db(transaction=True)
def test_the_worker_is_idle_only_once_tasks_sent_by_tasks_have_run(worker_idle):
    done.clear()
    slow_step.delay(3)
    assert worker_idle()
    assert done == ["last"]
