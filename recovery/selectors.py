"""Every read the recovery pages make: periods, reports in scope, completeness and the measures.

Measures are database aggregates (one grouped query per table), never a loop over businesses.
Definitions, for one month and the reports of verified businesses:

- recovery index of a report = its turnover / the business's 2019 monthly turnover
  (no index when the baseline is 0);
- a report "with activity" is any report not marked "no activity"; among those, *closed* means
  operating status temporarily or permanently closed, and the rest are *active*: recovered
  (index >= 100%), recovering (50-99%) or struggling (< 50%);
- shares (recovered, selling online, raw-material difficulty) are of reports with activity;
- the median index is over reports with activity (closed ones included: their turnover counts);
- jobs compare reported workforce with the workforce the registry holds for the same businesses;
- completeness = reports (of any status) / verified businesses.

Reports returned for correction count as "reported" for completeness but are left out of the
figures until corrected: staff said their numbers are wrong.
"""

import statistics
from datetime import date

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, NullIf, Substr
from django.http import Http404
from django.utils.translation import gettext as _

from businesses.models import Business, BusinessStatus, Kecamatan
from businesses.reference import kbli_divisions
from businesses.selectors import businesses_visible_to
from payakumbuh_ikm.templatetags.portal import rupiah

from .models import CLOSED_STATUSES, FIRST_PERIOD, MonthlyReport, RawMaterialAccess, ReportStatus, current_period

# Soft warning: a turnover beyond these multiples of last month's asks the reporter to confirm.
UNUSUAL_RISE = 3
UNUSUAL_FALL = 5  # less than a fifth


# --- Periods ----------------------------------------------------------------------------------


def month_add(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_default() -> date:
    """Last month in Asia/Jakarta: reports are written after the month has ended."""
    return month_add(current_period(), -1)


def period_parse(value: str | None) -> date | None:
    """``YYYY-MM`` (what <input type="month"> sends) to the month's first day, else None."""
    try:
        year, month = (int(part) for part in (value or "").strip().split("-")[:2])
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


def period_or_default(value: str | None) -> date:
    """A requested month within the reporting range, or last month."""
    period = period_parse(value)
    if period is None or not FIRST_PERIOD <= period <= current_period():
        return period_default()
    return period


# --- Reports in scope -------------------------------------------------------------------------


def business_for_reports(*, user, pk: int) -> Business:
    """The business whose reports ``user`` may see, or 404 (an owner asking for someone else's
    business learns nothing)."""
    business = businesses_visible_to(user).select_related("owner", "kelurahan__kecamatan", "kbli").filter(pk=pk).first()
    if business is None:
        raise Http404
    return business


def report_for_period(*, business: Business, period: date) -> MonthlyReport | None:
    return MonthlyReport.objects.filter(business=business, period=period).first()


def report_detail(*, user, pk: int) -> MonthlyReport:
    """A report with its business, or 404 when ``user`` may not see that business."""
    report = (
        MonthlyReport.objects.filter(business__in=businesses_visible_to(user))
        .select_related("business__kelurahan__kecamatan", "business__kbli", "business__owner", "submitted_by", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    return report


def _index_expression(prefix: str = ""):
    return Cast(F(f"{prefix}turnover"), FloatField()) / Cast(NullIf(F(f"{prefix}business__turnover_2019"), 0), FloatField())


def reports_of_business(*, business: Business) -> list[MonthlyReport]:
    """The business's reports, newest first, each with ``index`` (its recovery index) and
    ``city_median`` (the city's median index that month)."""
    reports = list(
        MonthlyReport.objects.filter(business=business)
        .annotate(index=_index_expression())
        .select_related("business")
        .order_by("-period")
    )
    medians = city_medians(periods=[r.period for r in reports])
    for report in reports:
        report.index = None if report.no_activity else report.index
        report.city_median = medians.get(report.period)
    return reports


def businesses_for_owner(*, user) -> QuerySet[Business]:
    """The owner's businesses with the status of last month's report (None when missing)."""
    last_month = MonthlyReport.objects.filter(business=OuterRef("pk"), period=period_default())
    return (
        Business.objects.filter(owner__user=user)
        .select_related("kelurahan__kecamatan")
        .annotate(last_month_status=Subquery(last_month.values("status")[:1]))
        .order_by("name")
    )


def report_turnover_warning(*, business_id: int, period: date, turnover: int | None) -> str | None:
    """The soft warning for a turnover far from the previous month's (more than three times, or
    less than a fifth), or None. Nothing to compare with (no report, no activity, 0) is no warning."""
    if turnover is None:
        return None
    previous = (
        MonthlyReport.objects.filter(business_id=business_id, period=month_add(period, -1), no_activity=False)
        .values_list("turnover", flat=True)
        .first()
    )
    if not previous:
        return None
    values = {"now": rupiah(turnover), "previous": rupiah(previous)}
    if turnover > UNUSUAL_RISE * previous:
        return (
            _(
                "Omzet %(now)s lebih dari tiga kali omzet bulan sebelumnya (%(previous)s). "
                "Periksa kembali; jika sudah benar, centang “Ya, angka ini benar”."
            )
            % values
        )
    if turnover * UNUSUAL_FALL < previous:
        return (
            _(
                "Omzet %(now)s kurang dari seperlima omzet bulan sebelumnya (%(previous)s). "
                "Periksa kembali; jika sudah benar, centang “Ya, angka ini benar”."
            )
            % values
        )
    return None


# --- Completeness -----------------------------------------------------------------------------


def verified_businesses() -> QuerySet[Business]:
    return Business.objects.filter(status=BusinessStatus.VERIFIED)


def businesses_not_reported(*, period: date) -> QuerySet[Business]:
    """Verified businesses without a report (of any kind) for ``period``."""
    reported = MonthlyReport.objects.filter(business=OuterRef("pk"), period=period)
    return verified_businesses().filter(~Exists(reported))


def completeness(*, period: date, kecamatan_id: int | None = None) -> dict:
    """Who reported, who reported no activity and who has not reported, for verified businesses
    (optionally in one kecamatan). The lists are querysets: each page reads each once."""
    reports = (
        MonthlyReport.objects.filter(period=period, business__status=BusinessStatus.VERIFIED)
        .select_related("business__kelurahan__kecamatan")
        .order_by("business__name", "pk")
    )
    missing = businesses_not_reported(period=period).select_related("owner", "kelurahan__kecamatan").order_by("name", "pk")
    if kecamatan_id:
        reports = reports.filter(business__kelurahan__kecamatan_id=kecamatan_id)
        missing = missing.filter(kelurahan__kecamatan_id=kecamatan_id)
    return {
        "reported": reports.filter(no_activity=False),
        "no_activity": reports.filter(no_activity=True),
        "missing": missing,
    }


# --- Measures ---------------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's continuous median. Other databases have none: see ``_medians``."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _has_percentile() -> bool:
    return connection.vendor == "postgresql"


_ACTIVITY = Q(no_activity=False) & ~Q(status=ReportStatus.RETURNED)
_CLOSED = _ACTIVITY & Q(operating_status__in=CLOSED_STATUSES)
_OPEN = _ACTIVITY & ~Q(operating_status__in=CLOSED_STATUSES)
_MEDIAN_OVER = _ACTIVITY & Q(business__turnover_2019__gt=0)


def _figure_reports() -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.filter(business__status=BusinessStatus.VERIFIED).alias(turnover_double=F("turnover") * 2)


def _aggregates() -> dict:
    baseline = F("business__turnover_2019")
    aggregates = {
        "reported": Count("pk"),
        "no_activity_reports": Count("pk", filter=Q(no_activity=True)),
        "with_activity": Count("pk", filter=_ACTIVITY),
        "active": Count("pk", filter=_OPEN),
        "closed": Count("pk", filter=_CLOSED),
        "recovered": Count("pk", filter=_OPEN & Q(turnover__gte=baseline)),
        "recovering": Count("pk", filter=_OPEN & Q(turnover__lt=baseline, turnover_double__gte=baseline)),
        "struggling": Count("pk", filter=_OPEN & Q(turnover_double__lt=baseline)),
        "online": Count("pk", filter=_ACTIVITY & Q(online_share__gt=0)),
        "raw_difficult": Count(
            "pk", filter=_ACTIVITY & Q(raw_materials__in=[RawMaterialAccess.DIFFICULT, RawMaterialAccess.UNAVAILABLE])
        ),
        "jobs": Sum(F("workers_male") + F("workers_female"), filter=_ACTIVITY),
        "jobs_baseline": Sum(F("business__workers_male") + F("business__workers_female"), filter=_ACTIVITY),
    }
    if _has_percentile():
        aggregates["median_index"] = Median(_index_expression(), filter=_MEDIAN_OVER)
    return aggregates


def _medians(reports: QuerySet[MonthlyReport], group: str | None) -> dict:
    """Median index per group where the database has no percentile (SQLite, the quick start):
    reads one number per report and takes the median in Python."""
    rows = reports.filter(_MEDIAN_OVER).annotate(index=_index_expression())
    values: dict = {}
    if group:
        for key, index in rows.values_list(group, "index"):
            values.setdefault(key, []).append(index)
    else:
        values[None] = list(rows.values_list("index", flat=True))
    return {key: statistics.median(indexes) for key, indexes in values.items() if indexes}


def _share(part: int | None, whole: int | None) -> float | None:
    return (part or 0) / whole if whole else None


def _finish(row: dict, verified: int) -> dict:
    row["verified"] = verified
    row["completeness"] = _share(row.get("reported"), verified)
    row["share_recovered"] = _share(row.get("recovered"), row.get("with_activity"))
    row["share_online"] = _share(row.get("online"), row.get("with_activity"))
    row["share_raw_difficult"] = _share(row.get("raw_difficult"), row.get("with_activity"))
    row["jobs_ratio"] = _share(row.get("jobs"), row.get("jobs_baseline"))
    return row


_EMPTY = {
    key: 0
    for key in (
        "reported",
        "no_activity_reports",
        "with_activity",
        "active",
        "closed",
        "recovered",
        "recovering",
        "struggling",
        "online",
    )
} | {"raw_difficult": 0, "jobs": None, "jobs_baseline": None, "median_index": None}


def _grouped(reports: QuerySet[MonthlyReport], group: str) -> dict:
    rows = {row.pop(group): row for row in reports.values(group).annotate(**_aggregates()).order_by()}
    if not _has_percentile():
        for key, median in _medians(reports, group).items():
            if key in rows:
                rows[key]["median_index"] = median
    return rows


def city_figures(*, period: date) -> dict:
    """The city's figures for one month (see the module docstring for each definition)."""
    reports = _figure_reports().filter(period=period)
    row = dict(_EMPTY) | reports.aggregate(**_aggregates())
    if not _has_percentile():
        row["median_index"] = _medians(reports, None).get(None)
    return _finish(row, verified_businesses().count()) | {"period": period}


def figures_by_kecamatan(*, period: date) -> list[dict]:
    """One row per kecamatan (every kecamatan, also those without reports)."""
    group = "business__kelurahan__kecamatan_id"
    rows = _grouped(_figure_reports().filter(period=period), group)
    verified = dict(verified_businesses().values_list("kelurahan__kecamatan_id").annotate(n=Count("pk")).order_by())
    return [
        _finish(dict(_EMPTY) | rows.get(k.pk, {}), verified.get(k.pk, 0)) | {"key": k.pk, "label": k.name}
        for k in Kecamatan.objects.order_by("code")
    ]


def figures_by_sector(*, period: date) -> list[dict]:
    """One row per KBLI division (golongan pokok) with verified businesses, largest first."""
    reports = _figure_reports().filter(period=period).annotate(division=Substr("business__kbli__code", 1, 2))
    rows = _grouped(reports, "division")
    verified_rows = (
        verified_businesses()
        .annotate(division=Substr("kbli__code", 1, 2))
        .values_list("division", "kbli__version")
        .annotate(n=Count("pk"))
        .order_by()
    )
    verified: dict[str, int] = {}
    versions: dict[str, int] = {}
    for division, version, n in verified_rows:
        verified[division] = verified.get(division, 0) + n
        versions[division] = version
    names = kbli_divisions()
    result = [
        _finish(dict(_EMPTY) | rows.get(code, {}), n)
        | {"key": code, "label": f"{code} {names.get((versions[code], code), '')}".strip()}
        for code, n in verified.items()
    ]
    return sorted(result, key=lambda r: (-r["verified"], r["key"]))


def figures_series(*, end: date, months: int = 12) -> list[dict]:
    """City figures for ``months`` months up to ``end``, oldest first. Completeness uses today's
    verified count for every month (the registry keeps no month-by-month status)."""
    start = max(month_add(end, -(months - 1)), FIRST_PERIOD)
    rows = _grouped(_figure_reports().filter(period__gte=start, period__lte=end), "period")
    verified = verified_businesses().count()
    periods = []
    period = start
    while period <= end:
        periods.append(period)
        period = month_add(period, 1)
    return [_finish(dict(_EMPTY) | rows.get(p, {}), verified) | {"period": p} for p in periods]


def city_medians(*, periods: list[date]) -> dict[date, float | None]:
    """The city's median recovery index for each of ``periods`` (one grouped query)."""
    if not periods:
        return {}
    reports = _figure_reports().filter(period__in=set(periods))
    if _has_percentile():
        rows = reports.filter(_MEDIAN_OVER).values("period").annotate(m=Median(_index_expression())).order_by()
        return {row["period"]: row["m"] for row in rows}
    return _medians(reports, "period")
