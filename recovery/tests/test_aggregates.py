"""The pre-computed summaries (recovery.aggregates), every page's only source of figures: they
hold what an independent recomputation from the raw rows gives (tests/oracle.py), on the quick
start's believable data with trainings, for the city and every kind of filter; they follow
changes (a report submitted or returned, an import, a business verified, deactivated or
corrected, an attendance) through the worker; figures are point in time; and the sweep run
twice does nothing the second time."""

import time
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from businesses import services as business_services
from businesses.models import BusinessStatus, Kecamatan
from payakumbuh_ikm.tests.waiting import wait_until
from recovery import aggregates, selectors, services
from recovery.models import FigureSummary, MonthlyReport, SummaryFillState
from recovery.selectors import CITY, Scope, month_add, period_default

from . import oracle
from .factories import MonthlyReportFactory, VerifiedBusinessFactory
from .helpers import same

pytestmark = pytest.mark.django_db

FIGURE_KEYS = (*oracle.EMPTY_COUNTS, "verified", "jobs", "jobs_registered", "median_index", "completeness", "share_recovered")


def _pick(row: dict, *extra) -> dict:
    return {key: row[key] for key in (*FIGURE_KEYS, *extra)}


def live(*, start: date, end: date, scope: Scope) -> dict:
    """The same figures recomputed from the raw rows by the oracle."""
    return {
        "city": _pick(oracle.city_figures(period=end, scope=scope)),
        "series": [_pick(r, "period") for r in oracle.figures_series(start=start, end=end, scope=scope)],
        "by_kecamatan": [_pick(r, "key", "label") for r in oracle.figures_by_kecamatan(period=end, scope=scope)],
        "by_sector": [_pick(r, "key", "label") for r in oracle.figures_by_sector(period=end, scope=scope)],
        "by_training": [_pick(r, "key") for r in oracle.figures_by_training(period=end, scope=scope)],
        "before_after": oracle.before_after_treated(scope=scope),
    }


def summarised(*, start: date, end: date, scope: Scope) -> dict:
    data = selectors.figures(start=start, end=end, scope=scope)
    before_after = data["before_after"]
    return {
        "city": _pick(data["city"]),
        "series": [_pick(r, "period") for r in data["series"]],
        "by_kecamatan": [_pick(r, "key", "label") for r in data["by_kecamatan"]],
        "by_sector": [_pick(r, "key", "label") for r in data["by_sector"]],
        "by_training": [_pick(r, "key") for r in data["by_training"]],
        "before_after": {"businesses": before_after["businesses"]}
        | {key: before_after[key] for key in ("online_before", "online_after", "index_before", "index_after")},
    }


def test_summaries_hold_what_an_independent_recomputation_gives(city_data):
    assert aggregates.summaries_refresh() > 70  # every month since January 2020
    end = period_default()
    kecamatan = list(Kecamatan.objects.order_by("code").values_list("pk", flat=True))
    divisions = [row["key"] for row in oracle.figures_by_sector(period=end)][:2]
    scopes = [CITY, *(Scope(kecamatan_id=k) for k in kecamatan[:2]), *(Scope(division=d) for d in divisions)]
    scopes += [Scope(kecamatan_id=kecamatan[0], division=divisions[0]), Scope(kecamatan_id=kecamatan[-1], division="99")]
    for scope in scopes:
        for start, month in ((month_add(end, -11), end), (month_add(end, -14), month_add(end, -3))):
            expected = live(start=start, end=month, scope=scope)
            same(summarised(start=start, end=month, scope=scope), expected, f"{scope} {start}..{month}")
    # The data is not trivial: businesses joined during the year, the comparison covered
    # trained businesses, a median, and both training groups.
    series = summarised(start=month_add(end, -11), end=end, scope=CITY)["series"]
    assert series[0]["verified"] < series[-1]["verified"]
    city = summarised(start=end, end=end, scope=CITY)
    assert city["before_after"]["businesses"] > 0
    assert city["city"]["median_index"] is not None and city["by_training"][0]["reported"] > 0


def test_a_month_never_filled_is_shown_as_not_computed_and_a_get_writes_nothing(city_data):
    end = period_default()
    data = selectors.figures(start=month_add(end, -2), end=end)
    assert not FigureSummary.objects.exists() and not SummaryFillState.objects.exists()
    assert data["freshness"].computed_at is None and data["freshness"].missing == tuple(month_add(end, -i) for i in (2, 1, 0))
    assert data["city"]["reported"] == 0


def test_a_submitted_report_shows_after_the_refresh_its_commit_queues(reference, staff, django_capture_on_commit_callbacks):
    end = period_default()
    business = VerifiedBusinessFactory()
    MonthlyReportFactory(period=end)
    aggregates.summaries_refresh(periods=[end])
    assert selectors.figures(start=end, end=end)["city"]["reported"] == 1

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
            actor=staff,
        )
    assert len(callbacks) == 1
    city = selectors.figures(start=end, end=end)["city"]
    assert city["reported"] == 2 and city["recovered"] == 1
    assert end not in aggregates.summaries_stale()
    # The before/after figures span every month: the same task patched this business's entries.
    assert not aggregates.before_after_stale()
    freshness = selectors.figures(start=end, end=end)["freshness"]
    assert not freshness.updating and not freshness.before_after_updating

    report = MonthlyReport.objects.get(business=business)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(report_id=report.pk, actor=staff, note="Omzet terlalu tinggi.")
    assert selectors.figures(start=end, end=end)["city"]["recovered"] == 0  # returned: out of the figures


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
    assert selectors.figures(start=month_add(end, -1), end=month_add(end, -1))["city"]["reported"] == 1


def test_deactivating_a_business_changes_no_earlier_month(city_data, staff, django_capture_on_commit_callbacks):
    aggregates.summaries_refresh()
    end = period_default()
    before = {p: _pick(r) for p, r in ((r["period"], r) for r in selectors.figures(start=date(2020, 1, 1), end=end)["series"])}
    # A business that reported closure in an earlier month, then was archived today.
    closed = MonthlyReport.objects.filter(operating_status="tutup_permanen", business__status=BusinessStatus.VERIFIED).first()
    assert closed is not None
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        business_services.businesses_set_status(business_ids=[closed.business_id], status=BusinessStatus.INACTIVE, actor=staff)
    after = {p: _pick(r) for p, r in ((r["period"], r) for r in selectors.figures(start=date(2020, 1, 1), end=end)["series"])}
    same(after, before)
    assert after[closed.period]["closed"] >= 1
    # It still counts this month (deactivated during it): no month is stale, nothing to refresh,
    # not even the before/after figures, and no refresh task was queued.
    assert not aggregates.summaries_stale() and not aggregates.before_after_stale()
    assert not any("figures_changed" in repr(callback) for callback in callbacks), callbacks
    same(_pick(selectors.figures(start=end, end=end)["city"]), before[end])


def test_a_business_trained_after_a_month_counts_as_untrained_in_it(reference):
    from trainings.models import Attendance, SessionStatus
    from trainings.tests.factories import RegistrationFactory

    end = period_default()
    business = VerifiedBusinessFactory()
    MonthlyReportFactory(business=business, period=month_add(end, -2))
    MonthlyReportFactory(business=business, period=end)
    starts = timezone.make_aware(datetime.combine(month_add(end, -1).replace(day=15), datetime.min.time().replace(hour=9)))
    registration = RegistrationFactory(
        business=business,
        session__starts_at=starts,
        session__ends_at=starts + timedelta(hours=3),
        session__status=SessionStatus.FINISHED,
    )
    Attendance.objects.create(registration=registration)
    aggregates.summaries_refresh(periods=[month_add(end, -2), end])
    earlier = selectors.figures(start=month_add(end, -2), end=month_add(end, -2))["by_training"]
    assert [r["reported"] for r in earlier] == [0, 1]  # trained later: untrained then
    later = selectors.figures(start=end, end=end)["by_training"]
    assert [r["reported"] for r in later] == [1, 0]
    same(
        [_pick(r, "key") for r in later],
        [_pick(r, "key") for r in oracle.figures_by_training(period=end)],
    )


def test_one_outlier_report_moves_a_before_after_figure_by_one_business_at_most(reference):
    """Nine businesses trained in month T, six never trained; each reports the three months
    before and after T. A report of Rp 2 trillion (accepted after the soft warning) moves the
    trained group's median by one business's rank, not to thousands of percent (the old mean of
    ratios went from 92.3% to 3,526% on one such report)."""
    from trainings.models import Attendance, SessionStatus
    from trainings.tests.factories import RegistrationFactory, TopicFactory

    cohort = month_add(period_default(), -4)
    topic = TopicFactory(slug=aggregates.ONLINE_MARKETING_TOPIC)
    starts = timezone.make_aware(datetime.combine(cohort.replace(day=15), datetime.min.time().replace(hour=9)))
    trained = [VerifiedBusinessFactory(turnover_2019=10_000_000) for _ in range(9)]
    untrained = [VerifiedBusinessFactory(turnover_2019=10_000_000) for _ in range(6)]
    for business in trained:
        registration = RegistrationFactory(
            business=business,
            session__topic=topic,
            session__starts_at=starts,
            session__ends_at=starts + timedelta(hours=3),
            session__status=SessionStatus.FINISHED,
        )
        Attendance.objects.create(registration=registration)
    # Index after T: 50%, 60%, ... 130% for the trained, 70%..120% for the others; 50% before.
    for group in (trained, untrained):
        for rank, business in enumerate(group):
            for offset in (-3, -2, -1, 1, 2, 3):
                turnover = 5_000_000 if offset < 0 else (5 + rank) * 1_000_000 + (2_000_000 if group is untrained else 0)
                MonthlyReportFactory(business=business, period=month_add(cohort, offset), turnover=turnover)

    def figures() -> dict:
        aggregates.summaries_refresh(periods=[], before_after=True)
        return selectors.figures(start=cohort, end=cohort)["before_after"]

    clean = figures()
    assert (clean["businesses"], clean["comparison_businesses"]) == (9, 6)
    assert clean["index_before"] == pytest.approx(0.5) and clean["index_after"] == pytest.approx(0.9)
    assert clean["comparison_index_after"] == pytest.approx(0.95)  # between 90% and 100%

    MonthlyReport.objects.filter(business=trained[0], period=month_add(cohort, 1)).update(turnover=2_000_000_000_000)
    MonthlyReport.objects.filter(business=untrained[0], period=month_add(cohort, 2)).update(turnover=2_000_000_000_000)
    outlier = figures()
    # One business of nine: the median moves to the next business's value (100%), one of six:
    # to the mean of the two middle ones among the rest (100% and 110%).
    assert outlier["index_after"] == pytest.approx(1.0)
    assert outlier["comparison_index_after"] == pytest.approx(1.05)
    assert outlier["index_before"] == clean["index_before"] and outlier["online_after"] == clean["online_after"]
    assert abs(outlier["index_difference"] - clean["index_difference"]) <= 0.1 + 1e-9


@pytest.mark.django_db(transaction=True)
def test_a_report_submitted_shows_on_the_dashboard_after_the_real_worker_refreshed(reference, staff, celery_worker):
    end = period_default()
    business = VerifiedBusinessFactory()
    MonthlyReportFactory(period=end)
    aggregates.summaries_refresh(periods=[end])
    assert selectors.figures(start=end, end=end)["city"]["reported"] == 1

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
        actor=staff,
    )
    assert wait_until(lambda: end not in aggregates.summaries_stale(), timeout=20, step=0.1)
    assert selectors.figures(start=end, end=end)["city"]["reported"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_business_verified_reaches_the_dashboard_within_seconds_through_the_real_worker(reference, staff, celery_worker):
    end = period_default()
    VerifiedBusinessFactory()
    pending = VerifiedBusinessFactory(status=BusinessStatus.PENDING)
    aggregates.summaries_refresh(periods=[end, month_add(end, 1)])
    assert selectors.figures(start=month_add(end, 1), end=month_add(end, 1))["city"]["verified"] == 1

    started = time.monotonic()
    business_services.businesses_set_status(business_ids=[pending.pk], status=BusinessStatus.VERIFIED, actor=staff)
    current = month_add(end, 1)  # verified now: it counts from this month on
    assert wait_until(lambda: current not in aggregates.summaries_stale(), timeout=5)
    assert time.monotonic() - started < 5
    assert selectors.figures(start=current, end=current)["city"]["verified"] == 2
    assert selectors.figures(start=end, end=end)["city"]["verified"] == 1  # last month: not yet verified
