"""A year of believable monthly reports for the quick start: most verified demo businesses report
most months, starting well below their 2019 turnover and climbing back with some noise; a few
never report, some skip a month, a few report no activity or close. Deterministic (each business
draws from its own seeded generator) and idempotent: a (business, month) that already has a
report is left alone, so a second run creates nothing."""

import random

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from businesses.models import Business
from recovery.measures import month_of
from recovery.models import Measure, MonthlyReport, OperatingStatus, RawMaterialAccess, ReportStatus, Target
from recovery.selectors import month_add, period_default

DEMO_MONTHS = 12
_UNITS = {"10": "kg", "13": "lembar", "14": "potong", "15": "buah", "16": "buah", "31": "unit", "32": "buah"}


@transaction.atomic
def recovery_demo_seed(*, months: int = DEMO_MONTHS) -> int:
    """Create the missing demo reports for the last ``months`` months; return how many."""
    last = period_default()
    periods = [month_add(last, -back) for back in range(months - 1, -1, -1)]  # oldest first
    existing = set(MonthlyReport.objects.filter(period__in=periods).values_list("business_id", "period"))
    businesses = (
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
    reports = []
    for business in businesses:
        rng = random.Random(business.nib)  # nosec B311  # seeded demo reports, reproducible; no secret
        if rng.random() < 0.08:
            continue  # never reports: the follow-up list has names on it
        start, target = rng.uniform(0.3, 0.75), rng.uniform(0.7, 1.35)
        closes_at = rng.randrange(months) if rng.random() < 0.04 else None
        online_start = rng.randint(0, 20) if business.sells_on_marketplace or business.sells_on_social_media else 0
        workers = business.workers_male + business.workers_female
        for step, period in enumerate(periods):
            progress = step / max(months - 1, 1)
            level = max(0.0, start + (target - start) * progress + rng.gauss(0, 0.07))
            skipped = rng.random() < (0.25 if period == last else 0.06)
            idle = rng.random() < 0.03
            raw_roll, note_roll, problem_roll = rng.random(), rng.random(), rng.random()
            # Every draw of the month happens before any skip, so a second run sees the same months.
            share_noise, online_noise = rng.gauss(0, 0.05), rng.randint(0, 5)
            # The demo owners' own businesses leave last month open, to try the form; a business
            # reports only while it is in the programme (it joined, and had not yet left).
            outside = period < month_of(business.verified_at) or (
                business.deactivated_at is not None and period > month_of(business.deactivated_at)
            )
            if (business.pk, period) in existing or skipped or outside or (period == last and business.owner.user_id):
                continue
            closed = closes_at is not None and step >= closes_at
            status = ReportStatus.APPROVED if period != last else ReportStatus.SUBMITTED
            report = MonthlyReport(business_id=business.pk, period=period, status=status)
            if period == last and note_roll < 0.05:
                report.status = ReportStatus.RETURNED
                report.return_note = "Jumlah tenaga kerja berbeda jauh dari bulan lalu; mohon diperiksa."
            if idle and not closed:
                report.no_activity = True
                reports.append(report)
                continue
            report.turnover = 0 if closed else int(round(business.turnover_2019 * level, -4))
            share = max(0.4, min(1.0, 0.6 + 0.4 * progress + share_noise))
            report.workers_male = 0 if closed else round(business.workers_male * share)
            report.workers_female = 0 if closed else max(0 if workers < 2 else 1, round(business.workers_female * share))
            report.production_volume = None if closed else round(report.turnover / 40_000, 0)
            report.production_unit = "" if closed else _UNITS.get(business.kbli.code[:2], "buah")
            report.online_share = min(100, online_start + int(25 * progress) + online_noise) if online_start else 0
            report.operating_status = (
                (OperatingStatus.CLOSED if step > closes_at + 1 else OperatingStatus.TEMPORARILY_CLOSED)
                if closed
                else (OperatingStatus.REDUCED if level < 0.6 else OperatingStatus.NORMAL)
            )
            report.raw_materials = (
                RawMaterialAccess.UNAVAILABLE
                if raw_roll < 0.05
                else RawMaterialAccess.DIFFICULT
                if raw_roll < 0.35 - 0.2 * progress
                else RawMaterialAccess.NORMAL
            )
            report.channel_shop = business.sells_in_shop
            report.channel_marketplace = business.sells_on_marketplace
            report.channel_social_media = business.sells_on_social_media
            report.channel_whatsapp = business.sells_on_whatsapp
            report.market_city = True
            report.market_province = business.reaches_province
            report.market_other_provinces = business.reaches_other_provinces
            report.market_export = business.reaches_export
            report.health_masks = report.health_handwashing = progress < 0.7
            report.health_cleaning = True
            report.problem_sales = level < 0.8
            report.problem_raw_materials = report.raw_materials != RawMaterialAccess.NORMAL
            report.problem_capital = problem_roll < 0.4
            report.problem_distribution = problem_roll > 0.85
            reports.append(report)
    bulk_create_with_history(reports, MonthlyReport, batch_size=1000)
    return len(reports)


def targets_demo_seed() -> int:
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
