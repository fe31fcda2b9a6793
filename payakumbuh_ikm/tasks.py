"""The heartbeat: beat sends it every minute, a worker runs it; /sehat/ reads both timestamps."""

import logging

from celery import shared_task
from celery.signals import before_task_publish, worker_ready

from . import health

logger = logging.getLogger(__name__)

HEARTBEAT_TASK = "payakumbuh_ikm.tasks.heartbeat_task"


@shared_task(name=HEARTBEAT_TASK, ignore_result=True)
def heartbeat_task() -> None:
    health.heartbeat_record("worker")


@before_task_publish.connect
def _beat_heartbeat(sender=None, **kwargs):
    # Runs in the process that sends the task: for this task that is beat, so a fresh beat
    # timestamp with a stale worker one means "workers are down, beat is fine".
    if sender == HEARTBEAT_TASK:
        try:
            health.heartbeat_record("beat")
        except Exception:  # a cache outage must not stop beat sending; /sehat/ reports it
            logger.warning("Beat heartbeat not recorded", exc_info=True)


@worker_ready.connect
def _worker_started(**kwargs):
    try:
        health.heartbeat_record("worker")
    except Exception:  # the worker starts anyway; the heartbeat task tries again
        logger.warning("Worker heartbeat not recorded", exc_info=True)
