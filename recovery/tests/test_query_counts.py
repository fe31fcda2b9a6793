"""Every recovery page holds a constant number of queries as reports pile up (a handful, then
hundreds of businesses with a year of reports each)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.tests.factories import OwnerFactory
from recovery.aggregates import summaries_refresh
from recovery.models import MonthlyReport
from recovery.selectors import month_add, period_default

from .factories import VerifiedBusinessFactory
from .helpers import grow_to, grow_trainings

pytestmark = pytest.mark.django_db


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context)


def test_staff_and_official_pages_keep_their_query_count(client, staff, official, owner):
    mine = VerifiedBusinessFactory(owner=owner)
    grow_to(5, months=2)
    report = MonthlyReport.objects.filter(business=mine).first()
    period = f"{period_default():%Y-%m}"
    staff_urls = [
        reverse("recovery:completeness"),
        reverse("recovery:completeness") + f"?periode={period}&kecamatan=1",
        reverse("recovery:figures"),
        reverse("recovery:figures") + f"?periode={period}",
        reverse("recovery:business", args=[mine.pk]),
        reverse("recovery:report-form", args=[mine.pk]) + f"?periode={month_add(period_default(), -20):%Y-%m}",
        reverse("recovery:report-detail", args=[report.pk]),
        reverse("admin:recovery_monthlyreport_changelist"),
        reverse("admin:recovery_monthlyreport_changelist") + "?status__exact=diajukan",
    ]
    official_urls = [reverse("recovery:figures"), reverse("recovery:business", args=[mine.pk])]
    owner_urls = [
        reverse("recovery:mine"),
        reverse("recovery:business", args=[mine.pk]),
        reverse("recovery:report-detail", args=[report.pk]),
        reverse("recovery:report-form", args=[mine.pk]) + f"?periode={month_add(period_default(), -20):%Y-%m}",
    ]

    def measure():
        counts = {}
        for user, urls in ((staff, staff_urls), (official, official_urls), (owner.user, owner_urls)):
            client.force_login(user)
            counts.update({(user.pk, url): count_queries(client, url) for url in urls})
        return counts

    small = measure()
    grow_to(150, months=12)
    for _ in range(3):  # the owner's other businesses
        VerifiedBusinessFactory(owner=owner)
    large = measure()
    assert small == large
    assert max(large.values()) <= 16, large


def test_owner_page_with_many_businesses_keeps_its_query_count(client, reference):
    owner = OwnerFactory()
    VerifiedBusinessFactory(owner=owner)
    client.force_login(owner.user)
    small = count_queries(client, reverse("recovery:mine"))
    for _ in range(6):
        VerifiedBusinessFactory(owner=owner)
    grow_to(10)
    assert count_queries(client, reverse("recovery:mine")) == small


def test_dashboard_targets_and_exports_keep_their_query_count(client, staff, official, owner):
    from recovery.models import Measure, Target

    mine = VerifiedBusinessFactory(owner=owner)
    grow_to(5, months=2)
    grow_trainings(1)
    Target.objects.create(measure=Measure.SHARE_RECOVERED, period=period_default(), value=60)
    end = f"{period_default():%Y-%m}"
    urls = [
        reverse("recovery:dashboard"),
        reverse("recovery:dashboard") + f"?dari=2024-01&sampai={end}&kecamatan=1&sektor=10",
        reverse("recovery:dashboard-export", args=["csv"]) + f"?dari=2024-01&sampai={end}",
        reverse("recovery:dashboard-export", args=["xlsx"]),
        reverse("recovery:targets"),
    ]

    def measure():
        counts = {}
        for user in (staff, official):
            client.force_login(user)
            counts.update({(user.pk, url): count_queries(client, url) for url in urls})
        client.force_login(owner.user)
        counts["owner"] = count_queries(client, reverse("recovery:business", args=[mine.pk]))
        return counts

    summaries_refresh()  # what the worker does after each change
    small = measure()
    grow_to(120, months=12)
    grow_trainings(12)
    for months_ahead, measure_name in enumerate(Measure.values):
        Target.objects.create(measure=measure_name, period=month_add(period_default(), months_ahead + 1), value=50)
    summaries_refresh()
    large = measure()
    assert small == large
    assert max(large.values()) <= 25, large


def test_dashboard_reads_its_summaries_in_at_most_ten_queries(client, staff, official):
    """The dashboard, with and without each filter, at most 10 queries (session, user, role,
    targets, the summary rows, their freshness, the filter form's kecamatan, the chosen kecamatan
    when one is, the latest complete month when no month is asked for, and the showcase's buyer
    interest), the same with a handful of reports and with thousands."""
    from recovery.models import Measure, Target

    grow_to(5, months=2)
    grow_trainings(1)
    Target.objects.create(measure=Measure.SHARE_RECOVERED, period=period_default(), value=60)
    end = f"{period_default():%Y-%m}"
    base = reverse("recovery:dashboard")
    urls = [
        base,
        base + "?kecamatan=1",
        base + "?sektor=10",
        base + f"?dari=2024-01&sampai={end}&kecamatan=1&sektor=10",
        base + f"?dari=2020-01&sampai={end}",
        reverse("recovery:dashboard-export", args=["csv"]) + "?kecamatan=2",
    ]

    def measure():
        counts = {}
        for user in (staff, official):
            client.force_login(user)
            counts.update({(user.pk, url): count_queries(client, url) for url in urls})
        return counts

    summaries_refresh()
    small = measure()
    grow_to(200, months=24)
    grow_trainings(15)
    for months_ahead, measure_name in enumerate(Measure.values):
        Target.objects.create(measure=measure_name, period=month_add(period_default(), -months_ahead), value=50)
    summaries_refresh()
    large = measure()
    assert small == large
    assert max(large.values()) <= 10, large
