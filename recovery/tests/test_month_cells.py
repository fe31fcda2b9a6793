"""A change recomputes only the cells of the businesses it touched (recovery.aggregates: the
month's base cells, the rest of the month rolled up from its stored rows): after each kind of
change, through its service and the refresh it queues, every row of the month is what a
recomputation of the whole month gives, and what the independent recomputation (tests/oracle.py)
gives; a correction that moves a business to another kecamatan, a sweep, and summaries filled
before the cells were kept recompute the month whole."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from businesses import services as business_services
from businesses.models import Business, BusinessStatus, Kelurahan
from recovery import aggregates, services
from recovery.models import FigureSummary, MonthlyReport, SummaryIndexes, SummaryMonthChange
from recovery.selectors import month_add, period_default
from trainings.models import Attendance, Registration, RegistrationStatus, SessionStatus
from trainings.services import attendance_check_in
from trainings.tests.factories import TrainingSessionFactory

from . import oracle
from .helpers import same

pytestmark = pytest.mark.django_db

REPORT = {
    "turnover": 9_000_000,
    "workers_male": 2,
    "workers_female": 1,
    "online_share": 40,
    "operating_status": "normal",
    "raw_materials": "normal",
}


def stored(period) -> list[tuple]:
    """Every summary row and stored index of the month, as comparable tuples."""
    fields = [f.attname for f in FigureSummary._meta.fields if f.attname != "id"]
    rows = sorted(FigureSummary.objects.filter(period=period).values_list(*fields), key=repr)
    cells = sorted(SummaryIndexes.objects.filter(period=period).values_list("kecamatan_key", "division", "training", "values"))
    return rows + [(*cell[:3], bytes(cell[3])) for cell in cells]


@pytest.fixture
def spy(monkeypatch):
    """The pairs each fill recomputed: None for a whole month."""
    seen: list = []
    base = aggregates._Base

    def recording(period, pairs=None):
        seen.append(pairs)
        return base(period, pairs)

    monkeypatch.setattr(aggregates, "_Base", recording)
    return seen


def whole_again(period) -> list[tuple]:
    aggregates._fill_months([period], whole={period})
    return stored(period)


def city_matches_oracle(period) -> None:
    row = FigureSummary.objects.get(period=period, kecamatan_key=0, division="", training=aggregates.ALL)
    expected = oracle.city_figures(period=period)
    same({k: getattr(row, k) for k in ("reported", "verified", "recovered", "median_index")},
         {k: expected[k] for k in ("reported", "verified", "recovered", "median_index")})  # fmt: skip


def test_each_change_recomputes_only_its_cells_and_gives_the_whole_months_rows(
    city_data, staff, spy, django_capture_on_commit_callbacks
):
    aggregates.summaries_refresh()
    last, this = period_default(), month_add(period_default(), 1)
    assert SummaryIndexes.objects.filter(period=last).exists()

    def change(action, period) -> None:
        spy.clear()
        with django_capture_on_commit_callbacks(execute=True):
            action()
        assert spy and all(pairs is not None and len(pairs) <= 2 for pairs in spy), spy  # a cell or two, never the month
        assert not SummaryMonthChange.objects.exists()
        partial = stored(period)
        same(partial, whole_again(period), f"{action.__name__}: the cells patched give the whole month's rows")
        city_matches_oracle(period)

    late = Business.objects.filter(status=BusinessStatus.VERIFIED).exclude(recovery_reports__period=last).first()

    def late_report():
        services.report_submit(business=late, period=last, data=REPORT, actor=staff)

    change(late_report, last)

    def corrected_report():
        services.report_submit(
            business=late, period=last, data=REPORT | {"turnover": 90_000_000}, actor=staff, confirmed_unusual=True
        )

    change(corrected_report, last)

    def returned_report():
        report = MonthlyReport.objects.get(business=late, period=last)
        services.report_return(report_id=report.pk, actor=staff, note="Omzet perlu diperiksa lagi.")

    change(returned_report, last)

    pending = Business.objects.filter(status=BusinessStatus.PENDING, verified_at__isnull=True).first()

    def verified():
        business_services.businesses_set_status(business_ids=[pending.pk], status=BusinessStatus.VERIFIED, actor=staff)

    change(verified, this)

    # A check-in at today's session, closed an hour ago: the business is trained from next
    # month; this month's fill recomputes its kecamatan and division.
    untrained = (
        Business.objects.filter(status=BusinessStatus.VERIFIED, verified_at__isnull=False)
        .exclude(training_registrations__attendance__isnull=False)
        .first()
    )
    now = timezone.now()
    session = TrainingSessionFactory(
        starts_at=now - timedelta(hours=4), ends_at=now - timedelta(hours=1), status=SessionStatus.FINISHED
    )
    registration = Registration.objects.create(
        session=session, business=untrained, participant_name="Peserta", status=RegistrationStatus.CONFIRMED
    )

    def attended():
        attendance_check_in(registration=registration, actor=staff)

    change(attended, this)
    assert Attendance.objects.filter(registration=registration).exists()


def test_a_business_moved_to_another_kecamatan_recomputes_its_months_whole(
    city_data, staff, spy, django_capture_on_commit_callbacks
):
    aggregates.summaries_refresh()
    last = period_default()
    reporting = MonthlyReport.objects.filter(period=last, business__status=BusinessStatus.VERIFIED).first().business
    elsewhere = Kelurahan.objects.exclude(kecamatan=reporting.kelurahan.kecamatan).first()
    spy.clear()
    reporting.kelurahan = elsewhere
    with django_capture_on_commit_callbacks(execute=True):
        business_services.business_update_by_staff(business=reporting, changed=["kelurahan"], actor=staff)
    assert spy and all(pairs is None for pairs in spy)  # its old cell is not known: every month whole
    same(stored(last), whole_again(last))
    city_matches_oracle(last)


def test_summaries_without_stored_cells_and_sweeps_fill_the_month_whole(city_data, staff, spy):
    aggregates.summaries_refresh()
    last = period_default()
    expected = stored(last)
    # Summaries filled before the cells were kept: the next change recomputes the month whole,
    # and keeps the cells from then on.
    SummaryIndexes.objects.filter(period=last).delete()
    business = MonthlyReport.objects.filter(period=last).values_list("business_id", flat=True).first()
    aggregates.summaries_mark_changed([last], [business])
    spy.clear()
    aggregates.summaries_refresh(periods=[last], before_after=False)
    assert spy == [None]
    assert stored(last) == expected

    # The sweep: a month whose reports changed past the services is recomputed whole, even
    # with a mark of a single business waiting.
    aggregates.summaries_mark_changed([last], [business])
    spy.clear()
    aggregates._fill_months([last], whole={last})
    assert spy == [None] and not SummaryMonthChange.objects.exists()


def test_marks_of_many_businesses_recompute_the_month_whole(city_data, spy):
    aggregates.summaries_refresh()
    last = period_default()
    many = list(Business.objects.values_list("pk", flat=True)[: aggregates.MONTH_MARKS_MAX + 1])
    aggregates.summaries_mark_changed([last], many)
    assert list(SummaryMonthChange.objects.values("business_id").annotate(n=Count("pk"))) == [{"business_id": None, "n": 1}]
    spy.clear()
    aggregates.summaries_refresh(periods=[last], before_after=False)
    assert spy == [None]
