"""Every recovery figure, computed ahead into ``FigureSummary`` (the shape of zulip's analytics:
count tables filled by a job, and a FillState saying how far each is filled). Every page and
file reads these rows through ``selectors.figures``; nothing computes a figure a second way.

The API other code calls:

``summaries_refresh(periods=None, *, before_after=None) -> int``
    Recompute the figures of ``periods`` (dates, any day of the month; ``None``: every month
    from January 2020 to this month) for every slice (kecamatan or all, KBLI division or all,
    trained, untrained or all). A full refresh also recomputes the before-and-after figures that
    span every month; a refresh of a few months leaves them to the sweep unless
    ``before_after=True``. Safe to run twice, and concurrently with itself and with report
    writes: a month whose inputs change while it is being filled stays stale
    (``SummaryFillState``) for the next run.

``summaries_mark_changed(periods)``
    Inside the transaction of a change: those months and the before-and-after figures are
    stale. ``services.figures_changed`` calls it and queues the refresh for after the commit.

``summaries_sweep(now=None) -> list[date]``
    The beat's pass: fills the months never filled or stale (a lost task), and the months whose
    reports changed by a path that does not mark them (writes from a shell), read from the
    reports' history up to ``COMMIT_LAG`` ago.

What each figure means is ``recovery.measures``. Each month is computed with portable queries
(one grouped query for the counts, one for the businesses in the programme, one for the
recovery indexes whose medians are taken in Python), the same on PostgreSQL and SQLite;
``tests/oracle.py`` recomputes every figure independently from the raw rows.
"""

import itertools
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    Avg,
    BigIntegerField,
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone

from businesses.models import Business, Kecamatan
from businesses.reference import kbli_divisions
from trainings.models import Attendance, SessionStatus

from . import measures
from .measures import COUNTS, SUMS
from .models import FIRST_PERIOD, FigureSummary, MonthlyReport, SummaryFillState, SummaryTraining, current_period

ALL = SummaryTraining.ALL
ALL_MONTHS = SummaryFillState.ALL_MONTHS
# The sweep reads the reports' history only up to this long ago: a change is written to the
# history when it is saved, and may commit later (a large import runs in one transaction).
COMMIT_LAG = timedelta(minutes=10)
# Identifies the fill in PostgreSQL's advisory locks, so two fills of a month never interleave.
_LOCK_CLASS = 7261

# Before and after the online-marketing training: the first attended, finished session of this
# topic, and WINDOW months either side of it (its own month left out).
ONLINE_MARKETING_TOPIC = "pemasaran-online"
WINDOW = 3
BEFORE_AFTER = ("online_before", "online_after", "index_before", "index_after")


def _key(period: date | None) -> str:
    return ALL_MONTHS if period is None else f"{period:%Y-%m}"


def months(periods) -> list[date]:
    """The months of ``periods`` (None: the whole reporting range), first days, sorted."""
    if periods is None:
        return measures.months_between(FIRST_PERIOD, current_period())
    return sorted({p.replace(day=1) for p in periods})


# --- One month --------------------------------------------------------------------------------


def _slices(kecamatan: int, division: str, training: int) -> list[tuple[int, str, int]]:
    """The eight slices a (kecamatan, division, training) cell counts in: itself and its
    roll-ups to every kecamatan, every division, every business."""
    return list(itertools.product((kecamatan, 0), (division, ""), (training, ALL)))


def _training(trained: int | bool) -> int:
    return SummaryTraining.TRAINED if trained else SummaryTraining.UNTRAINED


def _trained_flag(period: date, business_field: str) -> Case:
    trained = Q(**{f"{business_field}__in": measures.trained_before(period)})
    return Case(When(trained, then=Value(1)), default=Value(0), output_field=IntegerField())


def month_reports(period: date):
    """The reports that count in ``period``: of businesses in the programme that month."""
    return (
        MonthlyReport.objects.filter(period=period)
        .filter(measures.in_programme(period, "business__"))
        .alias(turnover_double=F("turnover") * 2)
    )


def _month_counts(period: date) -> dict[tuple, dict]:
    """Counts and sums per (kecamatan, division, trained) cell, in one grouped query."""
    aggregates = {"reported": Count("pk")} | {key: Count("pk", filter=q) for key, q in measures.count_conditions().items()}
    aggregates["jobs"] = Sum(measures.JOBS, filter=measures.ACTIVITY, output_field=BigIntegerField())
    aggregates["jobs_registered"] = Sum(measures.JOBS_REGISTERED, filter=measures.ACTIVITY, output_field=BigIntegerField())
    rows = (
        month_reports(period)
        .annotate(
            s_kecamatan=F("business__kelurahan__kecamatan_id"),
            s_division=Substr("business__kbli__code", 1, 2),
            s_trained=_trained_flag(period, "business_id"),
        )
        .values("s_kecamatan", "s_division", "s_trained")
        .annotate(**aggregates)
        .order_by()
    )
    return {(row.pop("s_kecamatan"), row.pop("s_division"), _training(row.pop("s_trained"))): row for row in rows}


def _month_indexes(period: date) -> dict[tuple, list[float]]:
    """Every recovery index of the month, per slice (for the medians)."""
    rows = (
        month_reports(period)
        .filter(measures.INDEXED)
        .annotate(
            s_kecamatan=F("business__kelurahan__kecamatan_id"),
            s_division=Substr("business__kbli__code", 1, 2),
            s_trained=_trained_flag(period, "business_id"),
            s_index=measures.index_expression(),
        )
        .values_list("s_kecamatan", "s_division", "s_trained", "s_index")
        .order_by()
    )
    indexes: dict[tuple, list[float]] = defaultdict(list)
    for kecamatan, division, trained, index in rows.iterator(chunk_size=5000):
        for cell in _slices(kecamatan, division, _training(trained)):
            indexes[cell].append(index)
    return indexes


def _month_programme(period: date) -> tuple[dict[tuple, int], dict[str, int]]:
    """Businesses in the programme per slice, and the KBLI version of each division (its label)."""
    rows = (
        Business.objects.filter(measures.in_programme(period))
        .annotate(
            s_kecamatan=F("kelurahan__kecamatan_id"),
            s_division=Substr("kbli__code", 1, 2),
            s_trained=_trained_flag(period, "pk"),
        )
        .values_list("s_kecamatan", "s_division", "kbli__version", "s_trained")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple, int] = defaultdict(int)
    versions: dict[str, int] = {}
    for kecamatan, division, version, trained, n in rows:
        versions[division] = max(version, versions.get(division, version))
        for cell in _slices(kecamatan, division, _training(trained)):
            counts[cell] += n
    return counts, versions


def _month_rows(period: date, kecamatan: list[tuple[int, str]], division_names: dict) -> list[FigureSummary]:
    counts: dict[tuple, dict] = {}
    for base, row in _month_counts(period).items():
        for cell in _slices(*base):
            total = counts.setdefault(cell, dict.fromkeys(COUNTS, 0) | dict.fromkeys(SUMS))
            for key in COUNTS:
                total[key] += row[key]
            for key in SUMS:
                if row[key] is not None:
                    total[key] = (total[key] or 0) + row[key]
    indexes = _month_indexes(period)
    programme, versions = _month_programme(period)
    positions = {pk: position for position, (pk, _name) in enumerate(kecamatan, start=1)}
    labels = {(pk, ""): name for pk, name in kecamatan} | {
        (0, division): f"{division} {division_names.get((version, division), '')}".strip()
        for division, version in versions.items()
    }
    # Every kecamatan and the city have a row each month, so every page lists them all and
    # knows the month is filled; other slices only where there is a business or a report.
    cells = set(programme) | set(counts) | {(pk, "", ALL) for pk, _name in kecamatan} | {(0, "", ALL)}
    rows = []
    for kecamatan_key, division, training in cells:
        figures = counts.get((kecamatan_key, division, training), {})
        values = indexes.get((kecamatan_key, division, training))
        rows.append(
            FigureSummary(
                period=period,
                kecamatan_key=kecamatan_key,
                division=division,
                training=training,
                label=labels.get((kecamatan_key, "") if not division else (0, division), ""),
                position=positions.get(kecamatan_key, 0),
                verified=programme.get((kecamatan_key, division, training), 0),
                **{key: figures.get(key) or 0 for key in COUNTS},
                **{key: figures.get(key) for key in SUMS},
                median_index=statistics.median(values) if values else None,
            )
        )
    return rows


# --- Before and after the online-marketing training -------------------------------------------


def _month_number(period: date) -> int:
    return period.year * 12 + period.month - 1


def _first_trainings(topic_slug: str | None = ONLINE_MARKETING_TOPIC) -> dict[int, int]:
    """Business -> month number of its first attended, finished session of ``topic_slug`` (of any
    topic when None)."""
    attended = Attendance.objects.filter(registration__session__status=SessionStatus.FINISHED)
    if topic_slug is not None:
        attended = attended.filter(registration__session__topic__slug=topic_slug)
    rows = attended.values_list("registration__business_id").annotate(first=Min("registration__session__starts_at")).order_by()
    return {business: _month_number(measures.month_of(first)) for business, first in rows}


def _cohort_values(cohort: int) -> list[tuple]:
    """Per business, the mean online share and recovery index over the WINDOW months before and
    after month ``cohort`` (a month number), from the reports with activity that count in their
    month: (business, kecamatan, division, online_before, online_after, index_before, index_after)."""
    start = date((cohort - WINDOW) // 12, (cohort - WINDOW) % 12 + 1, 1)
    middle = date(cohort // 12, cohort % 12 + 1, 1)
    end = date((cohort + WINDOW) // 12, (cohort + WINDOW) % 12 + 1, 1)
    counted = Q()
    for period in measures.months_between(start, end):
        if period != middle:
            counted |= Q(period=period) & measures.in_programme(period, "business__")
    before, after = Q(period__lt=middle), Q(period__gt=middle)
    index = measures.index_expression()
    return list(
        MonthlyReport.objects.filter(measures.ACTIVITY, counted)
        .values_list("business_id", "business__kelurahan__kecamatan_id")
        .annotate(
            s_division=Substr("business__kbli__code", 1, 2),
            online_before=Avg("online_share", filter=before),
            online_after=Avg("online_share", filter=after),
            index_before=Avg(index, filter=before),
            index_after=Avg(index, filter=after),
        )
        .filter(online_before__isnull=False, online_after__isnull=False)
        .order_by()
    )


def _weighted_median(pairs) -> float | None:
    """The median of values with weights: the smallest value at which half the weight is
    reached (the mean of two values when exactly half is reached between them). The weights of
    equal values are added first, so the sort is over distinct values (online shares, averages of
    whole percents, have a few hundred)."""
    weights: dict[float, float] = defaultdict(float)
    for value, weight in pairs:
        if value is not None and weight > 0:
            weights[value] += weight
    total = sum(weights.values())
    if not total:
        return None
    values = sorted(weights)
    running = 0.0
    for i, value in enumerate(values):
        running += weights[value]
        if abs(running - total / 2) < 1e-9 and i + 1 < len(values):
            return (value + values[i + 1]) / 2
        if running > total / 2:
            return value
    return values[-1]


def _median(values: list) -> float | None:
    found = [value for value in values if value is not None]
    return statistics.median(found) if found else None


def _cohort_groups(cohort: int, firsts: dict[int, int], any_first: dict[int, int]):
    """The cohort's rows per (kecamatan, division) cell: the businesses first trained that month,
    and those not trained in any topic by the end of its window (the comparison)."""
    mine: dict[tuple, list[tuple]] = defaultdict(list)
    others: dict[tuple, list[tuple]] = defaultdict(list)
    untrained_after = cohort + WINDOW
    for business, kecamatan, division, *values in _cohort_values(cohort):
        if firsts.get(business) == cohort:
            group = mine
        elif any_first.get(business, untrained_after + 1) > untrained_after:
            group = others
        else:
            continue
        # As floats, online shares as ratios, once per row rather than once per slice.
        group[(kecamatan, division)].append(
            tuple(None if value is None else float(value) / scale for value, scale in zip(values, (100, 100, 1, 1), strict=True))
        )
    return mine, others


def _comparison_strata(slice_mine: dict[tuple, list], slice_others: dict[tuple, list]) -> list[tuple[int, list]]:
    """The comparison rows of one slice of one cohort, as (trained businesses to match, rows)
    per stratum: by (kecamatan, division) where every trained cell has comparison businesses,
    else by division, else the whole slice (none when the slice has no comparison business)."""
    strata = [(len(rows), slice_others.get(cell, [])) for cell, rows in slice_mine.items()]
    if all(pool for _n, pool in strata):
        return strata
    wanted: dict[str, int] = defaultdict(int)
    pool: dict[str, list] = defaultdict(list)
    for (_kecamatan, division), rows in slice_mine.items():
        wanted[division] += len(rows)
    for (_kecamatan, division), rows in slice_others.items():
        pool[division] += rows
    if all(pool.get(division) for division in wanted):
        return [(n, pool[division]) for division, n in wanted.items()]
    everyone = [row for rows in slice_others.values() for row in rows]
    if not everyone:
        return []
    return [(sum(wanted.values()), everyone)]


def _before_after_cells() -> dict[tuple, dict]:
    """Per (kecamatan, division) slice and its roll-ups: the median, over trained businesses, of
    their own mean online share and recovery index in the WINDOW months before and after their
    first online-marketing session; and the same for a comparison group (businesses not trained
    by the end of the same windows, same months), weighted so that each cohort month, kecamatan
    and KBLI division weighs as much as among the trained (falling back to the division, then
    the city, where a stratum has no comparison business). Medians, so that one business's
    numbers move a figure by at most one business's share.

    Each cohort's rows are grouped by cell once; a slice is the union of its cells, so no row is
    matched against a slice it is not in."""
    firsts = _first_trainings()
    any_first = _first_trainings(None)
    treated: dict[tuple, list[list]] = defaultdict(list)  # slice -> row lists, weight 1 each
    comparison: dict[tuple, list[tuple[float, list]]] = defaultdict(list)  # slice -> (weight, rows)
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # slice -> [trained, comparison]
    for cohort in sorted(set(firsts.values())):
        mine, others = _cohort_groups(cohort, firsts, any_first)
        if not mine:
            continue
        keys = {key for cell in mine for key in itertools.product((cell[0], 0), (cell[1], ""))}
        for kecamatan, division in keys:

            def inside(cell, kecamatan=kecamatan, division=division):
                return (not kecamatan or cell[0] == kecamatan) and (not division or cell[1] == division)

            slice_mine = {cell: rows for cell, rows in mine.items() if inside(cell)}
            slice_others = {cell: rows for cell, rows in others.items() if inside(cell)}
            key = (kecamatan, division)
            treated[key] += slice_mine.values()
            counts[key][0] += sum(len(rows) for rows in slice_mine.values())
            for n, pool in _comparison_strata(slice_mine, slice_others):
                comparison[key].append((n / len(pool), pool))
                counts[key][1] += len(pool)
    result = {}
    for key, groups in treated.items():
        row = {"trained_businesses": counts[key][0], "comparison_businesses": counts[key][1]}
        for position, name in enumerate(BEFORE_AFTER):
            row[name] = _median([r[position] for rows in groups for r in rows])
            row[f"comparison_{name}"] = _weighted_median(
                (r[position], weight) for weight, rows in comparison.get(key, []) for r in rows
            )
        result[key] = row
    return result


# --- Writing the summaries --------------------------------------------------------------------


def _ensure_states(keys: list[str]) -> None:
    SummaryFillState.objects.bulk_create([SummaryFillState(key=key) for key in keys], ignore_conflicts=True)


def _lock(key: str) -> None:
    """Serialise two fills of the same month (SQLite takes one writer at a time anyway)."""
    if connection.vendor == "postgresql":
        number = 0 if key == ALL_MONTHS else int(key[:4]) * 12 + int(key[5:7])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, number])


def _write(key: str, period: date | None, rows: list[FigureSummary], version: int, started: datetime) -> bool:
    """Replace a month's rows unless a fill that read a newer version already wrote them."""
    with transaction.atomic():
        _lock(key)
        filled = SummaryFillState.objects.filter(key=key).values_list("filled_version", flat=True).first() or 0
        if filled > version:
            return False
        if period is None:
            FigureSummary.objects.filter(period__isnull=True).delete()
        else:
            FigureSummary.objects.filter(period=period).delete()
        FigureSummary.objects.bulk_create(rows, batch_size=2000)
        SummaryFillState.objects.filter(key=key).update(filled_version=version, filled_at=started)
    return True


def _fill_months(periods: list[date]) -> None:
    keys = [_key(p) for p in periods]
    _ensure_states(keys)
    kecamatan = list(Kecamatan.objects.order_by("code").values_list("pk", "name"))
    names = kbli_divisions()
    for period in periods:
        # Read before the figures: a change committed from here on leaves version > filled_version.
        version = SummaryFillState.objects.filter(key=_key(period)).values_list("version", flat=True).get()
        started = timezone.now()
        _write(_key(period), period, _month_rows(period, kecamatan, names), version, started)


def _fill_all_months() -> None:
    _ensure_states([ALL_MONTHS])
    version = SummaryFillState.objects.filter(key=ALL_MONTHS).values_list("version", flat=True).get()
    started = timezone.now()
    cells = _before_after_cells()
    rows = [
        FigureSummary(
            period=None, kecamatan_key=kecamatan_key, division=division, training=ALL, **cells.get((kecamatan_key, division), {})
        )
        for kecamatan_key, division in set(cells) | {(0, "")}
    ]
    _write(ALL_MONTHS, None, rows, version, started)


def summaries_refresh(periods=None, *, before_after: bool | None = None) -> int:
    """Recompute the summaries of ``periods`` (None: every month from 2020 to this month); see
    the module docstring. Returns how many months were filled."""
    chosen = months(periods)
    if before_after is None:
        before_after = periods is None
    _fill_months(chosen)
    if before_after:
        _fill_all_months()
    return len(chosen)


def summaries_mark_changed(periods) -> None:
    """Mark the months of ``periods`` and the all-months figures (whose windows span them)
    stale, in the caller's transaction, so the mark commits with the change."""
    # Months never filled need no mark: the refresh and the sweep fill them anyway.
    keys = sorted({_key(p) for p in months(periods)} | {ALL_MONTHS})
    SummaryFillState.objects.filter(key__in=keys).update(version=F("version") + 1, changed_at=timezone.now())


def summaries_stale() -> list[date]:
    """Months of the reporting range whose summaries are missing or older than their inputs."""
    states = {state.key: state for state in SummaryFillState.objects.exclude(key=ALL_MONTHS)}
    return [p for p in months(None) if _key(p) not in states or states[_key(p)].is_stale]


def before_after_stale() -> bool:
    state = SummaryFillState.objects.filter(key=ALL_MONTHS).first()
    return state is None or state.is_stale


def summaries_sweep(now: datetime | None = None) -> list[date]:
    """The beat's pass (see the module docstring). Returns the months it refreshed; a second
    run right after refreshes nothing."""
    until = (now or timezone.now()) - COMMIT_LAG
    _ensure_states([ALL_MONTHS])
    state = SummaryFillState.objects.get(key=ALL_MONTHS)
    stale = set(summaries_stale())
    if state.history_until is not None and state.history_until < until:
        changed = (
            MonthlyReport.history.filter(history_date__gt=state.history_until, history_date__lte=until)
            .values("period")
            .annotate(last=Max("history_date"))
            .order_by()
        )
        filled = dict(SummaryFillState.objects.values_list("key", "filled_at"))
        # A month filled after the change had surely committed already shows it.
        stale |= {
            row["period"]
            for row in changed
            if filled.get(_key(row["period"])) is None or filled[_key(row["period"])] < row["last"] + COMMIT_LAG
        }
    if stale:
        _fill_months(sorted(stale))
    if stale or state.is_stale:
        _fill_all_months()
    SummaryFillState.objects.filter(key=ALL_MONTHS).update(history_until=max(until, state.history_until or until))
    return sorted(stale)
