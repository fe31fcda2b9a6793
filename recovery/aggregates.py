"""Dashboard figures computed ahead into ``FigureSummary``, so the dashboard reads a few rows
instead of aggregating every report on each request (the shape of zulip's analytics: count
tables filled by a job, and a FillState saying how far each is filled).

The API other code calls:

``summaries_refresh(periods=None, *, before_after=None) -> int``
    Recompute the figures of ``periods`` (dates, any day of the month; ``None``: every month
    from January 2020 to this month) for every slice (kecamatan or all, KBLI division or all,
    trained, untrained or all). A full refresh (``periods=None``) also recomputes the
    before-and-after figures that span every month; a refresh of a few months (what a new report
    triggers: ``summaries_refresh(periods=[month])``) leaves them to the sweep unless
    ``before_after=True``. Synchronous; returns how many months it filled. Safe to run twice, and concurrently with
    itself and with report writes: a month whose reports change while it is being filled stays
    marked stale (``SummaryFillState``) for the next run. The seed commands and the benchmark
    call it after bulk-creating reports; ``manage.py summaries_rebuild`` runs it.

``summaries_mark_changed(periods)``
    Inside the transaction that changes reports: their months are stale. ``services`` calls it
    and queues ``tasks.summaries_refresh_task`` for after the commit.

``summaries_sweep(now=None) -> list[date]``
    The beat's pass: fills the months never filled or stale (a lost task), the months whose
    reports changed by a path that does not mark them (the admin import, writes from a shell:
    read from the reports' history, up to ``COMMIT_LAG`` ago so that a transaction still open
    is not passed over), and every month when the registry or the trainings changed (a business
    verified or moved, an attendance recorded), since those change every month's figures.

Each figure means what ``recovery.selectors`` says (its module docstring); the conditions are
the same objects (``selectors.count_conditions``), and ``tests/test_aggregates.py`` checks the
summaries against the selectors on generated data. Medians use PostgreSQL's percentile_cont
over a CUBE of the slices; elsewhere (SQLite, the quick start) the rows are rolled up in Python.
"""

import itertools
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    Q,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone

from businesses.models import Business, BusinessStatus, Kecamatan
from businesses.reference import kbli_divisions
from trainings.models import Attendance, SessionStatus, TrainingSession

from . import selectors
from .models import FIRST_PERIOD, FigureSummary, MonthlyReport, SummaryFillState, SummaryTraining, current_period

ALL = SummaryTraining.ALL
ALL_MONTHS = SummaryFillState.ALL_MONTHS
# Months aggregated by one query. One query for the whole range: the reports of a month lie
# all over the table, so batches of 6 months each read most of its pages again (57,000 buffers of its
# 55,656 pages per batch at province scale: 28 s in 14 batches against 15.5 s in one pass, whose
# sorts spill to temporary files rather than grow; more work_mem or no JIT gained nothing).
BATCH_MONTHS = 120
# The sweep reads the reports' history only up to this long ago: a change is written to the
# history when it is saved, and may commit later (a large import runs in one transaction).
COMMIT_LAG = timedelta(minutes=10)
# The counted figures, in FigureSummary's column names (``reported`` counts every report).
COUNTS = ("reported", *selectors.count_conditions())
SUMS = ("jobs", "jobs_baseline")
# Identifies the fill in PostgreSQL's advisory locks, so two fills of a month never interleave.
_LOCK_CLASS = 7261


def _key(period: date | None) -> str:
    return ALL_MONTHS if period is None else f"{period:%Y-%m}"


def _months(periods) -> list[date]:
    if periods is None:
        return selectors.months_between(FIRST_PERIOD, current_period())
    return sorted({p.replace(day=1) for p in periods})


# --- Reading the source tables ----------------------------------------------------------------


def _slices(kecamatan: int, division: str, training: int) -> list[tuple[int, str, int]]:
    """The eight slices a (kecamatan, division, training) cell counts in: itself and its
    roll-ups to every kecamatan, every division, every business."""
    return list(itertools.product((kecamatan, 0), (division, ""), (training, ALL)))


def _trained(business_field: str) -> ExpressionWrapper:
    """Whether the business attended a finished session (``selectors._attended``), as an IN over
    the attended businesses: PostgreSQL hashes that list once, where an EXISTS in the select list
    runs once per report (1.2 s to 0.2 s for six months of the city)."""
    attended = Attendance.objects.filter(registration__session__status=SessionStatus.FINISHED).values("registration__business_id")
    return ExpressionWrapper(Q(**{f"{business_field}__in": attended}), output_field=BooleanField())


def _training(trained: bool) -> int:
    return SummaryTraining.TRAINED if trained else SummaryTraining.UNTRAINED


def _verified_cells() -> tuple[dict[tuple, int], dict[str, int]]:
    """Verified businesses per slice, and the KBLI version of each division (for its label)."""
    rows = (
        selectors._verified()
        .annotate(
            s_kecamatan=F("kelurahan__kecamatan_id"),
            s_division=Substr("kbli__code", 1, 2),
            s_trained=_trained("pk"),
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


def _report_rows(periods: list[date]):
    """One row per report in the figures: its month, slice and a 0/1 per counted figure."""
    flags = {
        f"c_{key}": Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
        for key, condition in selectors.count_conditions().items()
    }
    return (
        selectors._figure_reports()
        .filter(period__in=periods)
        .annotate(
            s_period=F("period"),
            s_kecamatan=F("business__kelurahan__kecamatan_id"),
            s_division=Substr("business__kbli__code", 1, 2),
            s_trained=_trained("business_id"),
            **flags,
            c_jobs=Case(When(selectors._ACTIVITY, then=selectors.JOBS), default=None, output_field=BigIntegerField()),
            c_jobs_baseline=Case(
                When(selectors._ACTIVITY, then=selectors.JOBS_BASELINE), default=None, output_field=BigIntegerField()
            ),
            c_index=Case(
                When(selectors._MEDIAN_OVER, then=selectors._index_expression()), default=None, output_field=FloatField()
            ),
        )
        .values_list("s_period", "s_kecamatan", "s_division", "s_trained", *flags, "c_jobs", "c_jobs_baseline", "c_index")
        .order_by()
    )


def _report_cells_sql(periods: list[date]) -> dict[tuple, dict]:
    """PostgreSQL: every slice of every month in one grouped query (GROUP BY month, CUBE of the
    slice's three parts), medians by percentile_cont as ``selectors.Median``."""
    inner, params = _report_rows(periods).query.sql_with_params()
    counted = ", ".join(f"SUM(r.c_{key})" for key in COUNTS[1:])
    sql = f"""
        SELECT r.s_period, r.s_kecamatan, r.s_division, r.s_trained,
               GROUPING(r.s_kecamatan), GROUPING(r.s_division), GROUPING(r.s_trained),
               COUNT(*), {counted}, SUM(r.c_jobs), SUM(r.c_jobs_baseline),
               PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY r.c_index)
        FROM ({inner}) AS r
        GROUP BY r.s_period, CUBE (r.s_kecamatan, r.s_division, r.s_trained)
    """  # noqa: S608  # nosec B608: the inner query is Django's, with its parameters passed apart
    cells = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for period, kecamatan, division, trained, all_k, all_d, all_t, *values in cursor.fetchall():
            key = (
                period,
                0 if all_k else kecamatan,
                "" if all_d else division,
                ALL if all_t else _training(trained),
            )
            cells[key] = dict(zip((*COUNTS, *SUMS, "median_index"), values, strict=True))
    return cells


def _report_cells_python(periods: list[date]) -> dict[tuple, dict]:
    """Elsewhere: the same roll-up over the report rows in Python, medians as
    ``selectors._medians`` takes them."""
    cells: dict[tuple, dict] = {}
    indexes: dict[tuple, list[float]] = defaultdict(list)
    n_flags = len(COUNTS) - 1
    for period, kecamatan, division, trained, *values in _report_rows(periods).iterator(chunk_size=5000):
        flags, (jobs, jobs_baseline, index) = values[:n_flags], values[n_flags:]
        for cell in _slices(kecamatan, division, _training(trained)):
            key = (period, *cell)
            row = cells.get(key)
            if row is None:
                row = cells[key] = dict.fromkeys(COUNTS, 0) | dict.fromkeys(SUMS)
            row["reported"] += 1
            for name, flag in zip(COUNTS[1:], flags, strict=True):
                row[name] += flag
            for name, value in (("jobs", jobs), ("jobs_baseline", jobs_baseline)):
                if value is not None:
                    row[name] = (row[name] or 0) + value
            if index is not None:
                indexes[key].append(index)
    for key, row in cells.items():
        row["median_index"] = statistics.median(indexes[key]) if indexes.get(key) else None
    return cells


def _first_trainings(topic_slug: str = selectors.ONLINE_MARKETING_TOPIC):
    """Business -> month number (year * 12 + month, in the portal's time zone) of its first
    attended, finished session of ``topic_slug``: the month ``selectors.before_after_per_business``
    finds with a subquery per report, here one grouped query."""
    return (
        Attendance.objects.filter(
            registration__session__status=SessionStatus.FINISHED, registration__session__topic__slug=topic_slug
        )
        .values(s_business=F("registration__business_id"))
        .annotate(s_first=Min(selectors._month_number("registration__session__starts_at")))
        .order_by()
    )


def _window_reports():
    """Reports with activity, each with its month number and slice (joined to the first
    trainings by the callers below)."""
    return (
        selectors._figure_reports()
        .filter(selectors._ACTIVITY, business_id__in=_first_trainings().values("s_business"))
        .annotate(
            s_business=F("business_id"),
            s_month=selectors._month_number("period"),
            s_kecamatan=F("business__kelurahan__kecamatan_id"),
            s_division=Substr("business__kbli__code", 1, 2),
            s_index=selectors._index_expression(),
        )
        .values_list("s_business", "s_month", "s_kecamatan", "s_division", "online_share", "s_index", "period")
        .order_by()
    )


def _per_business_sql() -> list[tuple]:
    """PostgreSQL: per business, the means over the WINDOW months before and after its first
    training, as ``selectors.before_after_per_business`` (the same AVGs), with a join in place of
    its subquery per report (15 s to 0.1 s on the 2,000-business city)."""
    reports, report_params = _window_reports().query.sql_with_params()
    firsts, first_params = _first_trainings().values_list("s_business", "s_first").query.sql_with_params()
    window = "MAKE_DATE((f0.s_first::int - 1) / 12, MOD(f0.s_first::int - 1, 12) + 1, 1)"
    firsts = f"""SELECT f0.s_business, f0.s_first,
                       ({window} - INTERVAL '{selectors.WINDOW} months')::date AS s_from,
                       ({window} + INTERVAL '{selectors.WINDOW} months')::date AS s_to
                FROM ({firsts}) AS f0"""  # nosec B608: Django's compiled query and the WINDOW constant
    sql = f"""
        SELECT r.s_business, r.s_kecamatan, r.s_division,
               AVG(r.online_share) FILTER (WHERE r.s_month < f.s_first),
               AVG(r.online_share) FILTER (WHERE r.s_month > f.s_first),
               AVG(r.s_index) FILTER (WHERE r.s_month < f.s_first),
               AVG(r.s_index) FILTER (WHERE r.s_month > f.s_first)
        FROM ({reports}) AS r JOIN ({firsts}) AS f ON f.s_business = r.s_business
        WHERE r.s_month BETWEEN f.s_first - %s AND f.s_first + %s AND r.s_month <> f.s_first
          -- the same window as dates, which the (business, period) index can range over
          AND r.period BETWEEN f.s_from AND f.s_to
        GROUP BY r.s_business, r.s_kecamatan, r.s_division
    """  # noqa: S608  # nosec B608: both inner queries are Django's, with their parameters passed apart
    with connection.cursor() as cursor:
        cursor.execute(sql, [*report_params, *first_params, selectors.WINDOW, selectors.WINDOW])
        return cursor.fetchall()


def _per_business_python() -> list[tuple]:
    """Elsewhere: the same means in Python, over the reports of the trained businesses."""
    firsts = {row["s_business"]: row["s_first"] for row in _first_trainings()}
    values: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    reports = _window_reports()
    for business, month, kecamatan, division, online, index, _period in reports.iterator(chunk_size=5000):
        offset = month - firsts[business]
        if offset == 0 or abs(offset) > selectors.WINDOW:
            continue
        side = "before" if offset < 0 else "after"
        cell = values[(business, kecamatan, division)]
        cell[f"online_{side}"].append(online)
        if index is not None:
            cell[f"index_{side}"].append(index)
    return [
        (*key, *(sum(cell[k]) / len(cell[k]) if cell[k] else None for k in selectors.BEFORE_AFTER))
        for key, cell in values.items()
    ]


def _before_after_cells() -> dict[tuple, dict]:
    """Before and after the online-marketing training, per (kecamatan, division) slice: the
    mean over the businesses with reports on both sides (each business's own means first)."""
    rows = _per_business_sql() if connection.vendor == "postgresql" else _per_business_python()
    values: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for _business, kecamatan, division, *means in rows:
        row = dict(zip(selectors.BEFORE_AFTER, means, strict=True))
        if row["online_before"] is None or row["online_after"] is None:
            continue  # reports on one side only
        for cell_key in itertools.product((kecamatan, 0), (division, "")):
            cell = values[cell_key]
            cell["businesses"].append(1)
            for key, value in row.items():
                if value is not None:
                    cell[key].append(value)
    result = {}
    for cell_key, lists in values.items():
        means = {key: (sum(lists[key]) / len(lists[key]) if lists[key] else None) for key in selectors.BEFORE_AFTER}
        for key in ("online_before", "online_after"):  # percent points to a ratio, as the selector
            means[key] = None if means[key] is None else float(means[key]) / 100
        result[cell_key] = {"trained_businesses": len(lists["businesses"])} | {
            key: None if value is None else float(value) for key, value in means.items()
        }
    return result


def _inputs() -> dict:
    """What else the figures depend on, to tell the sweep when the registry or the trainings
    changed: verified businesses, the last change to any business, attendances, finished
    sessions."""

    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    businesses = Business.objects.aggregate(
        verified=Count("pk", filter=Q(status=BusinessStatus.VERIFIED)), changed=Max("updated_at")
    )
    attendance = Attendance.objects.aggregate(n=Count("pk"), last=Max("checked_in_at"))
    sessions = TrainingSession.objects.filter(status=SessionStatus.FINISHED).aggregate(n=Count("pk"), last=Max("updated_at"))
    return {
        "businesses": [businesses["verified"], stamp(businesses["changed"])],
        "attendance": [attendance["n"], stamp(attendance["last"])],
        "finished_sessions": [sessions["n"], stamp(sessions["last"])],
    }


# --- Writing the summaries --------------------------------------------------------------------


def _ensure_states(keys: list[str]) -> None:
    SummaryFillState.objects.bulk_create([SummaryFillState(key=key) for key in keys], ignore_conflicts=True)


def _lock(key: str) -> None:
    """Serialise two fills of the same month (the rest of the database takes one writer at a
    time anyway)."""
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


def _fill_months(periods: list[date], verified_cells: tuple[dict[tuple, int], dict[str, int]]) -> None:
    keys = [_key(p) for p in periods]
    _ensure_states(keys)
    # Read before the figures: a change committed from here on leaves version > filled_version.
    versions = dict(SummaryFillState.objects.filter(key__in=keys).values_list("key", "version"))
    started = timezone.now()
    verified, division_versions = verified_cells
    reports = _report_cells_sql(periods) if selectors._has_percentile() else _report_cells_python(periods)
    kecamatan = list(Kecamatan.objects.order_by("code").values_list("pk", "name"))
    names = kbli_divisions()
    positions = {pk: position for position, (pk, _name) in enumerate(kecamatan, start=1)}
    labels = {(pk, ""): name for pk, name in kecamatan} | {
        (0, division): f"{division} {names.get((version, division), '')}".strip()
        for division, version in division_versions.items()
    }
    # Every kecamatan and the city have a row each month, so the dashboard can list them all and
    # knows the month is filled; other slices only where there is a business or a report.
    base_cells = set(verified) | {(pk, "", ALL) for pk, _name in kecamatan} | {(0, "", ALL)}
    for period in periods:
        cells = base_cells | {cell[1:] for cell in reports if cell[0] == period}
        rows = []
        for kecamatan_key, division, training in cells:
            figures = reports.get((period, kecamatan_key, division, training), {})
            label = labels.get((kecamatan_key, "") if not division else (0, division), "")
            rows.append(
                FigureSummary(
                    period=period,
                    kecamatan_key=kecamatan_key,
                    division=division,
                    training=training,
                    label=label,
                    position=positions.get(kecamatan_key, 0),
                    verified=verified.get((kecamatan_key, division, training), 0),
                    **{key: figures.get(key) or 0 for key in COUNTS},
                    **{key: figures.get(key) for key in (*SUMS, "median_index")},
                )
            )
        _write(_key(period), period, rows, versions[_key(period)], started)


def _fill_all_months(verified: dict[tuple, int]) -> None:
    _ensure_states([ALL_MONTHS])
    version = SummaryFillState.objects.filter(key=ALL_MONTHS).values_list("version", flat=True).get()
    started = timezone.now()
    cells = _before_after_cells()
    rows = [
        FigureSummary(
            period=None,
            kecamatan_key=kecamatan_key,
            division=division,
            training=ALL,
            verified=verified.get((kecamatan_key, division, ALL), 0),
            **cells.get((kecamatan_key, division), {}),
        )
        for kecamatan_key, division in set(cells) | {(0, "")}
    ]
    _write(ALL_MONTHS, None, rows, version, started)


def summaries_refresh(periods=None, *, before_after: bool | None = None) -> int:
    """Recompute the summaries of ``periods`` (None: every month from 2020 to this month); see
    the module docstring. ``before_after``: also recompute the all-months before-and-after
    figures; by default only on a full refresh, since at province scale they take as long as a
    month's figures and move slowly: a refresh of a few months marks them stale instead, for the
    sweep. Returns how many months were filled."""
    months = _months(periods)
    if before_after is None:
        before_after = periods is None
    inputs = _inputs() if periods is None else None
    # Read before any month's version (see _fill_months): a business verified from here on
    # changes the inputs, and the sweep then refreshes every month again.
    verified_cells = _verified_cells()
    for start in range(0, len(months), BATCH_MONTHS):
        _fill_months(months[start : start + BATCH_MONTHS], verified_cells)
    if before_after:
        _fill_all_months(verified_cells[0])
    elif months:
        _ensure_states([ALL_MONTHS])
        SummaryFillState.objects.filter(key=ALL_MONTHS).update(version=F("version") + 1, changed_at=timezone.now())
    if inputs is not None:  # every month now reflects these inputs: the sweep need not redo them
        SummaryFillState.objects.filter(key=ALL_MONTHS).update(inputs=inputs)
    return len(months)


def summaries_mark_changed(periods) -> None:
    """Mark the months of ``periods`` stale, in the caller's transaction (so the mark commits
    with the change). Months never filled need no mark: the sweep or the first read fills them.
    The all-months figures are refreshed by every ``summaries_refresh``."""
    keys = sorted({_key(p) for p in _months(periods)})
    SummaryFillState.objects.filter(key__in=keys).update(version=F("version") + 1, changed_at=timezone.now())


def summaries_stale() -> list[date]:
    """Months of the reporting range whose summaries are missing or older than their reports."""
    states = {state.key: state for state in SummaryFillState.objects.exclude(key=ALL_MONTHS)}
    return [p for p in _months(None) if _key(p) not in states or states[_key(p)].is_stale]


def summaries_sweep(now: datetime | None = None) -> list[date]:
    """The beat's pass (see the module docstring). Returns the months it refreshed; a second
    run right after refreshes nothing."""
    until = (now or timezone.now()) - COMMIT_LAG
    _ensure_states([ALL_MONTHS])
    state = SummaryFillState.objects.get(key=ALL_MONTHS)
    months = set(summaries_stale())
    if state.history_until is not None and state.history_until < until:
        changed = (
            MonthlyReport.history.filter(history_date__gt=state.history_until, history_date__lte=until)
            .values("period")
            .annotate(last=Max("history_date"))
            .order_by()
        )
        filled = dict(SummaryFillState.objects.values_list("key", "filled_at"))
        # A month filled after the change had surely committed already shows it.
        months |= {
            row["period"]
            for row in changed
            if filled.get(_key(row["period"])) is None or filled[_key(row["period"])] < row["last"] + COMMIT_LAG
        }
    inputs = _inputs()
    if inputs != state.inputs:
        months = set(_months(None))
    if months or state.is_stale:
        summaries_refresh(periods=sorted(months), before_after=True)
    SummaryFillState.objects.filter(key=ALL_MONTHS).update(inputs=inputs, history_until=max(until, state.history_until or until))
    return sorted(months)
