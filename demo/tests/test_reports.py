import io

import pytest
from django.core.management import call_command

from demo.registry import registry_seed
from demo.reports import DEMO_MONTHS, reports_seed
from recovery.models import MonthlyReport, ReportStatus, Target
from recovery.selectors import period_default
from recovery.tests.oracle import figures_series

pytestmark = pytest.mark.django_db


def test_demo_reports_are_believable_and_a_second_run_changes_nothing(reference):
    registry_seed()
    created = reports_seed()
    assert created > 1000
    assert MonthlyReport.objects.values("period").distinct().count() == DEMO_MONTHS
    assert MonthlyReport.objects.filter(status=ReportStatus.RETURNED).exclude(return_note="").exists()
    # The demo owners leave last month open to try the form.
    assert not MonthlyReport.objects.filter(period=period_default(), business__owner__user__isnull=False).exists()
    series = figures_series(end=period_default(), months=DEMO_MONTHS)
    assert series[0]["median_index"] < series[-1]["median_index"]  # the city recovers over the year
    assert 0.5 < series[-1]["completeness"] < 1

    snapshot = sorted(MonthlyReport.objects.values_list("business_id", "period", "turnover", "status"))
    assert reports_seed() == 0
    call_command("seed_demo", "--skip", "trainings", "--skip", "showcase", stdout=io.StringIO())
    targets = sorted(Target.objects.values_list("measure", "period", "value"))
    assert len(targets) == 4
    call_command("seed_demo", "--skip", "trainings", "--skip", "showcase", stdout=io.StringIO())
    assert sorted(Target.objects.values_list("measure", "period", "value")) == targets
    assert sorted(MonthlyReport.objects.values_list("business_id", "period", "turnover", "status")) == snapshot
