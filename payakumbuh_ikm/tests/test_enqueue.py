"""The one way a service sends a task: after the commit, and a broker outage costs a log line and
a later sweep, never the user's saved change."""

import logging

import pytest
from celery import Celery, shared_task
from django.db import transaction

from payakumbuh_ikm.enqueue import enqueue, enqueue_each, enqueue_each_on_commit, enqueue_on_commit

ran: list[int] = []


@shared_task(name="payakumbuh_ikm.tests.test_enqueue.record")
def record(value: int) -> None:
    ran.append(value)


# A Celery app whose broker nobody listens on, and which gives up at once instead of retrying.
unreachable = Celery("unreachable", broker="redis://127.0.0.1:1/0", set_as_current=False)
unreachable.conf.update(task_publish_retry=False, broker_connection_retry=False, broker_connection_timeout=1)


@unreachable.task(name="unreachable.record")
def record_nowhere(value: int) -> None:
    raise AssertionError("never runs: there is no broker")


@pytest.fixture(autouse=True)
def _nothing_ran():
    ran.clear()


def test_an_unreachable_broker_is_logged_and_answered_false(caplog):
    with caplog.at_level(logging.WARNING, logger="payakumbuh_ikm.enqueue"):
        assert enqueue(record_nowhere, 7) is False
    assert "unreachable.record(7,) left for the sweep" in caplog.text


def test_a_reachable_broker_is_answered_true(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert enqueue(record, 3) is True
    assert ran == [3]


@pytest.mark.django_db(transaction=True)
def test_the_send_waits_for_the_commit():
    with transaction.atomic():
        enqueue_on_commit(record, 1)
        assert ran == []  # inside the transaction: not sent yet
    assert ran == [1]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(record, 2)
        raise RuntimeError("the change failed")
    assert ran == []


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_after_the_commit_keeps_the_change_and_raises_nothing(caplog):
    with caplog.at_level(logging.WARNING, logger="payakumbuh_ikm.enqueue"), transaction.atomic():
        enqueue_on_commit(record_nowhere, 9)
    assert "unreachable.record(9,) left for the sweep" in caplog.text


def test_a_task_named_by_its_dotted_path_is_sent(settings):
    # For a services module that its tasks module imports (spreadsheets): it cannot import them back.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert enqueue("payakumbuh_ikm.tests.test_enqueue.record", 4) is True
    assert ran == [4]


def test_many_sends_go_each_with_its_options(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    queues = []
    assert enqueue_each(record, [1, 2, 3], options=lambda n: queues.append(n) or {"queue": f"q{n}"}) == 3
    assert ran == [1, 2, 3] and queues == [0, 1, 2]


def test_many_sends_stop_at_the_first_broker_error_and_say_how_many_are_left(caplog):
    with caplog.at_level(logging.WARNING, logger="payakumbuh_ikm.enqueue"):
        assert enqueue_each(record_nowhere, [5, 6, 7]) == 0
    assert "unreachable.record(5,) left for the sweep" in caplog.text
    assert "2 further sends left for the sweep" in caplog.text
    assert "(6,)" not in caplog.text  # not tried: each try would wait out the broker's retries


@pytest.mark.django_db(transaction=True)
def test_many_sends_wait_for_the_commit_and_a_rollback_sends_none():
    with transaction.atomic():
        enqueue_each_on_commit(record, [1, 2])
        assert ran == []
    assert ran == [1, 2]
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_each_on_commit(record, [3])
        raise RuntimeError("the change failed")
    assert ran == [1, 2]
