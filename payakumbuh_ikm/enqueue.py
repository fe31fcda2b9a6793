"""Sending a Celery task from a service: after the commit, and never an error page for a broker
outage.

A task sent before the commit can run against rows that do not exist yet (pretix's
``TransactionAwareTask``), so services send with ``enqueue_on_commit``. Every task sent from a
service has a sweep on beat that sends it again when the row it serves is still waiting
(messages_sweep, exports_sweep, the summaries' sweep): when the broker is unreachable the
change the user made is already committed, so the send is logged and left to that sweep instead
of turning a saved change into an error page.

This module is the only one that sends a task from outside a worker, and the only one that sends
from an ``on_commit`` callback (payakumbuh_ikm/tests/test_layering.py checks both).

A task is given as the task itself or as its dotted path ("spreadsheets.tasks.import_apply_task"),
for a module that the tasks module imports and so cannot import it back.
"""

import logging
from collections.abc import Callable, Sequence

from celery import Task
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def _task(task: Task | str) -> Task:
    return import_string(task) if isinstance(task, str) else task


def enqueue(task: Task | str, *args, **options) -> bool:
    """Send ``task(*args)`` now (``options`` as for ``apply_async``: queue, countdown). False,
    and a warning in the log, when the broker is unreachable: the task's sweep sends it later."""
    task = _task(task)
    try:
        task.apply_async(args, **options)
    except Exception:  # any broker error (connection refused, timeout, authentication)
        logger.warning("Broker unreachable; %s%r left for the sweep", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Task | str, *args, **options) -> None:
    """``enqueue`` once the current transaction commits; nothing when it rolls back. Outside a
    transaction (autocommit) Django runs it at once."""
    transaction.on_commit(lambda: enqueue(task, *args, **options))


def enqueue_each(task: Task | str, arguments: Sequence, *, options: Callable[[int], dict] | None = None) -> int:
    """Send ``task(argument)`` for each of ``arguments`` in turn, ``options(n)`` for the n-th
    (a queue each, say); returns how many were sent. Stops at the first broker error: each
    further try would wait out the broker's retries too, and the sweep sends the rest."""
    for done, argument in enumerate(arguments):
        if not enqueue(task, argument, **(options(done) if options else {})):
            logger.warning("%d further sends left for the sweep", len(arguments) - done - 1)
            return done
    return len(arguments)


def enqueue_each_on_commit(task: Task | str, arguments: Sequence, *, options: Callable[[int], dict] | None = None) -> None:
    """``enqueue_each`` once the current transaction commits (one callback for them all);
    nothing when it rolls back."""
    transaction.on_commit(lambda: enqueue_each(task, arguments, options=options))
