from celery import shared_task

from .services import phone_reset_codes_purge, sign_in_failures_purge


@shared_task
def sign_in_failures_purge_task() -> int:
    return sign_in_failures_purge()


@shared_task
def phone_reset_codes_purge_task() -> int:
    return phone_reset_codes_purge()
