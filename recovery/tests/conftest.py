"""Fixtures the recovery tests share: the worked example of the monthly report, a closed month
with its report built, and the quick start's city."""

import pytest

from businesses.models import Kelurahan
from businesses.tests.factories import UserFactory
from demo.registry import registry_seed
from demo.reports import reports_seed, targets_seed
from recovery import aggregates, report_files, tasks
from recovery.selectors import month_add, period_default

from .factories import MonthlyReportFactory, VerifiedBusinessFactory
from .helpers import grow_trainings


@pytest.fixture
def worked_example(reference):
    """Three verified businesses (baseline Rp15.000.000): one recovered (index 100%), one
    struggling (40%) in another kecamatan, one not reported; one name that looks like a formula."""
    kelurahan = list(Kelurahan.objects.select_related("kecamatan").order_by("code"))
    other = next(k for k in kelurahan if k.kecamatan_id != kelurahan[0].kecamatan_id)
    period = period_default()
    recovered = VerifiedBusinessFactory(name='=HYPERLINK("http://x")', kelurahan=kelurahan[0])
    struggling = VerifiedBusinessFactory(name="Keripik Balado", kelurahan=other)
    silent = VerifiedBusinessFactory(name="Tenun Kubang", kelurahan=kelurahan[0])
    MonthlyReportFactory(business=recovered, period=period, turnover=15_000_000)
    MonthlyReportFactory(business=struggling, period=period, turnover=6_000_000)
    aggregates.summaries_refresh(periods=[month_add(period, -i) for i in range(12)], before_after=True)  # the worker's part
    return {
        "period": period,
        "businesses": [recovered, struggling, silent],
        "kecamatan": [kelurahan[0].kecamatan, other.kecamatan],
    }


@pytest.fixture
def closed_month(reference, roles, monkeypatch):
    """The worked example's businesses in a month whose reporting has closed (the month before
    last), with the daily job pinned to that month; its report built (revision 1) and emailed to
    two officials. Tenun Kubang has not reported."""
    kelurahan = list(Kelurahan.objects.select_related("kecamatan").order_by("code"))
    other = next(k for k in kelurahan if k.kecamatan_id != kelurahan[0].kecamatan_id)
    period = month_add(period_default(), -1)
    recovered = VerifiedBusinessFactory(name="Songket Pandai Sikek", kelurahan=kelurahan[0])
    struggling = VerifiedBusinessFactory(name="Keripik Balado", kelurahan=other)
    silent = VerifiedBusinessFactory(name="Tenun Kubang", kelurahan=kelurahan[0])
    MonthlyReportFactory(business=recovered, period=period, turnover=15_000_000)
    MonthlyReportFactory(business=struggling, period=period, turnover=6_000_000)
    aggregates.summaries_refresh(periods=[month_add(period, -i) for i in range(13)], before_after=True)
    monkeypatch.setattr(tasks, "period_closed", lambda today=None: period)
    officials = [UserFactory(role="pejabat"), UserFactory(role="pejabat")]
    first = report_files.monthly_report_build(period=period)
    assert first.revision == 1 and first.figures_digest and first.figures_as_of
    return {"period": period, "silent": silent, "officials": officials, "first": first}


@pytest.fixture
def city_data(reference):
    """The quick start's city (a few hundred businesses joining over time, some deactivated, a
    year of reports, some returned, some with no activity, some closed), its targets, and
    online-marketing trainings attended."""
    registry_seed()
    reports_seed()
    targets_seed()
    grow_trainings(6)
