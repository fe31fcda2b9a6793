"""The before-and-after figures after one change: the task the change queues patches only the
entries of the businesses it touched (``aggregates.before_after_refresh``), and the figures it
writes are exactly those of a full recomputation from the reports, for every kind of change that
moves them: a late report, a business deactivated, verified or moved to another kecamatan, an
attendance recorded, a session finished. The exact weighted median it uses agrees with the plain
one (every value sorted) on data with ties and exact halves."""

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from businesses import services as business_services
from businesses.models import Business, BusinessStatus, Kelurahan
from recovery import aggregates, services
from recovery.measures import month_add
from recovery.models import BeforeAfterCell, BeforeAfterChange, FigureSummary, MonthlyReport, ReportStatus, current_period
from recovery.selectors import period_default
from trainings.models import Attendance, SessionStatus
from trainings.notices import sessions_finish
from trainings.services import attendance_check_in
from trainings.tests.factories import RegistrationFactory, TopicFactory, TrainingSessionFactory

from .factories import VerifiedBusinessFactory
from .helpers import same

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")


def _rows() -> dict:
    fields = [f.attname for f in FigureSummary._meta.fields if f.attname != "id"]
    return {(r["kecamatan_key"], r["division"]): r for r in FigureSummary.objects.filter(period__isnull=True).values(*fields)}


def _trained() -> list[int]:
    """Businesses trained in online marketing, first session first."""
    return list(
        Attendance.objects.filter(
            registration__session__topic__slug=aggregates.ONLINE_MARKETING_TOPIC,
            registration__business__status=BusinessStatus.VERIFIED,
        )
        .order_by("registration__session__starts_at", "registration__business_id")
        .values_list("registration__business_id", flat=True)
    )


def _untrained_reporting(cohort: date) -> list[int]:
    """Verified businesses never trained that reported activity the month before ``cohort`` and
    the month after: trained in ``cohort``, they have a before and an after."""
    businesses = Business.objects.filter(status=BusinessStatus.VERIFIED).exclude(training_registrations__attendance__isnull=False)
    for period in (month_add(cohort, -1), month_add(cohort, 1)):
        businesses = businesses.filter(
            pk__in=MonthlyReport.objects.filter(period=period, no_activity=False)
            .exclude(status=ReportStatus.RETURNED)
            .values("business_id")
        )
    return list(businesses.order_by("pk").values_list("pk", flat=True))


def late_report(staff) -> None:
    """A trained business reports a month of its after-window late, with a turnover and an online
    share far from its others (replacing a report not yet approved, or a missing one)."""
    cohort = aggregates._first_trainings()
    for business_id in _trained():
        first = cohort[business_id]
        for offset in (1, 2, 3):
            number = first + offset
            period = date(number // 12, number % 12 + 1, 1)
            if period > period_default():
                continue
            report = MonthlyReport.objects.filter(business_id=business_id, period=period).first()
            if report is None or report.status != ReportStatus.APPROVED:
                business = Business.objects.get(pk=business_id)
                services.report_submit(
                    business=business, period=period, actor=staff, confirmed_unusual=True,
                    data={"turnover": (business.turnover_2019 or 1_000_000) * 3, "workers_male": 1, "workers_female": 1,
                          "online_share": 90, "operating_status": "normal", "raw_materials": "normal"},
                )  # fmt: skip
                return
    raise AssertionError("no trained business with a month to report late")


def deactivate(staff) -> None:
    business_services.businesses_set_status(business_ids=[_trained()[0]], status=BusinessStatus.INACTIVE, actor=staff)


def verify(staff) -> None:
    """A pending business that already has reports (imported before it was set back to pending)."""
    business = VerifiedBusinessFactory(status=BusinessStatus.PENDING, verified_at=None, nib="8100000000001")
    for offset in range(6):
        MonthlyReport.objects.create(
            business=business, period=month_add(period_default(), -offset), turnover=9_000_000, workers_male=1,
            workers_female=0, online_share=40, operating_status="normal", raw_materials="normal",
        )  # fmt: skip
    business_services.businesses_set_status(business_ids=[business.pk], status=BusinessStatus.VERIFIED, actor=staff)


def move(staff) -> None:
    """A trained business corrected to a kelurahan of another kecamatan: every month it counted in."""
    business = Business.objects.select_related("kelurahan").get(pk=_trained()[0])
    business.kelurahan = Kelurahan.objects.exclude(kecamatan_id=business.kelurahan.kecamatan_id).order_by("pk").first()
    business_services.business_update_by_staff(business=business, changed=["kelurahan"], actor=staff)


def attendance(staff) -> None:
    """An untrained business that reported is checked in at an online-marketing course that began
    three months ago and ended an hour ago: trained from that month on."""
    now = timezone.now()
    starts = datetime.combine(month_add(current_period(), -3).replace(day=10), datetime.min.time(), tzinfo=JAKARTA)
    session = TrainingSessionFactory(
        topic=TopicFactory(slug=aggregates.ONLINE_MARKETING_TOPIC),
        starts_at=starts + timedelta(hours=9),
        ends_at=now - timedelta(hours=1),
        status=SessionStatus.FINISHED,
    )
    business = Business.objects.get(pk=_untrained_reporting(month_add(current_period(), -3))[0])
    attendance_check_in(registration=RegistrationFactory(session=session, business=business), actor=staff)


def attendance_today(staff) -> None:
    """A check-in at today's online-marketing session, ended an hour ago: its cohort has no
    after-window yet (no cell is built for it), and the business leaves the comparison group of
    the cohorts whose window reaches this month."""
    now = timezone.now()
    session = TrainingSessionFactory(
        topic=TopicFactory(slug=aggregates.ONLINE_MARKETING_TOPIC),
        starts_at=now - timedelta(hours=4),
        ends_at=now - timedelta(hours=1),
        status=SessionStatus.FINISHED,
    )
    business = Business.objects.get(pk=_untrained_reporting(month_add(current_period(), -2))[0])
    attendance_check_in(registration=RegistrationFactory(session=session, business=business), actor=staff)


def session_finish(staff) -> None:
    """A session four months ago that nobody closed, its attendance taken: closing it makes its
    three attendees trained."""
    starts = datetime.combine(month_add(current_period(), -4).replace(day=12), datetime.min.time(), tzinfo=JAKARTA)
    session = TrainingSessionFactory(
        topic=TopicFactory(slug=aggregates.ONLINE_MARKETING_TOPIC),
        starts_at=starts + timedelta(hours=9),
        ends_at=starts + timedelta(hours=12),
        status=SessionStatus.PUBLISHED,
    )
    for business in Business.objects.filter(pk__in=_untrained_reporting(month_add(current_period(), -4))[:3]):
        Attendance.objects.create(registration=RegistrationFactory(session=session, business=business))
    assert sessions_finish() == [session.pk]


# change, whether it moves a before-and-after figure (a deactivation today counts to the end of
# this month and a business verified today from this month: no window of theirs changes).
CHANGES = {
    "late_report": (late_report, True),
    "deactivate": (deactivate, False),
    "verify": (verify, False),
    "move": (move, True),
    "attendance": (attendance, True),
    "attendance_today": (attendance_today, False),
    "session_finish": (session_finish, True),
}


@pytest.mark.usefixtures("city_data")
@pytest.mark.parametrize("kind", list(CHANGES))
def test_one_change_patches_the_before_after_to_what_a_full_recomputation_gives(kind, staff, django_capture_on_commit_callbacks):
    aggregates.summaries_refresh()
    before = _rows()
    cells_before = set(BeforeAfterCell.objects.values_list("pk", flat=True))
    assert before[(0, "")]["trained_businesses"] > 0 and len(cells_before) > 10
    change, moves = CHANGES[kind]

    with django_capture_on_commit_callbacks(execute=True):
        change(staff)

    # The task the change queued left nothing stale and nothing pending.
    assert not aggregates.before_after_stale() and not aggregates.summaries_stale()
    assert not BeforeAfterChange.objects.exists()
    patched = _rows()
    # Only the cells of the business changed were rewritten: most are as they were.
    kept = cells_before & set(BeforeAfterCell.objects.values_list("pk", flat=True))
    assert len(kept) >= len(cells_before) - 12, (len(kept), len(cells_before))
    if moves:
        assert patched != before, "the change moved no before-and-after figure: the test proves nothing"

    aggregates.summaries_refresh(periods=[], before_after=True)
    same(patched, _rows(), kind)


@pytest.mark.usefixtures("city_data")
def test_changes_whose_businesses_are_unknown_are_recomputed_in_full():
    aggregates.summaries_refresh()
    before = _rows()
    aggregates.summaries_mark_changed([period_default()])  # e.g. a change from a shell
    assert BeforeAfterChange.objects.filter(business_id__isnull=True).exists()
    MonthlyReport.objects.filter(business_id=_trained()[0]).update(online_share=100)
    aggregates.before_after_refresh()
    recomputed = _rows()
    assert recomputed != before and not BeforeAfterChange.objects.exists()
    aggregates.summaries_refresh(periods=[], before_after=True)
    same(recomputed, _rows())


def _plain_weighted_median(pairs) -> float | None:
    """Every value sorted: the smallest value at which half the weight is reached, the mean of two
    values when exactly half is reached between them (equal values' weights added first)."""
    weights: dict[float, float] = defaultdict(float)
    for value, weight in pairs:
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


@pytest.mark.django_db(False)
def test_the_exact_weighted_median_agrees_with_sorting_every_value():
    rng = random.Random(11)
    cases = [
        [(1.0, [1.0, 2.0]), (1.0, [3.0, 4.0])],  # exactly half between 2 and 3
        [(0.5, [5.0] * 7), (2.0, [1.0, 9.0])],
        [(1.0, [])],
        [(3.0, [2.5])],
    ]
    for _ in range(300):
        groups = []
        for _group in range(rng.randint(1, 60)):
            size = rng.choice((0, 1, 3, 40, 200, 900))
            pool = (
                [rng.randint(0, 30) / 3 for _ in range(size)]
                if rng.random() < 0.5
                else [rng.lognormvariate(0, 1) for _ in range(size)]
            )
            groups.append((rng.choice((1, 2, 3)) / rng.choice((1, 7, 40)), sorted(pool)))
        cases.append(groups)
    for groups in cases:
        expected = _plain_weighted_median((value, weight) for weight, values in groups for value in values)
        found = aggregates._weighted_median(groups)
        assert (found is None) == (expected is None)
        if expected is not None:
            assert found == pytest.approx(expected, rel=1e-12), groups
    assert aggregates._weighted_median([(1.0, [1.0, 2.0]), (1.0, [3.0, 4.0])]) == 2.5
