"""The monthly report form and its services: hard checks, the unusual-turnover warning, one
report per month, approval locking, return with a note, history."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from notifications.models import Message
from recovery import services
from recovery.models import MonthlyReport, ReportStatus, current_period
from recovery.selectors import month_add, period_default

from .factories import MonthlyReportFactory
from .helpers import payload

pytestmark = pytest.mark.django_db


def post(client, business, **overrides):
    return client.post(reverse("recovery:report-form", args=[business.pk]), payload(**overrides))


def test_owner_reports_last_month_by_default_and_the_report_awaits_review(client, verified_business):
    client.force_login(verified_business.owner.user)
    page = client.get(reverse("recovery:report-form", args=[verified_business.pk]))
    assert page.context["form"]["period"].value() == f"{period_default():%Y-%m}"
    response = post(client, verified_business)
    assert response.status_code == 302
    report = MonthlyReport.objects.get(business=verified_business)
    assert report.period == period_default()
    assert report.turnover == 12_500_000
    assert (report.workers_male, report.workers_female, report.online_share) == (2, 3, 25)
    assert report.raw_materials == "sulit" and report.channel_whatsapp and report.problem_capital
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_by == verified_business.owner.user


def test_last_month_is_computed_in_jakarta_time(settings, verified_business):
    from datetime import datetime
    from unittest import mock
    from zoneinfo import ZoneInfo

    # 1 March 00:30 in Jakarta is still 28 February in UTC: last month is February.
    moment = datetime(2026, 3, 1, 0, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        assert period_default() == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"turnover": "-5000"}, "turnover", "Nilai tidak boleh negatif."),
        ({"turnover": "dua juta"}, "turnover", "Tulis angka dalam Rupiah, misalnya 1.250.000."),
        ({"turnover": ""}, "turnover", "Wajib diisi, kecuali bulan ini tidak ada kegiatan."),
        ({"online_share": "120"}, "online_share", "Porsi online antara 0 dan 100 persen."),
        ({"online_share": "-1"}, "online_share", "Porsi online antara 0 dan 100 persen."),
        ({"workers_female": "-2"}, "workers_female", "Jumlah tenaga kerja tidak boleh negatif."),
        ({"workers_male": ""}, "workers_male", "Wajib diisi, kecuali bulan ini tidak ada kegiatan."),
        ({"operating_status": ""}, "operating_status", "Wajib diisi, kecuali bulan ini tidak ada kegiatan."),
        ({"period": "2019-12"}, "period", "Laporan paling awal untuk Januari 2020."),
        ({"period": "2099-01"}, "period", "Bulan laporan tidak boleh di masa depan."),
        ({"period": "Maret"}, "period", "Tulis bulan sebagai TTTT-BB, misalnya 2026-01."),
        ({"problem_other": "on", "problem_note": ""}, "problem_note", "Tuliskan masalah lainnya."),
    ],
)
def test_hard_checks_refuse_with_a_clear_message_and_save_nothing(client, verified_business, overrides, field, message):
    client.force_login(verified_business.owner.user)
    response = post(client, verified_business, **overrides)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not MonthlyReport.objects.exists()


def test_no_activity_needs_no_figures_and_drops_any_typed(client, verified_business):
    client.force_login(verified_business.owner.user)
    response = post(client, verified_business, no_activity="on", turnover="5.000.000", workers_male="", operating_status="")
    assert response.status_code == 302
    report = MonthlyReport.objects.get(business=verified_business)
    assert report.no_activity and report.turnover is None and report.operating_status == ""


def test_current_month_may_be_reported_but_not_next(verified_business):
    services.report_submit(business=verified_business, period=current_period(), data=payload_data(), actor=None)
    with pytest.raises(ValidationError) as error:
        services.report_submit(business=verified_business, period=month_add(current_period(), 1), data=payload_data(), actor=None)
    assert error.value.message_dict["period"] == ["Bulan laporan tidak boleh di masa depan."]


def payload_data(**overrides):
    data = {
        "turnover": 10_000_000,
        "workers_male": 1,
        "workers_female": 2,
        "online_share": 10,
        "operating_status": "normal",
        "raw_materials": "normal",
    }
    return data | overrides


class TestUnusualTurnover:
    @pytest.fixture
    def last_month(self, verified_business):
        return MonthlyReportFactory(business=verified_business, period=month_add(period_default(), -1), turnover=10_000_000)

    @pytest.mark.parametrize("turnover", ["30.000.001", "1.999.999"])
    def test_far_from_last_month_is_refused_until_confirmed(self, client, verified_business, last_month, turnover):
        client.force_login(verified_business.owner.user)
        response = post(client, verified_business, turnover=turnover)
        assert response.status_code == 200
        form = response.context["form"]
        assert form.show_confirm
        [warning] = form.errors["confirmed_unusual"]
        assert "Rp 10.000.000" in warning and "Ya, angka ini benar" in warning
        assert "Ya, angka ini benar" in response.content.decode()
        assert MonthlyReport.objects.filter(business=verified_business).count() == 1  # nothing half-saved

        response = post(client, verified_business, turnover=turnover, confirmed_unusual="on")
        assert response.status_code == 302
        report = MonthlyReport.objects.get(business=verified_business, period=period_default())
        assert report.unusual_confirmed

    @pytest.mark.parametrize("turnover", ["30.000.000", "2.000.000"])
    def test_exactly_three_times_or_a_fifth_needs_no_confirmation(self, client, verified_business, last_month, turnover):
        client.force_login(verified_business.owner.user)
        assert post(client, verified_business, turnover=turnover).status_code == 302
        assert not MonthlyReport.objects.get(business=verified_business, period=period_default()).unusual_confirmed

    def test_no_previous_month_means_no_warning(self, client, verified_business):
        client.force_login(verified_business.owner.user)
        assert post(client, verified_business, turnover="900.000.000").status_code == 302

    def test_the_service_refuses_without_confirmation_too(self, verified_business, last_month):
        with pytest.raises(ValidationError) as error:
            services.report_submit(
                business=verified_business, period=period_default(), data=payload_data(turnover=50_000_000), actor=None
            )
        assert error.value.error_dict["confirmed_unusual"][0].code == "unconfirmed"
        assert not MonthlyReport.objects.filter(period=period_default()).exists()


def test_one_report_per_business_and_month_a_second_submission_updates_it(client, verified_business):
    client.force_login(verified_business.owner.user)
    post(client, verified_business)
    post(client, verified_business, turnover="13.000.000")
    assert list(MonthlyReport.objects.values_list("turnover", flat=True)) == [13_000_000]


def test_the_database_refuses_a_second_report_for_the_same_month(verified_business):
    MonthlyReportFactory(business=verified_business, period=date(2025, 3, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReportFactory(business=verified_business, period=date(2025, 3, 1))


@pytest.mark.parametrize("period", [date(2025, 3, 15), date(2019, 12, 1)])
def test_the_database_keeps_periods_on_day_one_from_2020(verified_business, period):
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReportFactory(business=verified_business, period=period)


def test_the_database_refuses_out_of_range_figures(verified_business):
    for values in ({"turnover": -1}, {"online_share": 101}, {"turnover": None}):
        with pytest.raises(IntegrityError), transaction.atomic():
            MonthlyReportFactory(business=verified_business, **values)


def test_unverified_business_cannot_report(verified_business):
    verified_business.status, verified_business.verified_at = "pending", None
    verified_business.save()
    with pytest.raises(ValidationError, match="setelah usaha terverifikasi"):
        services.report_submit(business=verified_business, period=period_default(), data=payload_data(), actor=None)


class TestReview:
    def test_approval_locks_the_report_for_owner_and_staff(self, client, verified_business, staff):
        report = MonthlyReportFactory(business=verified_business)
        services.report_approve(report_id=report.pk, actor=staff)
        report.refresh_from_db()
        assert report.status == ReportStatus.APPROVED and report.reviewed_by == staff

        for user in (verified_business.owner.user, staff):
            client.force_login(user)
            response = post(client, verified_business, turnover="1.000.000")
            assert response.status_code == 302 and response.url == reverse("recovery:report-detail", args=[report.pk])
            page = client.get(reverse("recovery:report-form", args=[verified_business.pk]))
            assert page.status_code == 302 and page.url == reverse("recovery:report-detail", args=[report.pk])
            with pytest.raises(ValidationError, match="sudah disetujui dan dikunci"):
                services.report_submit(business=verified_business, period=report.period, data=payload_data(), actor=user)
        report.refresh_from_db()
        assert report.turnover == 12_000_000
        with pytest.raises(ValidationError, match="dikunci"):
            services.report_approve(report_id=report.pk, actor=staff)
        with pytest.raises(ValidationError, match="dikunci"):
            services.report_return(report_id=report.pk, actor=staff, note="Salah")

    def test_staff_approve_through_the_page(self, client, verified_business, staff):
        report = MonthlyReportFactory(business=verified_business)
        client.force_login(staff)
        response = client.post(reverse("recovery:report-approve", args=[report.pk]))
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == ReportStatus.APPROVED

    def test_return_needs_a_note_and_tells_the_owner_once(
        self, client, verified_business, staff, django_capture_on_commit_callbacks
    ):
        report = MonthlyReportFactory(business=verified_business)
        client.force_login(staff)
        client.post(reverse("recovery:report-return", args=[report.pk]), {"note": "  "})
        report.refresh_from_db()
        assert report.status == ReportStatus.SUBMITTED and not Message.objects.exists()

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("recovery:report-return", args=[report.pk]), {"note": "Omzet tertukar dengan bulan lalu."}
            )
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.status == ReportStatus.RETURNED and report.return_note == "Omzet tertukar dengan bulan lalu."
        messages = Message.objects.filter(key__startswith=f"recovery-return:{report.pk}:")
        assert {m.channel for m in messages} == {"email", "whatsapp"}
        assert all("Omzet tertukar dengan bulan lalu." in m.body and verified_business.name in m.subject for m in messages)
        assert {m.recipient for m in messages} == {verified_business.owner.email, verified_business.owner.phone}

        client.post(reverse("recovery:report-return", args=[report.pk]), {"note": "Lagi"})
        assert Message.objects.count() == 2  # already returned: refused, no second message

    def test_a_returned_report_shows_the_note_and_goes_back_to_review_when_corrected(self, client, verified_business, staff):
        report = MonthlyReportFactory(business=verified_business)
        services.report_return(report_id=report.pk, actor=staff, note="Tenaga kerja belum diisi benar.")
        client.force_login(verified_business.owner.user)
        page = client.get(reverse("recovery:report-form", args=[verified_business.pk]))
        assert "Tenaga kerja belum diisi benar." in page.content.decode()
        with pytest.raises(ValidationError, match="dikembalikan"):
            services.report_approve(report_id=report.pk, actor=staff)
        post(client, verified_business, workers_male="4")
        report.refresh_from_db()
        assert report.status == ReportStatus.SUBMITTED and report.return_note == "" and report.workers_male == 4

    def test_staff_enter_a_report_for_an_owner(self, client, verified_business, staff):
        client.force_login(staff)
        assert post(client, verified_business).status_code == 302
        assert MonthlyReport.objects.get(business=verified_business).submitted_by == staff


def test_every_change_is_kept_in_history(client, verified_business, staff):
    client.force_login(verified_business.owner.user)
    post(client, verified_business)
    post(client, verified_business, turnover="13.000.000")
    report = MonthlyReport.objects.get()
    services.report_approve(report_id=report.pk, actor=staff)
    history = list(report.history.order_by("history_date").values_list("turnover", "status"))
    assert history == [
        (12_500_000, ReportStatus.SUBMITTED),
        (13_000_000, ReportStatus.SUBMITTED),
        (13_000_000, ReportStatus.APPROVED),
    ]
    assert report.history.earliest("history_date").history_user == verified_business.owner.user


def test_admin_lists_reports_and_approves_in_bulk(client, verified_business, staff):
    first = MonthlyReportFactory(business=verified_business)
    second = MonthlyReportFactory(period=date(2025, 1, 1))
    client.force_login(staff)
    assert client.get(reverse("admin:recovery_monthlyreport_changelist")).status_code == 200
    assert client.get(reverse("admin:recovery_monthlyreport_change", args=[first.pk])).status_code == 200
    response = client.post(
        reverse("admin:recovery_monthlyreport_changelist"),
        {"action": "approve_selected", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    assert set(MonthlyReport.objects.values_list("status", flat=True)) == {ReportStatus.APPROVED}
