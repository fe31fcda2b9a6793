"""The dashboard's pre-computed summaries (recovery.aggregates): they hold what the selectors
compute from the reports, on the quick start's believable data with trainings, for the city and
every kind of filter, with PostgreSQL's median and the SQLite fallback; they follow changes (a
report submitted or returned, an import, a business verified) through the worker or the sweep;
and the sweep run twice does nothing the second time."""

import math
import time
from datetime import date, timedelta

import pytest
from django.utils import timezone

from businesses.demo import demo_seed
from businesses.models import Business, BusinessStatus, Kecamatan
from recovery import aggregates, selectors, services
from recovery.demo import recovery_demo_seed, targets_demo_seed
from recovery.models import FigureSummary, MonthlyReport, SummaryFillState
from recovery.selectors import CITY, Scope, month_add, period_default

from .factories import MonthlyReportFactory, VerifiedBusinessFactory
from .test_query_counts import _grow_trainings

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["postgresql", "fallback"])
def median_kind(request, monkeypatch):
    """Summaries filled and read with PostgreSQL's percentile_cont, and with the Python roll-up
    the SQLite quick start uses."""
    if request.param == "fallback":
        monkeypatch.setattr(selectors, "_has_percentile", lambda: False)
    return request.param


def same(left, right, path="") -> None:
    """Equal, floats to 1e-9 relative (a mean summed in another order may differ in its last bit)."""
    if isinstance(left, float) or isinstance(right, float):
        assert left is not None and right is not None, path
        assert math.isclose(float(left), float(right), rel_tol=1e-9), (path, left, right)
    elif isinstance(left, dict):
        assert set(left) == set(right), (path, set(left) ^ set(right))
        for key in left:
            same(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list):
        assert len(left) == len(right), (path, len(left), len(right))
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            same(a, b, f"{path}[{i}]")
    else:
        assert left == right, (path, left, right)


def live(*, start: date, end: date, scope: Scope) -> dict:
    """The same figures straight from the reports, with the selectors the summaries stand for."""
    targets = selectors.targets_all()
    return {
        "city": selectors.city_figures(period=end, scope=scope),
        "series": selectors.figures_series(start=start, end=end, scope=scope),
        "by_kecamatan": selectors.figures_by_kecamatan(period=end, scope=scope),
        "by_sector": selectors.figures_by_sector(period=end, scope=scope),
        "by_training": selectors.figures_by_training(period=end, scope=scope),
        "before_after": selectors.training_before_after(scope=scope),
        "target_progress": [
            (row["target"].pk, row["actual_period"], row["actual"], row["met"])
            for row in selectors.target_progress(targets=targets)
        ],
    }


def summarised(*, start: date, end: date, scope: Scope) -> dict:
    data = selectors.dashboard(start=start, end=end, scope=scope)
    keys = ("city", "series", "by_kecamatan", "by_sector", "by_training", "before_after")
    return {key: data[key] for key in keys} | {
        "target_progress": [(r["target"].pk, r["actual_period"], r["actual"], r["met"]) for r in data["target_progress"]]
    }


@pytest.fixture
def city_data(reference):
    """The quick start's city (a few hundred businesses, a year of reports, some returned, some
    with no activity, some closed), its targets, and online-marketing trainings attended."""
    demo_seed()
    recovery_demo_seed()
    targets_demo_seed()
    _grow_trainings(6)


def test_summaries_hold_what_the_selectors_compute(city_data, median_kind):
    assert aggregates.summaries_refresh() > 70  # every month since January 2020
    end = period_default()
    kecamatan = list(Kecamatan.objects.order_by("code").values_list("pk", flat=True))
    divisions = [row["key"] for row in selectors.figures_by_sector(period=end)][:3]
    scopes = [CITY, *(Scope(kecamatan_id=k) for k in kecamatan), *(Scope(division=d) for d in divisions)]
    scopes += [Scope(kecamatan_id=kecamatan[0], division=divisions[0]), Scope(kecamatan_id=kecamatan[-1], division="99")]
    for scope in scopes:
        for start, month in ((month_add(end, -11), end), (date(2024, 1, 1), month_add(end, -3))):
            expected = live(start=start, end=month, scope=scope)
            same(summarised(start=start, end=month, scope=scope), expected, f"{scope} {start}..{month}")
    # The data is not trivial: the comparison covered trained businesses and a median.
    city = summarised(start=end, end=end, scope=CITY)
    assert city["before_after"]["businesses"] > 0
    assert city["city"]["median_index"] is not None and city["by_training"][0]["reported"] > 0


def test_a_month_never_filled_is_filled_on_first_read(city_data):
    assert not FigureSummary.objects.exists()
    end = period_default()
    same(summarised(start=month_add(end, -2), end=end, scope=CITY), live(start=month_add(end, -2), end=end, scope=CITY))
    assert SummaryFillState.objects.filter(key=f"{end:%Y-%m}", filled_at__isnull=False).exists()


def test_a_submitted_report_shows_after_the_refresh_its_commit_queues(reference, staff, django_capture_on_commit_callbacks):
    end = period_default()
    business = VerifiedBusinessFactory()
    MonthlyReportFactory(period=end)
    aggregates.summaries_refresh(periods=[end])
    assert selectors.dashboard(start=end, end=end)["city"]["reported"] == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.report_submit(
            business=business,
            period=end,
            data={
                "turnover": 30_000_000,
                "workers_male": 1,
                "workers_female": 1,
                "online_share": 0,
                "operating_status": "normal",
                "raw_materials": "normal",
            },
            by=staff,
        )
    assert len(callbacks) == 1
    city = selectors.dashboard(start=end, end=end)["city"]
    assert city["reported"] == 2 and city["recovered"] == 1
    assert end not in aggregates.summaries_stale()
    # The before/after figures span every month: the month's refresh leaves them to the sweep.
    assert SummaryFillState.objects.get(key=SummaryFillState.ALL_MONTHS).is_stale
    aggregates.summaries_sweep()
    assert not SummaryFillState.objects.get(key=SummaryFillState.ALL_MONTHS).is_stale

    report = MonthlyReport.objects.get(business=business)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(report_id=report.pk, by=staff, note="Omzet terlalu tinggi.")
    assert selectors.dashboard(start=end, end=end)["city"]["recovered"] == 0  # returned: out of the figures


def test_a_change_marked_during_a_fill_leaves_the_month_stale(reference):
    end = period_default()
    MonthlyReportFactory(period=end)
    aggregates.summaries_refresh(periods=[end])
    assert end not in aggregates.summaries_stale()
    aggregates.summaries_mark_changed([end])
    assert end in aggregates.summaries_stale()
    # A fill that read the version before the mark records that version, not the new one.
    state = SummaryFillState.objects.get(key=f"{end:%Y-%m}")
    assert state.version == state.filled_version + 1
    aggregates.summaries_refresh(periods=[end])
    assert end not in aggregates.summaries_stale()


def test_the_sweep_picks_up_what_no_service_marked_and_a_second_run_does_nothing(reference):
    end = period_default()
    reporter = MonthlyReportFactory(period=end).business
    first = aggregates.summaries_sweep()
    assert end in first and len(first) > 70  # every month was never filled
    assert aggregates.summaries_sweep() == []

    # A report written past the services (as the admin import does) is in the history: the
    # sweep reads it once the commit lag has passed, and only once.
    MonthlyReportFactory(period=month_add(end, -1), business=reporter)
    later = timezone.now() + aggregates.COMMIT_LAG + timedelta(minutes=1)
    # (this month too: its report was written less than the commit lag before its fill, which may
    # not have seen it had it committed late)
    assert aggregates.summaries_sweep(now=later) == [month_add(end, -1), end]
    assert aggregates.summaries_sweep(now=later) == []
    assert selectors.dashboard(start=month_add(end, -1), end=month_add(end, -1))["city"]["reported"] == 1

    # A business verified changes every month's completeness: the sweep refills all of them.
    pending = VerifiedBusinessFactory(status=BusinessStatus.PENDING)
    aggregates.summaries_sweep(now=later)  # a business changed: it cannot tell it is not verified
    assert aggregates.summaries_sweep(now=later) == []
    Business.objects.filter(pk=pending.pk).update(status=BusinessStatus.VERIFIED, updated_at=timezone.now())
    assert len(aggregates.summaries_sweep(now=later)) > 70
    assert selectors.dashboard(start=end, end=end)["city"]["verified"] == 2
    assert aggregates.summaries_sweep(now=later) == []


@pytest.mark.django_db(transaction=True)
def test_a_report_submitted_shows_on_the_dashboard_after_the_real_worker_refreshed(reference, staff, celery_worker):
    end = period_default()
    business = VerifiedBusinessFactory()
    MonthlyReportFactory(period=end)
    aggregates.summaries_refresh(periods=[end])
    assert selectors.dashboard(start=end, end=end)["city"]["reported"] == 1

    services.report_submit(
        business=business,
        period=end,
        data={
            "turnover": 12_000_000,
            "workers_male": 1,
            "workers_female": 1,
            "online_share": 10,
            "operating_status": "normal",
            "raw_materials": "normal",
        },
        by=staff,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and end in aggregates.summaries_stale():
        time.sleep(0.1)
    assert end not in aggregates.summaries_stale()
    assert selectors.dashboard(start=end, end=end)["city"]["reported"] == 2
