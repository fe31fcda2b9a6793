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

Training and recovery:

- a business is *trained* when someone of it attended (an Attendance row) a session that has
  finished; trained and untrained businesses get the same figures side by side;
- *before and after*: for businesses that attended a finished online-marketing session, the mean
  over businesses of each one's mean online share (and recovery index) in the 3 months before
  its first such session and in the 3 months after it, the session's month left out; only
  businesses with reports on both sides.

Targets (``Target``) are the city's: a measure's value by a month, compared with that month's
city figure once the month is over, and with last month's before.
"""

import statistics
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
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
from django.db.models.functions import Cast, ExtractMonth, ExtractYear, NullIf, Substr
from django.http import Http404
from django.utils.translation import gettext as _

from businesses.models import Business, BusinessStatus, Kecamatan
from businesses.reference import kbli_divisions
from businesses.selectors import businesses_visible_to
from payakumbuh_ikm.templatetags.portal import rupiah
from trainings.models import Attendance, SessionStatus

from .models import (
    CLOSED_STATUSES,
    FIRST_PERIOD,
    FigureSummary,
    Measure,
    MonthlyReport,
    RawMaterialAccess,
    ReportStatus,
    SummaryTraining,
    Target,
    current_period,
)

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


@dataclass(frozen=True)
class Scope:
    """Which businesses a figure covers: all verified ones, or those of one kecamatan and/or
    one sector (KBLI division, two digits)."""

    kecamatan_id: int | None = None
    division: str | None = None

    def businesses(self, queryset: QuerySet, prefix: str = "") -> QuerySet:
        if self.kecamatan_id:
            queryset = queryset.filter(**{f"{prefix}kelurahan__kecamatan_id": self.kecamatan_id})
        if self.division:
            queryset = queryset.filter(**{f"{prefix}kbli__code__startswith": self.division})
        return queryset


CITY = Scope()


def _figure_reports(scope: Scope = CITY) -> QuerySet[MonthlyReport]:
    reports = MonthlyReport.objects.filter(business__status=BusinessStatus.VERIFIED)
    return scope.businesses(reports, "business__").alias(turnover_double=F("turnover") * 2)


def _verified(scope: Scope = CITY) -> QuerySet[Business]:
    return scope.businesses(verified_businesses())


def count_conditions() -> dict[str, Q]:
    """What each counted figure counts, as a condition on a report (``reported`` counts every
    report). Shared with ``recovery.aggregates``, which pre-computes the same figures."""
    baseline = F("business__turnover_2019")
    return {
        "no_activity_reports": Q(no_activity=True),
        "with_activity": _ACTIVITY,
        "active": _OPEN,
        "closed": _CLOSED,
        "recovered": _OPEN & Q(turnover__gte=baseline),
        "recovering": _OPEN & Q(turnover__lt=baseline, turnover_double__gte=baseline),
        "struggling": _OPEN & Q(turnover_double__lt=baseline),
        "online": _ACTIVITY & Q(online_share__gt=0),
        "raw_difficult": _ACTIVITY & Q(raw_materials__in=[RawMaterialAccess.DIFFICULT, RawMaterialAccess.UNAVAILABLE]),
    }


JOBS = F("workers_male") + F("workers_female")
JOBS_BASELINE = F("business__workers_male") + F("business__workers_female")


def _aggregates() -> dict:
    aggregates = {"reported": Count("pk")} | {key: Count("pk", filter=q) for key, q in count_conditions().items()}
    aggregates["jobs"] = Sum(JOBS, filter=_ACTIVITY)
    aggregates["jobs_baseline"] = Sum(JOBS_BASELINE, filter=_ACTIVITY)
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


def city_figures(*, period: date, scope: Scope = CITY) -> dict:
    """The city's figures for one month (see the module docstring for each definition), or
    those of the businesses in ``scope``."""
    reports = _figure_reports(scope).filter(period=period)
    row = dict(_EMPTY) | reports.aggregate(**_aggregates())
    if not _has_percentile():
        row["median_index"] = _medians(reports, None).get(None)
    return _finish(row, _verified(scope).count()) | {"period": period}


def figures_by_kecamatan(*, period: date, scope: Scope = CITY) -> list[dict]:
    """One row per kecamatan (every kecamatan, also those without reports; only the chosen one
    when ``scope`` names a kecamatan)."""
    group = "business__kelurahan__kecamatan_id"
    rows = _grouped(_figure_reports(scope).filter(period=period), group)
    verified = dict(_verified(scope).values_list("kelurahan__kecamatan_id").annotate(n=Count("pk")).order_by())
    kecamatan = Kecamatan.objects.order_by("code")
    if scope.kecamatan_id:
        kecamatan = kecamatan.filter(pk=scope.kecamatan_id)
    return [_finish(dict(_EMPTY) | rows.get(k.pk, {}), verified.get(k.pk, 0)) | {"key": k.pk, "label": k.name} for k in kecamatan]


def figures_by_sector(*, period: date, scope: Scope = CITY) -> list[dict]:
    """One row per KBLI division (golongan pokok) with verified businesses, largest first."""
    reports = _figure_reports(scope).filter(period=period).annotate(division=Substr("business__kbli__code", 1, 2))
    rows = _grouped(reports, "division")
    verified_rows = (
        _verified(scope)
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


def months_between(start: date, end: date) -> list[date]:
    periods = []
    while start <= end:
        periods.append(start)
        start = month_add(start, 1)
    return periods


def figures_series(*, end: date, months: int = 12, start: date | None = None, scope: Scope = CITY) -> list[dict]:
    """City figures for each month from ``start`` (default: ``months`` months up to ``end``) to
    ``end``, oldest first. Completeness uses today's verified count for every month (the
    registry keeps no month-by-month status)."""
    start = max(start or month_add(end, -(months - 1)), FIRST_PERIOD)
    rows = _grouped(_figure_reports(scope).filter(period__gte=start, period__lte=end), "period")
    verified = _verified(scope).count()
    return [_finish(dict(_EMPTY) | rows.get(p, {}), verified) | {"period": p} for p in months_between(start, end)]


def city_medians(*, periods: list[date]) -> dict[date, float | None]:
    """The city's median recovery index for each of ``periods`` (one grouped query)."""
    if not periods:
        return {}
    reports = _figure_reports().filter(period__in=set(periods))
    if _has_percentile():
        rows = reports.filter(_MEDIAN_OVER).values("period").annotate(m=Median(_index_expression())).order_by()
        return {row["period"]: row["m"] for row in rows}
    return _medians(reports, "period")


# --- Targets ----------------------------------------------------------------------------------


def targets_all() -> list[Target]:
    return list(Target.objects.select_related("set_by").order_by("period", "measure"))


def _figures_for_periods(periods: set[date]) -> dict[date, dict]:
    """City figures for a few months at once (one grouped query and one count)."""
    rows = _grouped(_figure_reports().filter(period__in=periods), "period")
    verified = verified_businesses().count()
    return {p: _finish(dict(_EMPTY) | rows.get(p, {}), verified) | {"period": p} for p in periods}


def target_periods(targets: list[Target], latest: date) -> set[date]:
    """The months whose city figures ``target_progress`` compares targets with."""
    return {t.period for t in targets if t.period <= latest} | {latest}


def target_progress(*, targets: list[Target], latest: date | None = None, figures: dict[date, dict] | None = None) -> list[dict]:
    """Each target against the city's actual figure: that of the target's own month once the
    month is over (``due``: met or missed), else that of the latest month (``latest``, default
    last month: on track or not yet). Targets are the city's: no kecamatan or sector applies.
    ``figures`` (city figures by month, as the dashboard's summaries hold them) saves computing
    them here."""
    latest = latest or period_default()
    if figures is None:
        figures = _figures_for_periods(target_periods(targets, latest))
    rows = []
    for target in targets:
        due = target.period <= latest
        month = target.period if due else latest
        actual = figures[month].get(target.measure)
        rows.append({"target": target, "due": due, "actual_period": month, "actual": actual, "met": target.met_by(actual)})
    return rows


def target_for(targets: list[Target], measure: str, period: date) -> Target | None:
    """The target a month is measured against: the nearest one due in or after ``period``.
    Targets already past are judged against their own month in ``target_progress``, not here."""
    ahead = [t for t in targets if t.measure == measure and t.period >= period]
    return min(ahead, key=lambda t: t.period, default=None)


# --- Training and recovery --------------------------------------------------------------------

# Businesses count as trained once someone of theirs attended a session that has finished.
# "Before and after" looks at the first attended session of this topic (the seeded topic
# "Pemasaran online"), the WINDOW months either side of it, leaving out the training's month.
ONLINE_MARKETING_TOPIC = "pemasaran-online"
WINDOW = 3


def _attended(business_ref: str):
    return Attendance.objects.filter(
        registration__business=OuterRef(business_ref), registration__session__status=SessionStatus.FINISHED
    )


def figures_by_training(*, period: date, scope: Scope = CITY) -> list[dict]:
    """The month's figures for trained and for untrained businesses, side by side."""
    reports = _figure_reports(scope).filter(period=period).annotate(trained=Exists(_attended("business")))
    rows = _grouped(reports, "trained")
    verified = dict(
        _verified(scope).annotate(trained=Exists(_attended("pk"))).values_list("trained").annotate(n=Count("pk")).order_by()
    )
    labels = {True: _("Pernah ikut pelatihan"), False: _("Belum pernah ikut pelatihan")}
    return [
        _finish(dict(_EMPTY) | rows.get(key, {}), verified.get(key, 0)) | {"key": key, "label": label}
        for key, label in labels.items()
    ]


def _month_number(field: str):
    return ExtractYear(field) * 12 + ExtractMonth(field)


def before_after_per_business(*, scope: Scope = CITY, topic_slug: str = ONLINE_MARKETING_TOPIC, **group) -> QuerySet:
    """One row per business that attended a finished session of ``topic_slug`` and reported on
    both sides of its first one: the mean online share and recovery index over the WINDOW
    months before and after it. ``group`` names expressions to carry along with each business
    (``recovery.aggregates`` carries its kecamatan and sector)."""
    first = (
        _attended("business")
        .filter(registration__session__topic__slug=topic_slug)
        .annotate(month=_month_number("registration__session__starts_at"))
        .order_by("month")
        .values("month")[:1]
    )
    reports = (
        _figure_reports(scope)
        .filter(_ACTIVITY)
        .annotate(trained_month=Subquery(first))
        .annotate(offset=_month_number("period") - F("trained_month"))
        .filter(trained_month__isnull=False, offset__gte=-WINDOW, offset__lte=WINDOW)
        .exclude(offset=0)
    )
    before, after = Q(offset__lt=0), Q(offset__gt=0)
    return (
        reports.values("business", **group)
        .annotate(
            online_before=Avg("online_share", filter=before),
            online_after=Avg("online_share", filter=after),
            index_before=Avg(_index_expression(), filter=before),
            index_after=Avg(_index_expression(), filter=after),
        )
        .filter(online_before__isnull=False, online_after__isnull=False)
        .order_by()
    )


BEFORE_AFTER = ("online_before", "online_after", "index_before", "index_after")


def training_before_after(*, scope: Scope = CITY, topic_slug: str = ONLINE_MARKETING_TOPIC) -> dict:
    """For businesses that attended a finished session of ``topic_slug``: the mean of their
    online share and of their recovery index over the WINDOW months before their first such
    session and over the WINDOW months after it (reports with activity). Only businesses with
    reports on both sides count, so the two columns compare the same businesses; each business
    weighs the same whatever its number of reports."""
    per_business = before_after_per_business(scope=scope, topic_slug=topic_slug)
    row = per_business.aggregate(businesses=Count("business"), **{f"mean_{key}": Avg(key) for key in BEFORE_AFTER})
    result = {"businesses": row["businesses"]} | {key: row[f"mean_{key}"] for key in BEFORE_AFTER}
    for key in ("online_before", "online_after"):  # percent points to a ratio, like every share
        result[key] = None if result[key] is None else float(result[key]) / 100
    return result


# --- Dashboard --------------------------------------------------------------------------------

# The headline figures, in the order the dashboard shows them.
HEADLINE = (
    Measure.ACTIVE,
    Measure.SHARE_RECOVERED,
    Measure.MEDIAN_INDEX,
    Measure.JOBS_RATIO,
    Measure.SHARE_ONLINE,
    Measure.SHARE_RAW_DIFFICULT,
    Measure.COMPLETENESS,
)


def _summary_figures(row: FigureSummary | None) -> dict:
    if row is None:
        return _finish(dict(_EMPTY), 0)
    return _finish({key: getattr(row, key) for key in _EMPTY}, row.verified)


def _summaries(*, start: date, end: date, scope: Scope, months: set[date]) -> dict[tuple, FigureSummary]:
    """The summary rows the dashboard shows, in one query, keyed by (period, kecamatan_key,
    division, training): the scope's months, its kecamatan, sectors and trained/untrained split
    of ``end``, the city rows of ``months`` (which also show a month is filled) and the
    all-months before-and-after rows."""
    kecamatan, division, every = scope.kecamatan_id or 0, scope.division or "", SummaryTraining.ALL
    in_kecamatan = Q(kecamatan_key=kecamatan) if kecamatan else ~Q(kecamatan_key=0)
    in_sector = Q(division=division) if division else ~Q(division="")
    wanted = (
        Q(period__gte=start, period__lte=end, kecamatan_key=kecamatan, division=division, training=every)
        | Q(period=end, kecamatan_key=kecamatan, division=division)
        | (Q(period=end, division__in={"", division}, training=every) & in_kecamatan)
        | (Q(period=end, kecamatan_key=kecamatan, training=every) & in_sector)
        | Q(period__in=months, kecamatan_key=0, division="", training=every)
        | Q(period__isnull=True, kecamatan_key__in={0, kecamatan}, division__in={"", division}, training=every)
    )
    return {(r.period, r.kecamatan_key, r.division, r.training): r for r in FigureSummary.objects.filter(wanted)}


def dashboard(*, start: date, end: date, scope: Scope = CITY) -> dict:
    """Everything the dashboard shows and its export writes, for months ``start``..``end`` and
    the businesses in ``scope``: headline figures of ``end`` with their targets, the monthly
    series, breakdowns of ``end`` by kecamatan and sector, trained against untrained, before and
    after the online-marketing training, and every target against the city's actual figure.

    Read from the pre-computed ``FigureSummary`` rows (``recovery.aggregates``), so two queries
    whatever the number of businesses and reports; the figures equal those of the selectors
    above as of the last fill. A month never filled yet is filled here first, once.
    """
    from .aggregates import summaries_refresh  # noqa: PLC0415 - aggregates reads this module's definitions

    targets = targets_all()
    series_months = months_between(max(start, FIRST_PERIOD), end)
    first = series_months[0] if series_months else end
    for_targets = target_periods(targets, period_default())
    needed = set(series_months) | for_targets | {end}
    rows = _summaries(start=first, end=end, scope=scope, months=needed)
    every = SummaryTraining.ALL
    missing = sorted(p for p in needed if (p, 0, "", every) not in rows)
    if missing or (None, 0, "", every) not in rows:
        summaries_refresh(periods=missing, before_after=(None, 0, "", every) not in rows)
        rows = _summaries(start=first, end=end, scope=scope, months=needed)

    kecamatan, division = scope.kecamatan_id or 0, scope.division or ""

    def figures(period, kecamatan_key=kecamatan, division_key=division, training=every) -> dict:
        return _summary_figures(rows.get((period, kecamatan_key, division_key, training)))

    city = figures(end) | {"period": end}
    headline = []
    for measure in HEADLINE:
        target = target_for(targets, measure, end)
        headline.append(
            {
                "measure": measure,
                "label": measure.label,
                "value": city.get(measure),
                "is_percent": measure != Measure.ACTIVE,
                "target": target,
                "met": target.met_by(city.get(measure)) if target else None,
                "due": target is not None and target.period <= end,
            }
        )
    kecamatan_rows = sorted(
        (r for (p, k, d, t), r in rows.items() if p == end and k and not d and t == every and k == (kecamatan or k)),
        key=lambda r: r.position,
    )
    sector_rows = [
        r for (p, k, d, t), r in rows.items() if p == end and k == kecamatan and d and d == (division or d) and t == every
    ]
    by_sector = [figures(end, division_key=r.division) | {"key": r.division, "label": r.label} for r in sector_rows if r.verified]
    labels = {
        SummaryTraining.TRAINED: (True, _("Pernah ikut pelatihan")),
        SummaryTraining.UNTRAINED: (False, _("Belum pernah ikut pelatihan")),
    }
    before_after = rows.get((None, kecamatan, division, every))
    return {
        "start": start,
        "end": end,
        "scope": scope,
        "city": city,
        "headline": headline,
        "series": [figures(p) | {"period": p} for p in series_months],
        "by_kecamatan": [
            figures(end, kecamatan_key=r.kecamatan_key) | {"key": r.kecamatan_key, "label": r.label} for r in kecamatan_rows
        ],
        "by_sector": sorted(by_sector, key=lambda r: (-r["verified"], r["key"])),
        "by_training": [
            figures(end, training=training) | {"key": key, "label": label} for training, (key, label) in labels.items()
        ],
        "before_after": {"businesses": before_after.trained_businesses if before_after else 0}
        | {key: getattr(before_after, key) if before_after else None for key in BEFORE_AFTER},
        "targets": targets,
        "target_progress": target_progress(targets=targets, figures={p: figures(p, 0, "") | {"period": p} for p in for_targets}),
    }
