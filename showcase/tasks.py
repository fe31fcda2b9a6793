from celery import shared_task

from .inquiries import inquiries_erase_old


@shared_task
def inquiries_erase_task() -> int:
    return inquiries_erase_old()
