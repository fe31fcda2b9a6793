from celery import shared_task

from .selectors import period_parse
from .services import reminders_send


@shared_task
def reminders_send_task(period: str | None = None) -> int:
    """``period`` is ``YYYY-MM`` (JSON-safe); none means last month."""
    return reminders_send(period=period_parse(period) if period else None)
