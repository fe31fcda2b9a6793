from celery import shared_task
from django.conf import settings

from .delivery import TemporaryFailure, message_deliver, message_mark_failed, messages_recover_interrupted
from .outbox import messages_sweep


# Retries by hand rather than with autoretry_for/retry_backoff: the backoff base is a setting
# read at run time (NOTIFICATION_RETRY_BASE_SECONDS; the tests set it to 0), and the last
# failure must be recorded on the row rather than only raised.
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


@shared_task(acks_late=True)
def messages_send_batch(message_ids: list[int]) -> None:
    """Send many queued messages in one task (periodic jobs queue thousands). Each is claimed
    on its own, so a batch run twice, or cut short by a dead worker, sends nothing twice; a
    message that fails for a temporary reason is handed to message_send to retry with backoff."""
    for message_id in message_ids:
        try:
            message_deliver(message_id=message_id)
        except TemporaryFailure:
            message_send.apply_async((message_id,), countdown=settings.NOTIFICATION_RETRY_BASE_SECONDS)


@shared_task
def messages_sweep_task() -> dict:
    return {"requeued": messages_sweep(), "interrupted": messages_recover_interrupted()}
