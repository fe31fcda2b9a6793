"""The heartbeat: beat sends it every minute, a worker runs it; /sehat/ reads both timestamps."""

from celery import shared_task
from celery.signals import before_task_publish, worker_ready

from . import health

HEARTBEAT_TASK = "payakumbuh_ikm.tasks.heartbeat_task"


@shared_task(name=HEARTBEAT_TASK, ignore_result=True)
def heartbeat_task() -> None:
    health.heartbeat_record("worker")


@before_task_publish.connect
def _beat_heartbeat(sender=None, **kwargs):
    # Runs in the process that sends the task: for this task that is beat, so a fresh beat
    # timestamp with a stale worker one means "workers are down, beat is fine".
    if sender == HEARTBEAT_TASK:
        health.heartbeat_record("beat")


@worker_ready.connect
def _worker_started(**kwargs):
    health.heartbeat_record("worker")
