from datetime import date

from celery import shared_task
from django.utils import timezone

from . import aggregates, measures
from .selectors import month_add, period_parse
from .services import reminders_send


@shared_task
def reminders_send_task(period: str | None = None) -> int:
    """``period`` is ``YYYY-MM`` (JSON-safe); none means last month."""
    return reminders_send(period=period_parse(period) if period else None)


def period_closed(today: date | None = None) -> date:
    """The latest month whose reporting deadline has passed (``measures.report_deadline``: the
    RECOVERY_REPORT_DEADLINE_DAY of the next month): its city report is final, not provisional."""
    today = today or timezone.localdate()
    last = month_add(today.replace(day=1), -1)
    return last if today > measures.report_deadline(last) else month_add(last, -1)


@shared_task
def monthly_report_build_task(period: str | None = None) -> int | None:
    """Build and announce the city's report for ``period`` (``YYYY-MM``; none means the latest
    month whose reporting deadline has passed, from the schedule's day of the month on
    (``ReportSchedule``), so that the daily run catches up a missed day),
    then build a new revision of each report of the ``report_files.REVISION_MONTHS`` months up to it
    whose month's figures changed since (late reports), announcing each
    (``report_files.monthly_report_build``). Running it again when nothing changed does nothing."""
    from .report_files import monthly_report_build, monthly_reports_revise, report_schedule

    if period:
        report_file = monthly_report_build(period=period_parse(period))
        return report_file.pk if report_file else None
    closed = period_closed()
    if timezone.localdate().day < report_schedule().day_of_month:
        # Before the day staff or officials chose: the new month waits; earlier reports are
        # still revised when late reports changed their figures.
        monthly_reports_revise(latest=closed)
        return None
    report_file = monthly_report_build(period=closed)
    return report_file.pk if report_file else None


@shared_task
def export_build_task(report_file_id: int) -> int | None:
    """Build a dashboard export someone started; progress is kept on the ReportFile row."""
    from .report_files import export_build

    report_file = export_build(report_file_id=report_file_id)
    return report_file.pk if report_file else None


@shared_task
def exports_sweep_task() -> list[int]:
    """The beat's pass over dashboard exports whose build was never enqueued or was lost."""
    from .report_files import exports_sweep

    return exports_sweep()


@shared_task
def summaries_refresh_task(months: list[str], before_after: bool = False) -> list[str]:
    """Refresh the summaries of ``months`` (``YYYY-MM``) that are still stale, and the
    before-and-after figures when asked and still stale (only what the changes marked): of many tasks queued by a burst of
    changes, the first refreshes (reading every change committed so far) and the others find
    the months fresh and do nothing."""
    stale = set(aggregates.summaries_stale())
    periods = [p for p in (period_parse(m) for m in months) if p in stale]
    if periods:
        aggregates.summaries_refresh(periods=periods, before_after=False)
    if before_after and aggregates.before_after_stale():
        aggregates.before_after_refresh()  # patches the entries of the businesses changed
    return [f"{p:%Y-%m}" for p in periods]


@shared_task
def summaries_sweep_task() -> list[str]:
    """The beat's pass over the dashboard summaries (``aggregates.summaries_sweep``)."""
    return [f"{p:%Y-%m}" for p in aggregates.summaries_sweep()]
