"""The one way a service sends a task: after the commit, and a broker outage costs a log line and
a later sweep, never the user's saved change."""

import logging

import pytest
from celery import Celery, shared_task
from django.db import transaction

from payakumbuh_ikm.enqueue import enqueue, enqueue_on_commit

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
