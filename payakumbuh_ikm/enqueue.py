"""Sending a Celery task from a service: after the commit, and never an error page for a broker
outage.

A task sent before the commit can run against rows that do not exist yet (pretix's
``TransactionAwareTask``), so services send with ``enqueue_on_commit``. Every task sent from a
service has a sweep on beat that sends it again when the row it serves is still waiting
(messages_sweep, exports_sweep, the summaries' sweep): when the broker is unreachable the
change the user made is already committed, so the send is logged and left to that sweep instead
of turning a saved change into an error page.
"""

import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args, **options) -> bool:
    """Send ``task(*args)`` now (``options`` as for ``apply_async``: queue, countdown). False,
    and a warning in the log, when the broker is unreachable: the task's sweep sends it later."""
    try:
        task.apply_async(args, **options)
    except Exception:  # any broker error (connection refused, timeout, authentication)
        logger.warning("Broker unreachable; %s%r left for the sweep", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Task, *args, **options) -> None:
    """``enqueue`` once the current transaction commits; nothing when it rolls back. Outside a
    transaction (autocommit) Django runs it at once."""
    transaction.on_commit(lambda: enqueue(task, *args, **options))
