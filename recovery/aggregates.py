"""Every recovery figure, computed ahead into ``FigureSummary`` (the shape of zulip's analytics:
count tables filled by a job, and a FillState saying how far each is filled). Every page and
file reads these rows through ``selectors.figures``; nothing computes a figure a second way.

The API other code calls:

``summaries_refresh(periods=None, *, before_after=None) -> int``
    Bring the figures of ``periods`` (dates, any day of the month; ``None``: every month from
    January 2020 to this month, recomputed whole) up to date for every slice (kecamatan or all,
    KBLI division or all, trained, untrained or all): in a month asked for by name, only the
    (kecamatan, division) pairs of the businesses marked since its last fill are recomputed from
    the reports, the rest read from the month's stored base cells. A full refresh also
    recomputes the before-and-after figures that span every month, from the reports
    (``before_after=True`` asks for it with a few months).
    Safe to run twice, and concurrently with itself and with report
    writes: a month whose inputs change while it is being filled stays stale
    (``SummaryFillState``) for the next run.

``summaries_mark_changed(periods, business_ids=None, *, moved=False)``
    Inside the transaction of a change: those months and the before-and-after figures are
    stale, and the cells and before-and-after entries of those businesses (None: unknown, all;
    ``moved``: they may have left their kecamatan or division, so their months refill whole).
    ``services.figures_changed`` calls it and queues the refresh for after the commit.

``before_after_refresh()``
    The before-and-after figures brought up to date by patching only the entries of the
    businesses marked since the last fill and recomputing only the slices they are in (a
    single change: well under a second at city scale, a few at province scale, against minutes
    for the full recomputation); the same figures as the full one.

``summaries_sweep(now=None) -> list[date]``
    The beat's pass: fills the months never filled or stale (a lost task), and the months whose
    reports changed by a path that does not mark them (writes from a shell), read from the
    reports' history up to ``COMMIT_LAG`` ago.

What each figure means is ``recovery.measures``. Each month is computed with portable queries
(one grouped query for the counts, one for the businesses in the programme, one for the
recovery indexes whose medians are taken in Python), the same on PostgreSQL and SQLite, per
base cell (kecamatan x division x trained or untrained: the base ``FigureSummary`` rows and
their sorted indexes in ``SummaryIndexes``), every other slice summed up from the base cells;
``tests/oracle.py`` recomputes every figure independently from the raw rows. The
before-and-after figures are computed from per-cohort intermediate results
(``BeforeAfterCell``: each business's window means, per cohort and cell), which a change
patches for its businesses only; their medians are exact, found from the cells' sorted values
without sorting them all again.
"""

import bisect
import itertools
import math
import operator
import secrets
import statistics
import sys
from array import array
from collections import defaultdict
from collections.abc import Collection
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
from .models import (
    FIRST_PERIOD,
    BeforeAfterCell,
    BeforeAfterChange,
    FigureSummary,
    MonthlyReport,
    SummaryFillState,
    SummaryIndexes,
    SummaryMonthChange,
    SummaryTraining,
    current_period,
)

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


def _pairs_filter(pairs, prefix: str = "") -> Q:
    """The businesses (``prefix``: reached from the reports) in the (kecamatan, division) pairs."""
    selected = Q(pk__in=[])
    for kecamatan, division in sorted(pairs):
        selected |= Q(**{f"{prefix}kelurahan__kecamatan_id": kecamatan, f"{prefix}kbli__code__startswith": division})
    return selected


def _month_counts(period: date, where: Q) -> dict[tuple, dict]:
    """Counts and sums per base cell (kecamatan, division, trained), in one grouped query."""
    aggregates = {"reported": Count("pk")} | {key: Count("pk", filter=q) for key, q in measures.count_conditions().items()}
    aggregates["jobs"] = Sum(measures.JOBS, filter=measures.ACTIVITY, output_field=BigIntegerField())
    aggregates["jobs_registered"] = Sum(measures.JOBS_REGISTERED, filter=measures.ACTIVITY, output_field=BigIntegerField())
    rows = (
        month_reports(period)
        .filter(where)
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


def _month_indexes(period: date, where: Q) -> dict[tuple, list[float]]:
    """Every recovery index of the month per base cell, sorted (for the medians)."""
    rows = (
        month_reports(period)
        .filter(where)
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
        indexes[(kecamatan, division, _training(trained))].append(index)
    for values in indexes.values():
        values.sort()
    return indexes


def _month_programme(period: date, where: Q) -> tuple[dict[tuple, int], dict[str, int]]:
    """Businesses in the programme per base cell, and the KBLI version of each division (its
    label: the newest version among the division's businesses)."""
    rows = (
        Business.objects.filter(measures.in_programme(period))
        .filter(where)
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
        counts[(kecamatan, division, _training(trained))] += n
    return counts, versions


def _division_versions(period: date, divisions) -> dict[str, int]:
    """The KBLI version of each of ``divisions`` in the month (see ``_month_programme``)."""
    if not divisions:
        return {}
    where = Q()
    for division in divisions:
        where |= Q(kbli__code__startswith=division)
    rows = (
        Business.objects.filter(measures.in_programme(period))
        .filter(where)
        .annotate(s_division=Substr("kbli__code", 1, 2))
        .values_list("s_division")
        .annotate(version=Max("kbli__version"))
        .order_by()
    )
    return dict(rows)


class _Base:
    """A month's base cells (kecamatan, division, trained or untrained): what every slice of the
    month rolls up. Computed from the reports and the registry for the (kecamatan, division)
    pairs asked (all: ``pairs`` None), the other pairs taken from the month's stored base rows."""

    def __init__(self, period: date, pairs: set[tuple[int, str]] | None = None):
        reported = Q() if pairs is None else _pairs_filter(pairs, "business__")
        self.counts = _month_counts(period, reported)
        self.indexes = _month_indexes(period, reported)
        self.programme, versions = _month_programme(period, Q() if pairs is None else _pairs_filter(pairs))
        self.computed = pairs
        self.labels: dict[str, str] = {}
        if pairs is None:
            self.versions = versions
            return
        self.versions = _division_versions(period, {division for _kecamatan, division in pairs})
        stored = FigureSummary.objects.filter(period=period, kecamatan_key__gt=0).exclude(division="").exclude(training=ALL)
        fields = ("kecamatan_key", "division", "training", "label", "verified", *COUNTS, *SUMS)
        for kecamatan, division, training, label, verified, *figures in stored.values_list(*fields):
            if (kecamatan, division) in pairs:
                continue
            cell = (kecamatan, division, training)
            self.labels.setdefault(division, label)
            if verified:
                self.programme[cell] = verified
            row = dict(zip((*COUNTS, *SUMS), figures, strict=True))
            if row["reported"]:
                self.counts[cell] = row
        for row in SummaryIndexes.objects.filter(period=period).values_list("kecamatan_key", "division", "training", "values"):
            if (row[0], row[1]) not in pairs:
                self.indexes[row[:3]] = _unpack(row[3]).tolist()

    def index_rows(self, period: date) -> list[SummaryIndexes]:
        """The base cells' sorted indexes to store: of the pairs computed (all: ``pairs`` None)."""
        return [
            SummaryIndexes(period=period, kecamatan_key=cell[0], division=cell[1], training=cell[2], values=_pack(values))
            for cell, values in sorted(self.indexes.items())
            if self.computed is None or cell[:2] in self.computed
        ]


def _counts_rolled_up(base_counts: dict[tuple, dict]) -> dict[tuple, dict]:
    """The counts and sums of every slice the base cells count in."""
    counts: dict[tuple, dict] = {}
    for cell_base, row in base_counts.items():
        for cell in _slices(*cell_base):
            total = counts.setdefault(cell, dict.fromkeys(COUNTS, 0) | dict.fromkeys(SUMS))
            for key in COUNTS:
                total[key] += row[key]
            for key in SUMS:
                if row[key] is not None:
                    total[key] = (total[key] or 0) + row[key]
    return counts


def _rolled_up(base_cells: dict[tuple, list | int], empty) -> dict[tuple, list | int]:
    """Each slice's indexes (lists joined) or businesses (numbers added), from the base cells'."""
    slices = defaultdict(empty)
    for cell_base, value in base_cells.items():
        for cell in _slices(*cell_base):
            slices[cell] += value
    return slices


def _month_rows(period: date, base: _Base, kecamatan: list[tuple[int, str]], division_names: dict) -> list[FigureSummary]:
    """Every slice of the month, rolled up from its base cells."""
    counts = _counts_rolled_up(base.counts)
    indexes, programme = _rolled_up(base.indexes, list), _rolled_up(base.programme, int)
    positions = {pk: position for position, (pk, _name) in enumerate(kecamatan, start=1)}
    labels = {(pk, ""): name for pk, name in kecamatan} | {(0, division): label for division, label in base.labels.items()}
    labels |= {
        (0, division): f"{division} {division_names.get((version, division), '')}".strip()
        for division, version in base.versions.items()
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


def _first_trainings(topic_slug: str | None = ONLINE_MARKETING_TOPIC, business_ids=None) -> dict[int, int]:
    """Business (of ``business_ids``, or every one) -> month number of its first attended,
    finished session of ``topic_slug`` (of any topic when None)."""
    attended = Attendance.objects.filter(registration__session__status=SessionStatus.FINISHED)
    if business_ids is not None:
        attended = attended.filter(registration__business_id__in=business_ids)
    if topic_slug is not None:
        attended = attended.filter(registration__session__topic__slug=topic_slug)
    rows = attended.values_list("registration__business_id").annotate(first=Min("registration__session__starts_at")).order_by()
    return {business: _month_number(measures.month_of(first)) for business, first in rows}


def _cohort_values(cohort: int, business_ids=None) -> list[tuple]:
    """Per business (of ``business_ids``, or every one), the mean online share and recovery
    index over the WINDOW months before and after month ``cohort`` (a month number), from the
    reports with activity that count in their month: (business, kecamatan, division,
    online_before, online_after, index_before, index_after)."""
    start = date((cohort - WINDOW) // 12, (cohort - WINDOW) % 12 + 1, 1)
    middle = date(cohort // 12, cohort % 12 + 1, 1)
    end = date((cohort + WINDOW) // 12, (cohort + WINDOW) % 12 + 1, 1)
    counted = Q()
    for period in measures.months_between(start, end):
        if period != middle:
            counted |= Q(period=period) & measures.in_programme(period, "business__")
    before, after = Q(period__lt=middle), Q(period__gt=middle)
    index = measures.index_expression()
    reports = MonthlyReport.objects.filter(measures.ACTIVITY, counted)
    if business_ids is not None:
        reports = reports.filter(business_id__in=business_ids)
    return list(
        reports.values_list("business_id", "business__kelurahan__kecamatan_id")
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


# Per business in a cell: (online_before, online_after, index_before, index_after), online shares
# as ratios, NaN where there is no value (an index without a 2019 baseline).
Values = tuple[float, float, float, float]
NAN = float("nan")


def _cohort_entries(cohort: int, firsts: dict[int, int], any_first: dict[int, int], business_ids=None) -> dict:
    """The cohort's entries per business: business -> (cell, treated, values). Treated: first
    trained in this topic that month; comparison: not trained in any topic by the end of the
    window; others are left out."""
    entries = {}
    untrained_after = cohort + WINDOW
    for business, kecamatan, division, *values in _cohort_values(cohort, business_ids):
        if firsts.get(business) == cohort:
            treated = True
        elif any_first.get(business, untrained_after + 1) > untrained_after:
            treated = False
        else:
            continue
        floats = tuple(
            NAN if value is None else float(value) / scale for value, scale in zip(values, (100, 100, 1, 1), strict=True)
        )
        entries[business] = ((kecamatan, division), treated, floats)
    return entries


def _pack(values, typecode: str = "d") -> bytes:
    data = array(typecode, values)
    if sys.byteorder == "big":
        data.byteswap()
    return data.tobytes()


def _unpack(blob, typecode: str = "d") -> array:
    data = array(typecode)
    data.frombytes(blob)
    if sys.byteorder == "big":
        data.byteswap()
    return data


class _Cell:
    """One cohort's cell in memory: business -> values, for the treated and the comparison."""

    def __init__(self, treated: dict[int, Values] | None = None, comparison: dict[int, Values] | None = None):
        self.treated = treated if treated is not None else {}
        self.comparison = comparison if comparison is not None else {}

    @classmethod
    def load(cls, row: BeforeAfterCell) -> "_Cell":
        def entries(ids, values) -> dict[int, Values]:
            ids, values = _unpack(ids, "q"), _unpack(values)
            return {business: tuple(values[4 * i : 4 * i + 4]) for i, business in enumerate(ids)}

        return cls(entries(row.treated_ids, row.treated_values), entries(row.comparison_ids, row.comparison_values))

    def row(self, cohort: int, cell: tuple[int, str]) -> BeforeAfterCell:
        def packed(entries: dict[int, Values]) -> tuple[bytes, bytes]:
            ids = sorted(entries)
            return _pack(ids, "q"), _pack(value for business in ids for value in entries[business])

        treated_ids, treated_values = packed(self.treated)
        comparison_ids, comparison_values = packed(self.comparison)
        ordered = [
            _pack(sorted(v[position] for v in self.comparison.values() if not math.isnan(v[position])))
            for position in range(len(BEFORE_AFTER))
        ]
        return BeforeAfterCell(
            token=secrets.randbits(63),
            cohort=cohort,
            kecamatan_key=cell[0],
            division=cell[1],
            treated_ids=treated_ids,
            treated_values=treated_values,
            comparison_ids=comparison_ids,
            comparison_values=comparison_values,
            **{f"sorted_{name}": blob for name, blob in zip(BEFORE_AFTER, ordered, strict=True)},
        )


class _CellView:
    """What the figures read of a cell: the treated businesses' values, how many comparison
    businesses it has and their values sorted per measure, and the ids of both (ascending)."""

    __slots__ = ("ids", "pool", "sorted", "treated")

    def __init__(self, treated: list[Values], ordered: tuple[array, ...], ids: tuple[array, array]):
        self.treated, self.pool, self.sorted, self.ids = treated, len(ordered[0]), ordered, ids

    def holds(self, wanted: list[int]) -> bool:
        return any((i := bisect.bisect_left(ids, b)) < len(ids) and ids[i] == b for ids in self.ids for b in wanted)


_VIEW_FIELDS = ("pk", "token", "treated_values", "treated_ids", "comparison_ids", *(f"sorted_{name}" for name in BEFORE_AFTER))
# The cells this process has read, by (pk, token). A cell row is never changed in place (a patch
# writes a new row with a new random token), so a cell read once is current while its row
# exists: a worker reads only the cells written since its last refresh (a single change: a few)
# instead of every cell again (tens of megabytes at province scale).
_CACHE: dict[tuple[int, int], _CellView] = {}


def _views(first_cohort: int = -1) -> dict[int, dict[tuple, _CellView]]:
    """cohort -> cell -> view, from the stored cells (of the cohorts from ``first_cohort`` on)."""
    index = list(
        BeforeAfterCell.objects.filter(cohort__gte=first_cohort).values_list("pk", "token", "cohort", "kecamatan_key", "division")
    )
    if first_cohort < 0:  # every cell listed: forget the ones gone
        current = {(pk, token) for pk, token, *_cell in index}
        for key in [key for key in _CACHE if key not in current]:
            del _CACHE[key]
    missing = [pk for pk, token, *_cell in index if (pk, token) not in _CACHE]
    for start in range(0, len(missing), 200):
        for pk, token, treated, treated_ids, comparison_ids, *ordered in BeforeAfterCell.objects.filter(
            pk__in=missing[start : start + 200]
        ).values_list(*_VIEW_FIELDS):
            values = _unpack(treated)
            rows = [tuple(values[i : i + 4]) for i in range(0, len(values), 4)]
            ids = (_unpack(treated_ids, "q"), _unpack(comparison_ids, "q"))
            _CACHE[(pk, token)] = _CellView(rows, tuple(_unpack(blob) for blob in ordered), ids)
    views: dict[int, dict[tuple, _CellView]] = defaultdict(dict)
    for pk, token, cohort, kecamatan, division in index:
        views[cohort][(kecamatan, division)] = _CACHE[(pk, token)]
    return views


# The weighted median samples every STEP-th value of each cell, finds between which two sampled
# values the median lies, then sorts only the values between them.
_STEP = 128


def _weighted_median(groups: list[tuple[float, array]]) -> float | None:
    """The median of values with weights, each group's values (sorted) weighing its weight: the
    smallest value at which half the weight is reached (the mean of that value and the next when
    exactly half is reached there). Exact, without sorting every value: the groups' own order
    narrows the search to the few values around the median."""
    groups = [(weight, values) for weight, values in groups if weight > 0 and len(values)]
    total = sum(weight * len(values) for weight, values in groups)
    if not total:
        return None
    half = total / 2
    threshold = half - 1e-9  # the answer: the smallest value whose running weight passes this

    weights, arrays = [weight for weight, _values in groups], [values for _weight, values in groups]

    def upto(value) -> float:  # the weight of the values at or below ``value``
        if value is None:
            return 0.0
        return sum(map(operator.mul, weights, map(bisect.bisect_right, arrays, itertools.repeat(value))))

    # The first sampled value past the threshold, found by halving: the answer lies after the
    # sampled value before it and at or before it.
    sample = sorted({value for _weight, values in groups for value in values[_STEP - 1 :: _STEP]})
    first, last = 0, len(sample)
    while first < last:
        middle = (first + last) // 2
        if upto(sample[middle]) > threshold:
            last = middle
        else:
            first = middle + 1
    low = sample[first - 1] if first > 0 else None
    high = sample[first] if first < len(sample) else None
    below = upto(low)
    candidates: dict[float, float] = defaultdict(float)
    for weight, values in groups:
        i = 0 if low is None else bisect.bisect_right(values, low)
        last = len(values) if high is None else bisect.bisect_right(values, high)
        while i < last:  # by runs of equal values (online shares repeat a lot)
            value = values[i]
            end = bisect.bisect_right(values, value, i, last)
            candidates[value] += weight * (end - i)
            i = end
    running = below
    for value in sorted(candidates):
        running += candidates[value]
        if running > threshold:
            break
    if abs(running - half) < 1e-9:
        following = [values[i] for _w, values in groups if (i := bisect.bisect_right(values, value)) < len(values)]
        if following:
            return (value + min(following)) / 2
    return value


def _median(values) -> float | None:
    found = [value for value in values if not math.isnan(value)]
    return statistics.median(found) if found else None


def _comparison_strata(slice_mine: dict[tuple, int], slice_others: dict[tuple, int]) -> list[tuple[int, list]]:
    """The comparison of one slice of one cohort, as (trained businesses to match, cells of the
    comparison businesses) per stratum: by (kecamatan, division) where every cell with trained
    businesses has comparison businesses, else by division, else the whole slice (none when the
    slice has no comparison business). ``slice_mine``: cell -> trained businesses;
    ``slice_others``: cell -> comparison businesses (cells with some only)."""
    if all(cell in slice_others for cell in slice_mine):
        return [(n, [cell]) for cell, n in slice_mine.items()]
    wanted: dict[str, int] = defaultdict(int)
    pool: dict[str, list] = defaultdict(list)
    for (_kecamatan, division), n in slice_mine.items():
        wanted[division] += n
    for cell in slice_others:
        pool[cell[1]].append(cell)
    if all(pool.get(division) for division in wanted):
        return [(n, pool[division]) for division, n in wanted.items()]
    if not slice_others:
        return []
    return [(sum(wanted.values()), list(slice_others))]


def _slice_keys(cell: tuple[int, str]) -> list[tuple[int, str]]:
    return list(itertools.product((cell[0], 0), (cell[1], "")))


def _before_after_figures(views: dict[int, dict[tuple, _CellView]], keys=None) -> dict[tuple, dict]:
    """Per (kecamatan, division) slice and its roll-ups (of ``keys``, or every slice with trained
    businesses): the median, over trained businesses, of their own mean online share and
    recovery index in the WINDOW months before and after their first online-marketing session;
    and the same for a comparison group (businesses not trained by the end of the same windows,
    same months), weighted so that each cohort month, kecamatan and KBLI division weighs as much
    as among the trained (falling back to the division, then the city, where a stratum has no
    comparison business). Medians, so that one business's numbers move a figure by at most one
    business's share. A slice without trained businesses has no figures (absent)."""
    treated: dict[tuple, list[list]] = defaultdict(list)  # slice -> treated value lists
    comparison: dict[tuple, list[tuple[float, list]]] = defaultdict(list)  # slice -> (weight, cells)
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # slice -> [trained, comparison]
    for cohort in sorted(views):
        cells = views[cohort]
        mine = {cell: len(view.treated) for cell, view in cells.items() if view.treated}
        if not mine:
            continue
        present = {key for cell in mine for key in _slice_keys(cell)}
        for key in present if keys is None else present & set(keys):
            kecamatan, division = key

            def inside(cell, kecamatan=kecamatan, division=division):
                return (not kecamatan or cell[0] == kecamatan) and (not division or cell[1] == division)

            slice_mine = {cell: n for cell, n in mine.items() if inside(cell)}
            slice_others = {cell: view.pool for cell, view in cells.items() if view.pool and inside(cell)}
            treated[key] += [cells[cell].treated for cell in slice_mine]
            counts[key][0] += sum(slice_mine.values())
            for n, pool in _comparison_strata(slice_mine, slice_others):
                size = sum(slice_others[cell] for cell in pool)
                comparison[key].append((n / size, [cells[cell] for cell in pool]))
                counts[key][1] += size
    result = {}
    for key, groups in treated.items():
        row = {"trained_businesses": counts[key][0], "comparison_businesses": counts[key][1]}
        for position, name in enumerate(BEFORE_AFTER):
            row[name] = _median(r[position] for rows in groups for r in rows)
            row[f"comparison_{name}"] = _weighted_median(
                [(weight, view.sorted[position]) for weight, views_ in comparison.get(key, []) for view in views_]
            )
        result[key] = row
    return result


def _cells_build() -> None:
    """Recompute every cohort's cells from the reports (the full recomputation)."""
    firsts = _first_trainings()
    any_first = _first_trainings(None)
    rows = []
    for cohort in sorted(set(firsts.values())):
        rows += _cells_of(cohort, _cohort_entries(cohort, firsts, any_first))
    BeforeAfterCell.objects.all().delete()
    BeforeAfterCell.objects.bulk_create(rows, batch_size=200)


def _cells_of(cohort: int, entries: dict) -> list[BeforeAfterCell]:
    cells: dict[tuple, _Cell] = defaultdict(_Cell)
    for business, (cell, treated, values) in entries.items():
        (cells[cell].treated if treated else cells[cell].comparison)[business] = values
    return [cells[cell].row(cohort, cell) for cell in sorted(cells)]


def _same_values(left: Values | None, right: Values | None) -> bool:
    if left is None or right is None:
        return left is right
    return all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(left, right, strict=True))


def _cells_patch(business_ids: list[int], since: date | None) -> set[tuple[int, str]] | None:
    """Bring the stored cells of ``business_ids`` up to date in the cohorts a change from month
    ``since`` on can touch (a cohort's window reaches WINDOW months back; None: every cohort):
    recompute those businesses' entries and replace them where they differ (a new cohort is
    computed whole). Returns the cells that changed, or None when no cell is stored to patch."""
    wanted = sorted(set(business_ids))
    first_cohort = -1 if since is None else _month_number(since) - WINDOW
    cohorts = set(BeforeAfterCell.objects.values_list("cohort", flat=True).distinct().order_by())
    if not cohorts:
        return None
    # cohort -> cell -> whether it holds one of the businesses
    stored = {
        cohort: {cell: view.holds(wanted) for cell, view in cells.items()} for cohort, cells in _views(first_cohort).items()
    }
    firsts = _first_trainings(business_ids=wanted)
    any_first = _first_trainings(None, business_ids=wanted)
    changed: set[tuple[int, str]] = set()
    new_rows: list[BeforeAfterCell] = []
    # A cohort's first trained business: the cohort is computed whole, once one of its trained
    # has an entry (before that it has none to compare, and no figure reads it: a training today
    # has no after-window yet; its first report after makes the cohort then).
    new_cohorts = [
        cohort
        for cohort in sorted(set(firsts.values()) - cohorts)
        if any(treated for _cell, treated, _v in _cohort_entries(cohort, firsts, any_first, wanted).values())
    ]
    all_firsts, all_any = (_first_trainings(), _first_trainings(None)) if new_cohorts else ({}, {})
    for cohort in new_cohorts:
        cells = _cells_of(cohort, _cohort_entries(cohort, all_firsts, all_any))
        new_rows += cells
        changed |= {(row.kecamatan_key, row.division) for row in cells}
    dropped: list[int] = []
    for cohort, cells in stored.items():
        entries = _cohort_entries(cohort, firsts, any_first, wanted)
        touched = {cell for cell, held in cells.items() if held} | {cell for cell, _t, _v in entries.values()}
        held = [cell for cell in touched if cell in cells]
        selected = Q(pk__in=[])
        for kecamatan, division in held:
            selected |= Q(kecamatan_key=kecamatan, division=division)
        loaded = {
            (row.kecamatan_key, row.division): (row.pk, _Cell.load(row))
            for row in BeforeAfterCell.objects.filter(selected, cohort=cohort)
        }
        for cell in touched:
            pk, patched = loaded.get(cell, (None, _Cell()))
            moved = False
            for business in wanted:
                old = patched.treated.pop(business, None), patched.comparison.pop(business, None)
                at, treated, values = entries.get(business, (None, False, None))
                new = (values, None) if treated else (None, values)
                if at != cell:
                    new = (None, None)
                elif treated:
                    patched.treated[business] = values
                else:
                    patched.comparison[business] = values
                moved |= not (_same_values(old[0], new[0]) and _same_values(old[1], new[1]))
            if not moved:
                continue
            changed.add(cell)
            if pk is not None:
                dropped.append(pk)
            if patched.treated or patched.comparison:
                new_rows.append(patched.row(cohort, cell))
    BeforeAfterCell.objects.filter(pk__in=dropped).delete()
    BeforeAfterCell.objects.bulk_create(new_rows, batch_size=200)
    return changed


# --- Writing the summaries --------------------------------------------------------------------


def _ensure_states(keys: list[str]) -> None:
    SummaryFillState.objects.bulk_create([SummaryFillState(key=key) for key in keys], ignore_conflicts=True)


def _lock(key: str) -> None:
    """Serialise two fills of the same month (SQLite takes one writer at a time anyway)."""
    if connection.vendor == "postgresql":
        number = 0 if key == ALL_MONTHS else int(key[:4]) * 12 + int(key[5:7])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, number])


# A change to more businesses than this recomputes its months whole: the cells of so many
# businesses are most of the month anyway.
MONTH_MARKS_MAX = 200


def _cells_filter(pairs) -> Q:
    selected = Q(pk__in=[])
    for kecamatan, division in sorted(pairs):
        selected |= Q(kecamatan_key=kecamatan, division=division)
    return selected


def _pairs_changed(period: date, businesses: set[int | None]) -> set[tuple[int, str]] | None:
    """The (kecamatan, division) pairs the marked ``businesses`` are in, or None when the whole
    month must be recomputed: a mark without a business or no mark at all (a fill the sweep or a
    rebuild asked for), a business gone, or indexes not stored for every base cell of the month
    (summaries filled before they were kept)."""
    if not businesses or None in businesses:
        return None
    base = FigureSummary.objects.filter(period=period, kecamatan_key__gt=0).exclude(division="").exclude(training=ALL)
    if SummaryIndexes.objects.filter(period=period).count() != base.filter(median_index__isnull=False).count():
        return None
    found = list(
        Business.objects.filter(pk__in=businesses)
        .annotate(s_division=Substr("kbli__code", 1, 2))
        .values_list("kelurahan__kecamatan_id", "s_division")
    )
    return set(found) if len(found) == len(businesses) else None


def _write(period: date, base: _Base, rows: list[FigureSummary], read: tuple, marks: list[int], started: datetime) -> bool:
    """Replace a month's rows and its base cells' indexes (all of them, or those of the pairs
    recomputed), and drop the marks the fill covered, unless a fill that read a newer version
    already wrote them, or, when only some pairs were recomputed, unless any fill wrote since
    the others were read (``read``: the version, filled version and fill time read first).
    ``started``: when the fill began reading, the time its figures are "as of"."""
    key = _key(period)
    version, *seen = read
    with transaction.atomic():
        _lock(key)
        filled = list(SummaryFillState.objects.filter(key=key).values_list("filled_version", "filled_at").get())
        if filled[0] > version or (base.computed is not None and filled != seen):
            return False
        FigureSummary.objects.filter(period=period).delete()
        FigureSummary.objects.bulk_create(rows, batch_size=2000)
        indexes = SummaryIndexes.objects.filter(period=period)
        if base.computed is not None:
            indexes = indexes.filter(_cells_filter(base.computed))
        indexes.delete()
        SummaryIndexes.objects.bulk_create(base.index_rows(period), batch_size=100)
        SummaryMonthChange.objects.filter(pk__in=marks).delete()
        SummaryFillState.objects.filter(key=key).update(filled_version=version, filled_at=started)
    return True


def _fill_month(period: date, kecamatan: list[tuple[int, str]], names: dict, *, whole: bool) -> bool:
    """Fill one month: only the base cells of the businesses marked since its last fill, the
    rest of the month taken from its stored base rows, or the whole month (``whole``, or when
    ``_pairs_changed`` says so). A fill of some cells that another fill overtook reads again."""
    key = _key(period)
    for _attempt in range(3):
        # Read before the figures: a change committed from here on leaves version > filled_version.
        read = SummaryFillState.objects.filter(key=key).values_list("version", "filled_version", "filled_at").get()
        started = timezone.now()
        marks = list(SummaryMonthChange.objects.filter(key=key).values_list("pk", "business_id"))
        pairs = None
        if not whole and read[2] is not None:
            pairs = _pairs_changed(period, {business for _pk, business in marks})
        base = _Base(period, pairs)
        if _write(period, base, _month_rows(period, base, kecamatan, names), read, [pk for pk, _b in marks], started):
            return True
        if pairs is None:  # a fill that read a newer version wrote the whole month
            return False
    return False


def _fill_months(periods: list[date], whole: Collection[date] = ()) -> None:
    """Fill ``periods``, the months of ``whole`` recomputed whole."""
    if not periods:
        return
    _ensure_states([_key(p) for p in periods])
    kecamatan = list(Kecamatan.objects.order_by("code").values_list("pk", "name"))
    names = kbli_divisions()
    for period in periods:
        _fill_month(period, kecamatan, names, whole=period in whole)


def _fill_all_months(*, full: bool = True) -> None:
    """The before-and-after figures. With ``full``, every cohort's cells recomputed from the
    reports; else only the cells of the businesses changed since the last fill
    (``BeforeAfterChange``) patched, and only the slices holding a changed cell recomputed from
    the cells: the same figures as a full recomputation (``_before_after_figures`` reads only
    the cells either way). A full recomputation still when a change's businesses are unknown or
    nothing was stored yet. One fill at a time (the lock), in one transaction."""
    _ensure_states([ALL_MONTHS])
    with transaction.atomic():
        _lock(ALL_MONTHS)
        state = SummaryFillState.objects.get(key=ALL_MONTHS)
        # Read before the inputs: a change committed from here on leaves version > filled_version.
        version, started = state.version, timezone.now()
        pending = list(BeforeAfterChange.objects.values_list("pk", "business_id", "since"))
        full = full or state.filled_at is None or any(business is None for _pk, business, _since in pending)
        keys = None
        if not full:
            since = None if any(s is None for *_rest, s in pending) else min((s for *_rest, s in pending), default=None)
            changed = _cells_patch(sorted({business for _pk, business, _since in pending}), since)
            if changed is None:
                full = True
            else:
                keys = {key for cell in changed for key in _slice_keys(cell)}
        if full:
            _cells_build()
        if keys is None or keys:
            figures = _before_after_figures(_views(), keys)
            chosen = (set(figures) | {(0, "")}) if keys is None else keys
            rows = [
                FigureSummary(period=None, kecamatan_key=key[0], division=key[1], training=ALL, **figures.get(key, {}))
                for key in chosen
                if key in figures or key == (0, "")
            ]
            existing = FigureSummary.objects.filter(period__isnull=True)
            if keys is not None:
                selected = Q()
                for kecamatan_key, division in keys:
                    selected |= Q(kecamatan_key=kecamatan_key, division=division)
                existing = existing.filter(selected)
            existing.delete()
            FigureSummary.objects.bulk_create(rows, batch_size=2000)
        BeforeAfterChange.objects.filter(pk__in=[pk for pk, *_rest in pending]).delete()
        SummaryFillState.objects.filter(key=ALL_MONTHS).update(filled_version=version, filled_at=started)


def summaries_refresh(periods=None, *, before_after: bool | None = None) -> int:
    """Recompute the summaries of ``periods`` (None: every month from 2020 to this month); see
    the module docstring. Returns how many months were filled."""
    chosen = months(periods)
    if before_after is None:
        before_after = periods is None
    # Months asked for by name: only the cells of the businesses marked since their last fill
    # (a single change: a few cells); every month: all recomputed.
    _fill_months(chosen, whole=set(chosen) if periods is None else ())
    if before_after:
        _fill_all_months()
    return len(chosen)


def before_after_refresh() -> None:
    """Bring the before-and-after figures up to date with the changes marked since their last
    fill, patching only what those changes touch (``_fill_all_months``)."""
    _fill_all_months(full=False)


def summaries_mark_changed(periods, business_ids=None, *, moved: bool = False) -> None:
    """Mark the months of ``periods`` and the all-months figures (whose windows span them)
    stale, in the caller's transaction, so the mark commits with the change; the months' cells
    and the before-and-after entries of ``business_ids`` too (None: businesses unknown, all of
    them). ``moved``: the businesses may have left the cells they were counted in (a corrected
    kecamatan or KBLI), which only a fill of the whole months finds."""
    # Months never filled need no mark: the refresh and the sweep fill them anyway.
    month_keys = sorted({_key(p) for p in months(periods)})
    SummaryFillState.objects.filter(key__in=[*month_keys, ALL_MONTHS]).update(version=F("version") + 1, changed_at=timezone.now())
    ids = [None] if business_ids is None else sorted(set(business_ids))
    in_months = [None] if moved or len(ids) > MONTH_MARKS_MAX else ids
    SummaryMonthChange.objects.bulk_create(
        [SummaryMonthChange(key=key, business_id=business) for key in month_keys for business in in_months]
    )
    since = min(months(periods), default=None)
    BeforeAfterChange.objects.bulk_create([BeforeAfterChange(business_id=business, since=since) for business in ids])


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
    unmarked: set[date] = set()
    if state.history_until is not None and state.history_until < until:
        written = MonthlyReport.history.filter(history_date__gt=state.history_until, history_date__lte=until)
        changed = written.values("period").annotate(last=Max("history_date")).order_by()
        filled = dict(SummaryFillState.objects.values_list("key", "filled_at"))
        # A month filled after the change had surely committed already shows it.
        unmarked = {
            row["period"]
            for row in changed
            if filled.get(_key(row["period"])) is None or filled[_key(row["period"])] < row["last"] + COMMIT_LAG
        }
        if unmarked:  # their businesses' before-and-after entries too
            businesses = written.filter(period__in=unmarked).values_list("business_id", flat=True).distinct()
            since = min(unmarked)
            BeforeAfterChange.objects.bulk_create([BeforeAfterChange(business_id=b, since=since) for b in businesses.order_by()])
        stale |= unmarked
    if stale:
        _fill_months(sorted(stale), whole=unmarked)
    if unmarked or state.is_stale:
        _fill_all_months(full=False)
    SummaryFillState.objects.filter(key=ALL_MONTHS).update(history_until=max(until, state.history_until or until))
    return sorted(stale)
