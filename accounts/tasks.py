from celery import shared_task

from .services import sign_in_failures_purge


@shared_task
def sign_in_failures_purge_task() -> int:
    return sign_in_failures_purge()
