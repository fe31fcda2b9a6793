"""Monthly reports imported from Excel in the admin: matched by NIB and month, preview, row
errors naming row and column in Indonesian, all or nothing, locked reports never overwritten."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from businesses.models import BusinessStatus
from businesses.tests.factories import UserFactory
from businesses.tests.helpers import form_errors, ready
from recovery import aggregates
from recovery.models import MonthlyReport, ReportStatus
from recovery.resources import COLUMNS, EXAMPLE_ROW, MonthlyReportResource
from recovery.selectors import month_add, period_default
from spreadsheets.services import import_job_apply, import_job_confirm

from .factories import MonthlyReportFactory, VerifiedBusinessFactory
from .helpers import IMPORT_URL, confirm, row, upload, xlsx

TEMPLATE_URL = "admin:recovery_monthlyreport_import_template"


@pytest.fixture
def businesses(reference):
    return [VerifiedBusinessFactory(), VerifiedBusinessFactory()]


def test_staff_import_reports_through_preview_and_confirmation(client, staff, businesses):
    client.force_login(staff)
    rows = [
        row(businesses[0].nib, omzet="Rp 12.500.000", status_operasi="Beroperasi terbatas"),
        row(businesses[1].nib, bulan="Oktober 2025", tidak_ada_kegiatan="ya", omzet="", status_operasi=""),
    ]
    preview = upload(client, xlsx([EXAMPLE_ROW, *rows]))
    assert ready(preview), form_errors(preview)
    assert MonthlyReport.objects.count() == 0  # the preview saved nothing

    done = confirm(client, preview)
    assert "Impor selesai: 2 laporan baru" in done.content.decode()
    first = MonthlyReport.objects.get(business=businesses[0])
    assert first.turnover == 12_500_000 and first.operating_status == "terbatas"
    assert first.status == ReportStatus.SUBMITTED and first.submitted_by == staff
    second = MonthlyReport.objects.get(business=businesses[1])
    assert second.no_activity and second.turnover is None and f"{second.period:%Y-%m}" == "2025-10"


def test_a_report_of_the_same_nib_and_month_is_replaced_and_reviewed_again(client, staff, businesses):
    report = MonthlyReportFactory(business=businesses[0], status=ReportStatus.RETURNED, return_note="Omzet salah")
    client.force_login(staff)
    confirm(client, upload(client, xlsx([row(businesses[0].nib, omzet=9_000_000)])))
    report.refresh_from_db()
    assert MonthlyReport.objects.count() == 1
    assert report.turnover == 9_000_000 and report.status == ReportStatus.SUBMITTED and report.return_note == ""


def test_wrong_columns_stop_the_import_with_the_missing_columns_named(client, staff, businesses):
    client.force_login(staff)
    columns = [c for c in COLUMNS if c != "omzet"] + ["omset"]
    response = upload(client, xlsx([row(businesses[0].nib, omset=1)], columns=columns))
    errors = " ".join(response.context["form"].errors["import_file"])
    assert "omzet" in errors and "Kolom yang tidak dikenal: omset" in errors
    assert MonthlyReport.objects.count() == 0


def test_bad_values_are_named_by_row_and_column_and_nothing_is_saved(client, staff, businesses, reference):
    pending = VerifiedBusinessFactory(status=BusinessStatus.PENDING)
    future = month_add(period_default(), 2)
    client.force_login(staff)
    rows = [
        row(businesses[0].nib),  # good, but the file is refused as a whole
        row(businesses[1].nib, porsi_online=150, status_operasi="buka"),
        row("9999999999999"),
        row(pending.nib),
        row(businesses[0].nib, bulan=f"{future:%Y-%m}"),
        row(businesses[1].nib, bulan="bulan lalu", omzet="banyak"),
        row(businesses[0].nib),  # the same report twice
    ]
    preview = upload(client, xlsx(rows))
    assert not ready(preview)
    page = preview.content.decode()
    assert "kolom porsi_online" in page and "Porsi online antara 0 dan 100 persen." in page
    assert "kolom status_operasi" in page and "“buka” tidak dikenal" in page
    assert "NIB 9999999999999 tidak terdaftar di portal." in page
    assert "belum terverifikasi" in page
    assert "Bulan laporan tidak boleh di masa depan." in page
    assert "“bulan lalu” bukan bulan" in page and "“banyak” bukan angka" in page
    assert "sudah ada di baris 2 berkas ini" in page
    assert "Baris 3, kolom porsi_online" in page  # row 3 in Excel: the header is row 1
    assert MonthlyReport.objects.count() == 0


def test_an_approved_report_is_not_overwritten_and_nothing_is_saved(client, staff, businesses):
    locked = MonthlyReportFactory(business=businesses[0], status=ReportStatus.APPROVED, turnover=12_000_000)
    client.force_login(staff)
    preview = upload(client, xlsx([row(businesses[1].nib), row(businesses[0].nib, omzet=1_000)]))
    assert not ready(preview)
    page = preview.content.decode()
    assert "kolom bulan" in page and "sudah disetujui dan dikunci; tidak dapat ditimpa lewat impor" in page
    locked.refresh_from_db()
    assert locked.turnover == 12_000_000
    assert MonthlyReport.objects.count() == 1


def test_a_report_approved_between_preview_and_confirmation_saves_nothing(client, staff, businesses):
    report = MonthlyReportFactory(business=businesses[0])
    client.force_login(staff)
    preview = upload(client, xlsx([row(businesses[1].nib), row(businesses[0].nib, omzet=1_000)]))
    MonthlyReport.objects.filter(pk=report.pk).update(status=ReportStatus.APPROVED)
    response = confirm(client, preview)
    page = response.content.decode()
    assert "Impor dibatalkan" in page and "Tidak ada data yang disimpan" in page
    assert "sudah disetujui dan dikunci" in page
    assert MonthlyReport.objects.count() == 1


def test_the_template_explains_every_column_and_imports_back(client, staff, businesses):
    client.force_login(staff)
    assert reverse(TEMPLATE_URL) in client.get(reverse(IMPORT_URL)).content.decode()
    response = client.get(reverse(TEMPLATE_URL))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Data Laporan", "Petunjuk"]
    explained = {r[0] for r in book["Petunjuk"].iter_rows(values_only=True)}
    assert set(COLUMNS) <= explained
    sheet = book["Data Laporan"]
    sheet.append([businesses[0].nib if c == "nib" else EXAMPLE_ROW[c] for c in COLUMNS])
    sheet.cell(3, COLUMNS.index("bulan") + 1).value = f"{period_default():%Y-%m}"
    out = io.BytesIO()
    book.save(out)
    preview = upload(client, out.getvalue())
    assert ready(preview)
    confirm(client, preview)
    assert MonthlyReport.objects.filter(business=businesses[0]).count() == 1


def test_only_staff_may_import(client, reference):
    client.force_login(UserFactory(role="pejabat"))
    assert client.get(reverse(IMPORT_URL)).status_code in (302, 403)
    assert client.get(reverse(TEMPLATE_URL)).status_code in (302, 403)


def test_resource_rolls_back_everything_on_one_bad_row(businesses):
    import tablib

    dataset = tablib.Dataset(headers=list(COLUMNS))
    dataset.append([row(businesses[0].nib)[c] for c in COLUMNS])
    dataset.append([row(businesses[1].nib, omzet=-5)[c] for c in COLUMNS])
    result = MonthlyReportResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert MonthlyReport.objects.count() == 0


def test_a_confirmed_import_refreshes_its_months_figures_and_a_preview_does_not(
    client, staff, businesses, django_capture_on_commit_callbacks
):
    october = month_add(period_default(), -1)
    aggregates.summaries_refresh(periods=[period_default(), october])
    assert not {period_default(), october} & set(aggregates.summaries_stale())
    client.force_login(staff)
    rows = [row(businesses[0].nib), row(businesses[1].nib, bulan=f"{october:%Y-%m}")]

    preview = upload(client, xlsx(rows))
    assert not {period_default(), october} & set(aggregates.summaries_stale())

    job = preview.context["job"]
    assert import_job_confirm(job=job)  # its on-commit enqueue is not captured below: it is not the import's
    with django_capture_on_commit_callbacks() as callbacks:
        import_job_apply(job_id=job.pk)
    assert {period_default(), october} <= set(aggregates.summaries_stale())
    assert len(callbacks) == 1  # one refresh of both months, run once the import commits
    callbacks[0]()
    assert not {period_default(), october} & set(aggregates.summaries_stale())
