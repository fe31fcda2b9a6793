"""Every read the recovery pages make: periods, reports in scope, completeness, and the figures.

Every figure is read from the pre-computed summaries (``recovery.aggregates`` fills them,
``recovery.measures`` defines them) through ``figures``: the dashboard, its downloads, the
figures page, targets, the business page's city median and every file read the same rows, so
no surface computes a figure a second way. Nothing here writes: a month not yet computed is
shown as such (and the beat's sweep computes it), never computed on a GET.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from accounts.models import User
from businesses.models import Business
from businesses.selectors import businesses_visible_to
from payakumbuh_ikm.templatetags.portal import rupiah

from . import measures
from .measures import month_add, months_between
from .models import FIRST_PERIOD, FigureSummary, Measure, MonthlyReport, SummaryFillState, SummaryTraining, Target, current_period

# Soft warning: a turnover beyond these multiples of last month's asks the reporter to confirm.
UNUSUAL_RISE = 3
UNUSUAL_FALL = 5  # less than a fifth


# --- Periods ----------------------------------------------------------------------------------


def period_default() -> date:
    """Last month in Asia/Jakarta: reports are written after the month has ended."""
    return month_add(current_period(), -1)


# What <input type="month"> sends (2026-01); a date's day (2026-01-31) is ignored. ASCII digits
# only, four of them for the year, so no year reaches date() that it cannot hold.
PERIOD_PATTERN = re.compile(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", re.ASCII)


def period_parse(value: str | None) -> date | None:
    """``YYYY-MM`` to the month's first day, else None: total, whatever a request carries (any
    length, any character; a year such as 9999999999 once raised OverflowError in date())."""
    match = PERIOD_PATTERN.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if year < 1 or not 1 <= month <= 12:
        return None
    return date(year, month, 1)


def period_or_default(value: str | None) -> date:
    """A requested month within the reporting range, or last month."""
    period = period_parse(value)
    if period is None or not FIRST_PERIOD <= period <= current_period():
        return period_default()
    return period


# --- Reports in scope -------------------------------------------------------------------------


def business_for_reports(*, user: User | AnonymousUser, pk: int) -> Business | None:
    """The business whose reports ``user`` may see, or None (an owner asking for someone else's
    business learns nothing)."""
    # The business row alone: its pages and the report form show its own fields only (joining
    # the owner decrypted the owner's NIK on every request).
    return businesses_visible_to(user).filter(pk=pk).first()


def report_for_period(*, business: Business, period: date) -> MonthlyReport | None:
    return MonthlyReport.objects.filter(business=business, period=period).first()


def report_detail(*, user: User | AnonymousUser, pk: int) -> MonthlyReport | None:
    """A report with its business, or None when ``user`` may not see that business."""
    report = (
        MonthlyReport.objects.filter(business__in=businesses_visible_to(user))
        .select_related("business__kelurahan__kecamatan", "business__kbli", "business__owner", "submitted_by", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    return report


def reports_of_business(*, business: Business) -> list[MonthlyReport]:
    """The business's reports, newest first, each with ``index`` (its recovery index) and
    ``city_median`` (the city's median index that month, from the summaries) and
    ``city_provisional`` (that month is still provisional)."""
    reports = list(
        MonthlyReport.objects.filter(business=business)
        .annotate(index=measures.index_expression())
        .select_related("business")
        .order_by("-period")
    )
    medians = city_medians(periods=[r.period for r in reports])
    for report in reports:
        report.index = None if report.no_activity else report.index
        report.city_median, report.city_provisional = medians.get(report.period, (None, True))
    return reports


def with_last_month_status(businesses: QuerySet[Business]) -> QuerySet[Business]:
    """``businesses`` annotated with ``last_month_status``: the status of their report for
    period_default() (None when missing), in the same query."""
    last_month = MonthlyReport.objects.filter(business=OuterRef("pk"), period=period_default())
    return businesses.annotate(last_month_status=Subquery(last_month.values("status")[:1]))


def businesses_for_owner(*, user: User) -> QuerySet[Business]:
    """The owner's businesses with the status of last month's report (None when missing)."""
    businesses = Business.objects.filter(owner__user=user).select_related("kelurahan__kecamatan").order_by("name")
    return with_last_month_status(businesses)


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


def businesses_in_programme(*, period: date) -> QuerySet[Business]:
    """The businesses that count in ``period`` (``measures.in_programme``)."""
    return Business.objects.filter(measures.in_programme(period))


def businesses_not_reported(*, period: date) -> QuerySet[Business]:
    """Businesses in the programme in ``period`` without a report (of any kind) for it."""
    reported = MonthlyReport.objects.filter(business=OuterRef("pk"), period=period)
    return businesses_in_programme(period=period).filter(~Exists(reported))


def completeness(*, period: date, kecamatan_id: int | None = None) -> dict:
    """Who reported a month, who reported no activity and who has not, among the businesses in
    the programme that month (optionally in one kecamatan): the people behind the completeness
    figure. The lists are querysets: each page reads each once."""
    reports = (
        MonthlyReport.objects.filter(period=period)
        .filter(measures.in_programme(period, "business__"))
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


# --- Figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which businesses a figure covers: all in the programme, or those of one kecamatan and/or
    one sector (KBLI division, two digits)."""

    kecamatan_id: int | None = None
    division: str | None = None

    def businesses(self, queryset: QuerySet, prefix: str = "") -> QuerySet:
        if self.kecamatan_id:
            queryset = queryset.filter(**{f"{prefix}kelurahan__kecamatan_id": self.kecamatan_id})
        if self.division:
            queryset = queryset.filter(**{f"{prefix}kbli__code__startswith": self.division})
        return queryset

    @property
    def is_city(self) -> bool:
        return not self.kecamatan_id and not self.division


CITY = Scope()
_COLUMNS = (*measures.COUNTS, "verified", *measures.SUMS, "median_index")


def _row_figures(row: FigureSummary | None) -> dict:
    """A summary row as the figures every page shows (counts, sums and the ratios)."""
    values = dict.fromkeys(measures.COUNTS, 0) | dict.fromkeys((*measures.SUMS, "median_index")) | {"verified": 0}
    if row is not None:
        values |= {key: getattr(row, key) for key in _COLUMNS}
    return measures.derive(values)


def _summaries(*, start: date, end: date, scope: Scope, months: set[date]) -> dict[tuple, FigureSummary]:
    """The summary rows a page shows, in one query, keyed by (period, kecamatan_key, division,
    training): the scope's months, its kecamatan, sectors and trained/untrained split of ``end``,
    the city rows of ``months`` and the all-months before-and-after rows."""
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


@dataclass(frozen=True)
class Freshness:
    """When the figures a page or file shows were computed, and whether any is being redone."""

    computed_at: datetime | None
    updating: bool
    missing: tuple[date, ...]
    # The before-and-after figures, recomputed over every month at once (slower: at province
    # scale minutes, not seconds), have their own time and flag, so that a change waiting for
    # them does not mark the month figures, already fresh, as being updated.
    before_after_at: datetime | None = None
    before_after_updating: bool = False


def _freshness(periods: set[date], *, before_after: bool = False) -> Freshness:
    keys = {f"{p:%Y-%m}" for p in periods} | ({SummaryFillState.ALL_MONTHS} if before_after else set())
    states = list(SummaryFillState.objects.filter(key__in=keys))
    month_states = [s for s in states if s.key != SummaryFillState.ALL_MONTHS]
    overall = next((s for s in states if s.key == SummaryFillState.ALL_MONTHS), None)
    filled = {s.key for s in month_states if s.filled_at is not None}
    missing = tuple(sorted(p for p in periods if f"{p:%Y-%m}" not in filled))
    times = [s.filled_at for s in month_states if s.filled_at is not None]
    return Freshness(
        computed_at=min(times) if times else None,
        updating=bool(missing) or any(s.is_stale for s in month_states),
        missing=missing,
        before_after_at=overall.filled_at if overall else None,
        before_after_updating=before_after and (overall is None or overall.filled_at is None or overall.is_stale),
    )


def latest_complete_period(*, before: date | None = None) -> date:
    """The newest month, up to ``before`` (default last month), whose figures are final: its
    deadline has passed and enough businesses reported (``measures.is_provisional``). The
    dashboard leads with it. Falls back to last month when none is."""
    last = before or period_default()
    rows = FigureSummary.objects.filter(
        period__gte=month_add(last, -12), period__lte=last, kecamatan_key=0, division="", training=SummaryTraining.ALL
    ).order_by("-period")
    for row in rows:
        if not measures.is_provisional(row.period, _row_figures(row)["completeness"]):
            return row.period
    return last


def targets_all() -> list[Target]:
    return list(Target.objects.select_related("set_by").order_by("period", "measure"))


def target_periods(targets: list[Target], latest: date) -> set[date]:
    """The months whose city figures ``target_progress`` compares targets with."""
    return {t.period for t in targets if t.period <= latest} | {latest}


def target_progress(*, targets: list[Target], figures: dict[date, dict], latest: date) -> list[dict]:
    """Each target against the city's figure: that of the target's own month once the month is
    over (``due``: met or missed), else that of ``latest`` (on track or not yet). Targets are the
    city's: they are compared with city figures only. ``figures`` holds the city figures of
    ``target_periods``."""
    rows = []
    for target in targets:
        due = target.period <= latest
        month = target.period if due else latest
        actual = figures[month].get(target.measure)
        rows.append(
            {
                "target": target,
                "due": due,
                "actual_period": month,
                "actual": actual,
                "met": target.met_by(actual),
                "provisional": figures[month]["provisional"],
            }
        )
    return rows


def target_for(targets: list[Target], measure: str, period: date) -> Target | None:
    """The target a month is measured against: the nearest one due in or after ``period``.
    Targets already past are judged against their own month in ``target_progress``, not here."""
    ahead = [t for t in targets if t.measure == measure and t.period >= period]
    return min(ahead, key=lambda t: t.period, default=None)


def targets_page() -> dict:
    """Every target against the city's figures, and when those were computed."""
    targets = targets_all()
    latest = latest_complete_period()
    periods = target_periods(targets, latest)
    rows = FigureSummary.objects.filter(period__in=periods, kecamatan_key=0, division="", training=SummaryTraining.ALL)
    by_period = {row.period: row for row in rows}
    figures = {p: _with_month(_row_figures(by_period.get(p)), p) for p in periods}
    return {
        "targets": targets,
        "progress": target_progress(targets=targets, figures=figures, latest=latest),
        "latest": latest,
        "freshness": _freshness(periods),
    }


def _with_month(figures: dict, period: date) -> dict:
    figures["period"] = period
    figures["provisional"] = measures.is_provisional(period, figures["completeness"])
    return figures


def city_medians(*, periods: list[date]) -> dict[date, tuple[float | None, bool]]:
    """The city's median recovery index for each of ``periods``, from the summaries, and
    whether that month is still provisional."""
    rows = FigureSummary.objects.filter(period__in=set(periods), kecamatan_key=0, division="", training=SummaryTraining.ALL)
    return {row.period: (row.median_index, _with_month(_row_figures(row), row.period)["provisional"]) for row in rows}


# --- Training and recovery --------------------------------------------------------------------

WINDOW = 3
BEFORE_AFTER = ("online_before", "online_after", "index_before", "index_after")


def _before_after(row: FigureSummary | None) -> dict:
    """The before-and-after figures of a slice, with the change of each group and the difference
    between the two changes (the training's apparent effect beyond the general trend)."""
    keys = (*BEFORE_AFTER, *(f"comparison_{k}" for k in BEFORE_AFTER))
    result = {"businesses": 0, "comparison_businesses": 0} | dict.fromkeys(keys)
    if row is not None:
        result |= {"businesses": row.trained_businesses, "comparison_businesses": row.comparison_businesses}
        result |= {key: getattr(row, key) for key in keys}
    for measure in ("online", "index"):
        before, after = result[f"{measure}_before"], result[f"{measure}_after"]
        c_before, c_after = result[f"comparison_{measure}_before"], result[f"comparison_{measure}_after"]
        change = None if before is None or after is None else after - before
        c_change = None if c_before is None or c_after is None else c_after - c_before
        result[f"{measure}_change"] = change
        result[f"comparison_{measure}_change"] = c_change
        result[f"{measure}_difference"] = None if change is None or c_change is None else change - c_change
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


def figures(*, start: date, end: date, scope: Scope = CITY) -> dict:
    """Every figure a page or file shows, for months ``start``..``end`` and the businesses in
    ``scope``, read once from the summaries: headline figures of ``end`` with their targets (on
    the city view only: targets are the city's), the monthly series, breakdowns of ``end`` by
    kecamatan, sector and training, before and after the online-marketing training, every
    target against the city's figure, and when all this was computed (``freshness``). Each
    month says whether it is provisional. Constant queries whatever the data."""
    targets = targets_all()
    series_months = months_between(max(start, FIRST_PERIOD), end)
    first = series_months[0] if series_months else end
    for_targets = target_periods(targets, end)
    newest = period_default()
    needed = set(series_months) | for_targets | {end, newest}
    rows = _summaries(start=first, end=end, scope=scope, months=needed)
    every = SummaryTraining.ALL
    kecamatan, division = scope.kecamatan_id or 0, scope.division or ""
    city_rows = {p: _with_month(_row_figures(rows.get((p, 0, "", every))), p) for p in needed}

    def month_figures(period, kecamatan_key=kecamatan, division_key=division, training=every) -> dict:
        figures = _row_figures(rows.get((period, kecamatan_key, division_key, training)))
        figures["period"] = period
        figures["provisional"] = city_rows[period]["provisional"] if period in city_rows else True
        return figures

    city = month_figures(end)
    kecamatan_rows, sector_rows = _breakdown_rows(rows, period=end, kecamatan=kecamatan, division=division)
    by_sector = [
        month_figures(end, division_key=r.division) | {"key": r.division, "label": r.label} for r in sector_rows if r.verified
    ]
    labels = {
        SummaryTraining.TRAINED: (True, _("Sudah ikut pelatihan sebelum bulan ini")),
        SummaryTraining.UNTRAINED: (False, _("Belum ikut pelatihan")),
    }
    return {
        "start": start,
        "end": end,
        "scope": scope,
        "city": city,
        "headline": _headline(city, targets=targets if scope.is_city else None, end=end),
        "provisional": city["provisional"],
        # The newest month beside the headline one, while it is still provisional.
        "newest": month_figures(newest) if newest > end and city_rows[newest]["provisional"] else None,
        "series": [month_figures(p) for p in series_months],
        "by_kecamatan": [
            month_figures(end, kecamatan_key=r.kecamatan_key) | {"key": r.kecamatan_key, "label": r.label} for r in kecamatan_rows
        ],
        "by_sector": sorted(by_sector, key=lambda r: (-r["verified"], r["key"])),
        "by_training": [
            month_figures(end, training=training) | {"key": key, "label": label} for training, (key, label) in labels.items()
        ],
        "before_after": _before_after(rows.get((None, kecamatan, division, every))),
        "targets": targets,
        "target_progress": target_progress(targets=targets, figures=city_rows, latest=end),
        "freshness": _freshness(set(series_months) | {end}, before_after=True),
    }


def _headline(city: dict, *, targets, end: date) -> list[dict]:
    """The headline cards of month ``end``: each measure's value, and its target where
    ``targets`` are given (the city view only: the targets are the city's)."""
    cards = []
    for measure in HEADLINE:
        definition = measures.DEFINITIONS[measure]
        target = target_for(targets, measure, end) if targets is not None else None
        cards.append(
            {
                "measure": measure,
                "label": definition.label,
                "definition": definition,
                "value": city.get(measure),
                "is_percent": definition.is_percent,
                "target": target,
                "met": target.met_by(city.get(measure)) if target else None,
                "due": target is not None and target.period <= end,
            }
        )
    return cards


def _breakdown_rows(rows: dict, *, period: date, kecamatan: int, division: str) -> tuple[list, list]:
    """The summary rows of ``period`` by kecamatan (the chosen one, or all in their order) and
    by sector within the chosen kecamatan (or the city), every business, trained or not."""
    every = SummaryTraining.ALL
    month_rows = [(k, d, r) for (p, k, d, t), r in rows.items() if p == period and t == every]
    by_kecamatan = sorted((r for k, d, r in month_rows if k and not d and k == (kecamatan or k)), key=lambda r: r.position)
    by_sector = [r for k, d, r in month_rows if k == kecamatan and d and d == (division or d)]
    return by_kecamatan, by_sector
