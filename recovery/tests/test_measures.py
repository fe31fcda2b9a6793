"""The measures, checked against figures worked out by hand.

June 2025, seven verified businesses (each registered with 2 + 3 workers) and one inactive:

    business  kecamatan  KBLI   baseline     June report                      index
    A         K1         10750  10.000.000   12.000.000 normal, online 30%    1.20  recovered
    B         K1         10750  20.000.000   10.000.000 reduced, raw difficult 0.50 recovering
    C         K2         14302   8.000.000    2.000.000 normal, online 10%,   0.25  struggling
                                                        raw unavailable
    D         K2         14302  10.000.000            0 temporarily closed    0.00  closed
    E         K1         14302  10.000.000   no activity
    F         K2         10750  10.000.000   (no report)
    H         K1         10750  10.000.000   50.000.000 returned for correction (not in the figures)
    G (inactive since January 2025)   100.000.000 (not counted anywhere)

City: completeness 6/7; reports with activity A-D = 4; recovered 1 of the 3 open ones with a
baseline (A-C; D is closed); median of
(0, 0.25, 0.5, 1.2) = 0.375; online (A, C) 2/4; raw-material difficulty (B, C) 2/4;
jobs (5 + 2 + 1 + 0) / (4 x 5) = 8/20. In May only A reported, 10.000.000: index 1.0.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from businesses.models import Kbli, Kecamatan, Kelurahan
from recovery import aggregates, selectors
from recovery.measures import month_add, months_between
from recovery.models import ReportStatus

from .factories import MonthlyReportFactory, NoActivityReportFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db

JUNE, MAY = date(2025, 6, 1), date(2025, 5, 1)
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def median_kind():
    """The figures are computed the same way on every database (recovery.aggregates)."""
    return "portable"


@pytest.fixture
def city(reference):
    k1, k2 = Kecamatan.objects.order_by("code")[:2]
    in_k1 = Kelurahan.objects.filter(kecamatan=k1).first()
    in_k2 = Kelurahan.objects.filter(kecamatan=k2).first()
    food = Kbli.objects.get(version=2020, code="10750")
    clothing = Kbli.objects.get(version=2020, code="14302")

    def business(kelurahan, kbli, baseline=10_000_000, **extra):
        return VerifiedBusinessFactory(kelurahan=kelurahan, kbli=kbli, turnover_2019=baseline, **extra)

    b = {
        "A": business(in_k1, food),
        "B": business(in_k1, food, 20_000_000),
        "C": business(in_k2, clothing, 8_000_000),
        "D": business(in_k2, clothing),
        "E": business(in_k1, clothing),
        "F": business(in_k2, food),
        "H": business(in_k1, food),
        "G": business(in_k1, food, status="inactive", deactivated_at=datetime(2025, 1, 10, tzinfo=JAKARTA)),
    }
    report = MonthlyReportFactory
    report(business=b["A"], period=JUNE, turnover=12_000_000, online_share=30, workers_male=3, workers_female=2)
    report(
        business=b["B"],
        period=JUNE,
        turnover=10_000_000,
        online_share=0,
        operating_status="terbatas",
        raw_materials="sulit",
        workers_male=1,
        workers_female=1,
    )
    report(
        business=b["C"],
        period=JUNE,
        turnover=2_000_000,
        online_share=10,
        raw_materials="tidak_ada",
        workers_male=1,
        workers_female=0,
    )
    report(
        business=b["D"],
        period=JUNE,
        turnover=0,
        online_share=0,
        operating_status="tutup_sementara",
        workers_male=0,
        workers_female=0,
    )
    NoActivityReportFactory(business=b["E"], period=JUNE)
    report(business=b["H"], period=JUNE, turnover=50_000_000, status=ReportStatus.RETURNED, return_note="Cek omzet")
    report(business=b["G"], period=JUNE, turnover=100_000_000)
    report(business=b["A"], period=MAY, turnover=10_000_000)
    return {"businesses": b, "k1": k1, "k2": k2}


def _read(end: date, months: int = 12) -> dict:
    """The figures through the app's only path: the worker's refresh, then the summaries."""
    start = month_add(end, -(months - 1))
    aggregates.summaries_refresh(periods=months_between(start, end))
    return selectors.figures(start=start, end=end)


def test_city_figures_for_a_month(city, median_kind):
    figures = _read(JUNE)["city"]
    assert figures["verified"] == 7
    assert figures["reported"] == 6
    assert figures["completeness"] == pytest.approx(6 / 7)
    assert figures["no_activity_reports"] == 1
    assert figures["with_activity"] == 4
    assert (figures["active"], figures["closed"]) == (3, 1)
    assert (figures["recovered"], figures["recovering"], figures["struggling"]) == (1, 1, 1)
    # Of the open businesses with a baseline (A, B, C): D is closed, counted apart.
    assert figures["share_recovered"] == pytest.approx(1 / 3)
    assert figures["share_closed"] == pytest.approx(1 / 4) and figures["returned"] == 1
    assert figures["median_index"] == pytest.approx(0.375)
    assert figures["share_online"] == pytest.approx(0.5)
    assert figures["share_raw_difficult"] == pytest.approx(0.5)
    assert (figures["jobs"], figures["jobs_registered"]) == (8, 20)
    assert figures["jobs_ratio"] == pytest.approx(0.4)


def test_figures_by_kecamatan(city, median_kind):
    rows = {row["key"]: row for row in _read(JUNE)["by_kecamatan"]}
    assert len(rows) == Kecamatan.objects.count()  # every kecamatan, with or without reports
    k1, k2 = rows[city["k1"].pk], rows[city["k2"].pk]
    # K1: A, B, E, H verified and reported; A and B with activity.
    assert (k1["verified"], k1["reported"], k1["with_activity"]) == (4, 4, 2)
    assert k1["completeness"] == pytest.approx(1.0)
    assert k1["share_recovered"] == pytest.approx(0.5)
    assert k1["median_index"] == pytest.approx(0.85)
    assert k1["jobs_ratio"] == pytest.approx(7 / 10)
    # K2: C, D, F verified; C and D reported.
    assert (k2["verified"], k2["reported"], k2["with_activity"]) == (3, 2, 2)
    assert k2["completeness"] == pytest.approx(2 / 3)
    assert k2["share_recovered"] == pytest.approx(0.0)
    assert k2["median_index"] == pytest.approx(0.125)
    assert k2["share_online"] == pytest.approx(0.5) and k2["share_raw_difficult"] == pytest.approx(0.5)
    empty = next(row for key, row in rows.items() if key not in (city["k1"].pk, city["k2"].pk))
    assert empty["reported"] == 0 and empty["completeness"] is None and empty["median_index"] is None


def test_figures_by_sector(city, median_kind):
    rows = {row["key"]: row for row in _read(JUNE)["by_sector"]}
    assert set(rows) == {"10", "14"}
    food, clothing = rows["10"], rows["14"]
    assert food["label"].startswith("10 ") and len(food["label"]) > 3
    # Division 10: A, B, F, H verified; A, B, H reported; A and B with activity.
    assert (food["verified"], food["reported"], food["with_activity"]) == (4, 3, 2)
    assert food["completeness"] == pytest.approx(0.75)
    assert food["median_index"] == pytest.approx(0.85)
    # Division 14: C, D, E verified and reported; E had no activity.
    assert (clothing["verified"], clothing["reported"], clothing["no_activity_reports"]) == (3, 3, 1)
    assert clothing["median_index"] == pytest.approx(0.125)
    assert clothing["closed"] == 1


def test_figures_over_time(city, median_kind):
    series = _read(JUNE)["series"]
    assert [row["period"] for row in series][0] == date(2024, 7, 1)
    assert [row["period"] for row in series][-1] == JUNE and len(series) == 12
    may, june = series[-2], series[-1]
    assert (may["reported"], may["recovered"], may["median_index"]) == (1, 1, pytest.approx(1.0))
    assert may["completeness"] == pytest.approx(1 / 7)
    assert june["median_index"] == pytest.approx(0.375)
    assert series[0]["reported"] == 0 and series[0]["median_index"] is None and series[0]["share_recovered"] is None


def test_the_series_last_month_is_that_months_city_figures(city, median_kind):
    """The figures page shows the series' last row as the month's city figures (one read)."""
    data = _read(JUNE)
    assert data["series"][-1] == data["city"]


def test_a_business_sees_its_index_against_the_city_median(city, median_kind):
    _read(JUNE)
    reports = selectors.reports_of_business(business=city["businesses"]["A"])
    assert [(r.period, r.index, r.city_median) for r in reports] == [
        (JUNE, pytest.approx(1.2), pytest.approx(0.375)),
        (MAY, pytest.approx(1.0), pytest.approx(1.0)),
    ]


def test_no_activity_has_no_index(city):
    _read(JUNE)
    [report] = selectors.reports_of_business(business=city["businesses"]["E"])
    assert report.index is None and report.city_median == pytest.approx(0.375)


def test_four_businesses_median_is_the_mean_of_the_middle_two(reference, median_kind):
    for turnover in (4_000_000, 9_000_000, 11_000_000, 30_000_000):  # baselines 10.000.000
        MonthlyReportFactory(period=JUNE, turnover=turnover, business__turnover_2019=10_000_000)
    assert _read(JUNE)["city"]["median_index"] == pytest.approx(1.0)
    MonthlyReportFactory(period=JUNE, turnover=1_000_000, business__turnover_2019=10_000_000)
    assert _read(JUNE)["city"]["median_index"] == pytest.approx(0.9)


def test_a_zero_baseline_gives_no_index_and_no_division_error(reference, median_kind):
    MonthlyReportFactory(period=JUNE, turnover=5_000_000, business__turnover_2019=0)
    figures = _read(JUNE)["city"]
    assert figures["median_index"] is None
    assert figures["with_activity"] == 1
    # No baseline: no index, so neither recovered nor struggling, and no share to give.
    assert (figures["recovered"], figures["struggling"], figures["no_baseline"]) == (0, 0, 1)
    assert figures["share_recovered"] is None
