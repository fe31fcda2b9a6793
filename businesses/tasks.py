from celery import shared_task

from .services import import_uploads_purge


@shared_task
def import_uploads_purge_task() -> int:
    return import_uploads_purge()
