from celery import shared_task

from .selectors import period_parse
from .services import reminders_send


@shared_task
def reminders_send_task(period: str | None = None) -> int:
    """``period`` is ``YYYY-MM`` (JSON-safe); none means last month."""
    return reminders_send(period=period_parse(period) if period else None)


@shared_task
def monthly_report_build_task(period: str | None = None) -> int | None:
    """Build and announce the city's report for ``period`` (``YYYY-MM``; none means last month).
    Running it again for a month that is built does nothing."""
    from .reports import monthly_report_build
    from .selectors import period_default

    report_file = monthly_report_build(period=period_parse(period) if period else period_default())
    return report_file.pk if report_file else None


@shared_task
def export_build_task(report_file_id: int) -> int | None:
    """Build a dashboard export someone started; progress is kept on the ReportFile row."""
    from .reports import export_build

    report_file = export_build(report_file_id=report_file_id)
    return report_file.pk if report_file else None
