"""A month whose figures are still moving (its reporting deadline not passed, or fewer than
RECOVERY_COMPLETE_SHARE of the businesses reported) is labelled "sementara" on every surface
that shows it, and the dashboard and the figures page lead with the latest complete month."""

import csv
import io

import pytest
import weasyprint
from django.urls import reverse
from openpyxl import load_workbook

from recovery import report_files, selectors
from recovery.aggregates import summaries_refresh
from recovery.models import Measure, Target

from .factories import MonthlyReportFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db

BADGE = '<span class="badge text-bg-warning">sementara</span>'


@pytest.fixture
def months(reference):
    """Ten businesses. Two months ago nine reported (complete: its deadline, the 10th of last
    month, has passed); last month five did (provisional whatever today's date); three months
    ago nobody did (provisional: nothing to count)."""
    last = selectors.period_default()
    complete = selectors.month_add(last, -1)
    empty = selectors.month_add(last, -2)
    businesses = [VerifiedBusinessFactory(turnover_2019=10_000_000) for _ in range(10)]
    for business in businesses[:9]:
        MonthlyReportFactory(business=business, period=complete, turnover=9_000_000)
    for business in businesses[:5]:
        MonthlyReportFactory(business=business, period=last, turnover=6_000_000)
    summaries_refresh()
    return {"last": last, "complete": complete, "empty": empty, "business": businesses[0]}


def test_the_months_are_what_the_fixture_says(months):
    assert selectors.latest_complete_period() == months["complete"]
    data = selectors.figures(start=months["empty"], end=months["last"])
    assert [row["provisional"] for row in data["series"]] == [True, False, True]


def test_the_dashboard_leads_with_the_latest_complete_month_and_shows_the_newest_beside_it(client, official, months):
    client.force_login(official)
    response = client.get(reverse("recovery:dashboard"))
    data = response.context["data"]
    assert data["end"] == months["complete"] and not data["provisional"]
    assert data["newest"]["period"] == months["last"] and data["newest"]["provisional"]
    html = response.content.decode()
    assert "data-newest-month" in html and f"?sampai={months['last']:%Y-%m}" in html
    # The filter form shows the month it chose.
    assert response.context["filter"]["sampai"].value() == f"{months['complete']:%Y-%m}"


def test_a_provisional_month_asked_for_is_labelled_on_the_dashboard_its_charts_and_downloads(client, official, months):
    client.force_login(official)
    query = {"sampai": f"{months['last']:%Y-%m}", "dari": f"{months['empty']:%Y-%m}"}
    response = client.get(reverse("recovery:dashboard"), query)
    html = response.content.decode()
    assert response.context["data"]["provisional"] and response.context["data"]["newest"] is None
    assert BADGE in html and "Batas pelaporan bulan ini belum lewat" in html  # headline and freshness
    labels = response.context["chart_specs"]["trend"]["labels"]
    assert [label.endswith("(sementara)") for label in labels] == [True, False, True]

    rows = list(csv.reader(io.StringIO(client.get(reverse("recovery:dashboard-export", args=["csv"]), query).content.decode())))
    month_cells = [row[0] for row in rows if row and row[0][:4].isdigit() and row[0][4:5] == "-"]
    assert f"{months['last']:%Y-%m} (sementara)" in month_cells
    assert f"{months['complete']:%Y-%m}" in month_cells

    workbook = load_workbook(io.BytesIO(client.get(reverse("recovery:dashboard-export", args=["xlsx"]), query).content))
    cells = {str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value}
    assert f"{months['last']:%Y-%m} (sementara)" in cells and f"{months['complete']:%Y-%m}" in cells


def test_the_figures_page_leads_with_the_complete_month_and_labels_a_provisional_one(client, staff, months):
    client.force_login(staff)
    response = client.get(reverse("recovery:figures"))
    assert response.context["period"] == months["complete"]
    html = response.content.decode()
    assert "data-newest-month" in html and f"?periode={months['last']:%Y-%m}" in html
    # The year's table marks the months before it that are provisional (nobody reported), and
    # only those: the heading's month is final.
    series = response.context["series"]
    assert [row["provisional"] for row in series] == [True] * 11 + [False]
    assert html.count(BADGE) == 11

    html = client.get(reverse("recovery:figures"), {"periode": f"{months['last']:%Y-%m}"}).content.decode()
    assert "Sementara</span>" in html and html.count(BADGE) >= 2  # heading, series rows


def test_targets_judged_on_a_provisional_month_say_so(client, official, months):
    Target.objects.create(measure=Measure.COMPLETENESS, period=months["empty"], value=80)
    Target.objects.create(measure=Measure.SHARE_RECOVERED, period=months["complete"], value=50)
    client.force_login(official)
    response = client.get(reverse("recovery:targets"))
    rows = {row["target"].measure: row for row in response.context["progress"]}
    assert rows[Measure.COMPLETENESS]["provisional"] and not rows[Measure.SHARE_RECOVERED]["provisional"]
    assert response.content.decode().count(BADGE) == 1


def test_the_business_page_marks_the_city_median_of_a_provisional_month(client, months):
    business = months["business"]
    client.force_login(business.owner.user)
    response = client.get(reverse("recovery:business", args=[business.pk]))
    by_period = {report.period: report for report in response.context["reports"]}
    assert by_period[months["last"]].city_provisional and not by_period[months["complete"]].city_provisional
    assert response.content.decode().count(BADGE) == 1
    labels = response.context["chart_specs"]["business"]["labels"]
    assert labels[-1].endswith("(sementara)") and not labels[-2].endswith("(sementara)")


def test_the_monthly_files_say_whether_their_month_is_final(months, monkeypatch):
    def status(period):
        summary = dict(report_files.monthly_sheets(period=period)[0][2])
        return str(summary["Status bulan"])

    assert status(months["last"]).startswith("Sementara") and status(months["complete"]) == "Final"

    seen = []
    real_html = weasyprint.HTML

    def recording_html(*, string, **kwargs):
        seen.append(string)
        return real_html(string=string, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", recording_html)
    assert report_files.monthly_pdf(period=months["last"]).startswith(b"%PDF")
    assert "Sementara" in seen[0]


def test_the_completeness_page_gives_the_month_s_deadline(client, staff, months):
    client.force_login(staff)
    html = client.get(reverse("recovery:completeness"), {"periode": f"{months['complete']:%Y-%m}"}).content.decode()
    assert "data-deadline" in html and "sudah lewat" in html and BADGE not in html
