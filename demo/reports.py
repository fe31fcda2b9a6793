"""A year of believable monthly reports for the quick start: most verified demo businesses report
most months, starting well below their 2019 turnover and climbing back with some noise; a few
never report, some skip a month, a few report no activity or close. Deterministic (each business
draws from its own seeded generator) and idempotent: a (business, month) that already has a
report is left alone, so a second run creates nothing."""

import random
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from businesses.models import Business
from recovery.measures import month_of
from recovery.models import Measure, MonthlyReport, OperatingStatus, RawMaterialAccess, ReportStatus, Target
from recovery.selectors import month_add, period_default

DEMO_MONTHS = 12
_UNITS = {"10": "kg", "13": "lembar", "14": "potong", "15": "buah", "16": "buah", "31": "unit", "32": "buah"}


@dataclass(frozen=True)
class _Course:
    """How one business recovers over the months: from ``start`` to ``target`` of its 2019
    turnover, closing at step ``closes_at`` (or never), selling online from ``online_start``%."""

    start: float
    target: float
    closes_at: int | None
    online_start: int


@dataclass(frozen=True)
class _Month:
    """One month of a business: every draw of the month, made before anything is skipped, so a
    second run sees the same months."""

    step: int
    period: date
    last: bool
    progress: float
    level: float
    skipped: bool
    idle: bool
    raw_roll: float
    note_roll: float
    problem_roll: float
    share_noise: float
    online_noise: int


@transaction.atomic
def reports_seed(*, months: int = DEMO_MONTHS) -> int:
    """Create the missing demo reports for the last ``months`` months; return how many."""
    last = period_default()
    periods = [month_add(last, -back) for back in range(months - 1, -1, -1)]  # oldest first
    existing = set(MonthlyReport.objects.filter(period__in=periods).values_list("business_id", "period"))
    reports = []
    for business in _businesses():
        reports += _business_reports(business, periods, existing)
    bulk_create_with_history(reports, MonthlyReport, batch_size=1000)
    return len(reports)


def _businesses():
    return (
        Business.objects.filter(verified_at__isnull=False)
        .select_related("kbli")
        .only(
            "pk",
            "nib",
            "status",
            "verified_at",
            "deactivated_at",
            "turnover_2019",
            "workers_male",
            "workers_female",
            "kbli__code",
            "owner__user_id",
            "sells_on_marketplace",
            "sells_on_social_media",
            "sells_on_whatsapp",
            "sells_in_shop",
            "reaches_province",
            "reaches_other_provinces",
            "reaches_export",
        )  # fmt: skip
        .select_related("owner")
        .order_by("pk")
    )


def _business_reports(business: Business, periods: list[date], existing: set) -> list[MonthlyReport]:
    """The reports of one business, from its own seeded generator."""
    rng = random.Random(business.nib)  # nosec B311  # seeded demo reports, reproducible; no secret
    if rng.random() < 0.08:
        return []  # never reports: the follow-up list has names on it
    course = _course(rng, business, len(periods))
    reports = []
    for step in range(len(periods)):
        month = _month(rng, course, step, periods)
        if not _left_out(business, month, existing):
            reports.append(_report(business, course, month))
    return reports


def _course(rng: random.Random, business: Business, months: int) -> _Course:
    start, target = rng.uniform(0.3, 0.75), rng.uniform(0.7, 1.35)
    closes_at = rng.randrange(months) if rng.random() < 0.04 else None
    online = business.sells_on_marketplace or business.sells_on_social_media
    return _Course(start=start, target=target, closes_at=closes_at, online_start=rng.randint(0, 20) if online else 0)


def _month(rng: random.Random, course: _Course, step: int, periods: list[date]) -> _Month:
    period, last = periods[step], step == len(periods) - 1
    progress = step / max(len(periods) - 1, 1)
    # Keyword arguments are evaluated in the order written: this is the order of the draws.
    return _Month(
        step=step,
        period=period,
        last=last,
        progress=progress,
        level=max(0.0, course.start + (course.target - course.start) * progress + rng.gauss(0, 0.07)),
        skipped=rng.random() < (0.25 if last else 0.06),
        idle=rng.random() < 0.03,
        raw_roll=rng.random(),
        note_roll=rng.random(),
        problem_roll=rng.random(),
        share_noise=rng.gauss(0, 0.05),
        online_noise=rng.randint(0, 5),
    )


def _left_out(business: Business, month: _Month, existing: set) -> bool:
    """Already reported, skipped, outside the programme (before it joined, after it left), or
    last month of a demo owner's own business (left open, to try the form)."""
    outside = month.period < month_of(business.verified_at) or (
        business.deactivated_at is not None and month.period > month_of(business.deactivated_at)
    )
    owner_keeps_open = month.last and business.owner.user_id
    return (business.pk, month.period) in existing or month.skipped or outside or bool(owner_keeps_open)


def _report(business: Business, course: _Course, month: _Month) -> MonthlyReport:
    closed = course.closes_at is not None and month.step >= course.closes_at
    report = MonthlyReport(
        business_id=business.pk,
        period=month.period,
        status=ReportStatus.SUBMITTED if month.last else ReportStatus.APPROVED,
    )
    if month.last and month.note_roll < 0.05:
        report.status = ReportStatus.RETURNED
        report.return_note = "Jumlah tenaga kerja berbeda jauh dari bulan lalu; mohon diperiksa."
    if month.idle and not closed:
        report.no_activity = True
        return report
    _figures(report, business, course, month, closed)
    _channels(report, business)
    _problems(report, month)
    return report


def _figures(report: MonthlyReport, business: Business, course: _Course, month: _Month, closed: bool) -> None:
    """Turnover, workers, production and online share; all zero or empty once closed."""
    workers = business.workers_male + business.workers_female
    share = max(0.4, min(1.0, 0.6 + 0.4 * month.progress + month.share_noise))
    report.turnover = 0 if closed else int(round(business.turnover_2019 * month.level, -4))
    report.workers_male = 0 if closed else round(business.workers_male * share)
    report.workers_female = 0 if closed else max(0 if workers < 2 else 1, round(business.workers_female * share))
    report.production_volume = None if closed else round(report.turnover / 40_000, 0)
    report.production_unit = "" if closed else _UNITS.get(business.kbli.code[:2], "buah")
    online_share = min(100, course.online_start + int(25 * month.progress) + month.online_noise)
    report.online_share = online_share if course.online_start else 0
    report.operating_status = _operating_status(course, month, closed)


def _operating_status(course: _Course, month: _Month, closed: bool) -> str:
    if closed:
        return OperatingStatus.CLOSED if month.step > course.closes_at + 1 else OperatingStatus.TEMPORARILY_CLOSED
    return OperatingStatus.REDUCED if month.level < 0.6 else OperatingStatus.NORMAL


def _channels(report: MonthlyReport, business: Business) -> None:
    """Where it sells and how far it reaches: as registered."""
    report.channel_shop = business.sells_in_shop
    report.channel_marketplace = business.sells_on_marketplace
    report.channel_social_media = business.sells_on_social_media
    report.channel_whatsapp = business.sells_on_whatsapp
    report.market_city = True
    report.market_province = business.reaches_province
    report.market_other_provinces = business.reaches_other_provinces
    report.market_export = business.reaches_export


def _problems(report: MonthlyReport, month: _Month) -> None:
    """Raw materials, health measures and problems, easing as the city recovers."""
    if month.raw_roll < 0.05:
        report.raw_materials = RawMaterialAccess.UNAVAILABLE
    elif month.raw_roll < 0.35 - 0.2 * month.progress:
        report.raw_materials = RawMaterialAccess.DIFFICULT
    else:
        report.raw_materials = RawMaterialAccess.NORMAL
    report.health_masks = report.health_handwashing = month.progress < 0.7
    report.health_cleaning = True
    report.problem_sales = month.level < 0.8
    report.problem_raw_materials = report.raw_materials != RawMaterialAccess.NORMAL
    report.problem_capital = month.problem_roll < 0.4
    report.problem_distribution = month.problem_roll > 0.85


def targets_seed() -> int:
    """A few city targets for the dashboard: one already past (met or missed against its own
    month) and some ahead. A target already set for a measure and month is left alone."""
    last = period_default()
    wanted = (
        (Measure.MEDIAN_INDEX, month_add(last, -3), 80, "Evaluasi triwulan"),
        (Measure.COMPLETENESS, month_add(last, 3), 90, ""),
        (Measure.SHARE_ONLINE, month_add(last, 6), 60, "Program go digital"),
        (Measure.SHARE_RECOVERED, month_add(last, 12), 60, "RPJMD"),
    )
    created = 0
    for measure, period, value, note in wanted:
        created += Target.objects.get_or_create(measure=measure, period=period, defaults={"value": value, "note": note})[1]
    return created
