from celery import shared_task
from django.conf import settings

from .services import TemporaryFailure, message_deliver, message_mark_failed, messages_recover_interrupted, messages_sweep


@shared_task(bind=True, max_retries=5, acks_late=True)
def message_send(self, message_id: int) -> None:
    try:
        message_deliver(message_id=message_id)
    except TemporaryFailure as error:
        if self.request.retries >= self.max_retries:
            message_mark_failed(message_id=message_id, error=str(error))
            return
        # Exponential backoff: 1, 2, 4, 8, 16 minutes with the default base of 60 s.
        raise self.retry(exc=error, countdown=settings.NOTIFICATION_RETRY_BASE_SECONDS * 2**self.request.retries) from error


@shared_task
def messages_sweep_task() -> dict:
    return {"requeued": messages_sweep(), "interrupted": messages_recover_interrupted()}
