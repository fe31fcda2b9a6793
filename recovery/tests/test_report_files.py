"""The monthly report file (Excel and PDF, emailed to officials as a link), background dashboard
exports with their progress, and who may download which file."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone
from openpyxl import load_workbook

from businesses.tests.factories import UserFactory
from notifications.models import Channel, Message, MessageStatus
from payakumbuh_ikm.tests.waiting import wait_until
from recovery import aggregates, report_files, services, tasks
from recovery.models import ReportFile, ReportFileKind, ReportFileStatus
from recovery.selectors import month_add, period_default

from .factories import MonthlyReportFactory

XLSX_SHEETS = ["Ringkasan", "Kecamatan", "Sektor", "Kelengkapan", "Usaha"]


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_monthly_workbook_has_five_sheets_with_the_worked_example_figures(worked_example):
    data = report_files.write_workbook(report_files.monthly_sheets(period=worked_example["period"]))
    sheets = _sheets(data)
    assert list(sheets) == XLSX_SHEETS
    summary = {row[0]: row[1] for row in sheets["Ringkasan"][1:]}
    assert summary["Usaha dalam program (usaha)"] == 3
    assert summary["Melapor (usaha)"] == 2
    assert summary["Belum melapor (usaha)"] == 1
    assert summary["Kelengkapan laporan, dari usaha dalam program (%)"] == 66.7
    assert summary["Porsi sudah pulih, dari usaha buka dengan omzet dasar (%)"] == 50.0
    assert summary["Median indeks pemulihan (% omzet 2019)"] == 70.0
    assert summary["Status bulan"].startswith("Sementara")  # last month, before its deadline
    assert summary["Angka per"].endswith("WIB")

    completeness = {row[0]: row[1:] for row in sheets["Kelengkapan"][1:]}
    first, second = (k.name for k in worked_example["kecamatan"])
    assert completeness[first] == (2, 1, 0, 0, 1, 50.0)
    assert completeness[second] == (1, 1, 0, 0, 0, 100.0)

    businesses = {row[1]: row for row in sheets["Usaha"][1:]}
    assert businesses["Keripik Balado"][2] == second
    assert businesses["Keripik Balado"][7] == 40.0
    assert businesses["Keripik Balado"][8] == "Kesulitan"
    assert businesses["Tenun Kubang"][5] == "Belum melapor"
    # Formula-safe: the name is kept as text with a leading apostrophe, never a formula.
    assert '\'=HYPERLINK("http://x")' in businesses
    assert "<f>" not in _xlsx_text(data)


def test_monthly_workbook_holds_no_nik_phone_or_email(worked_example):
    text = _xlsx_text(report_files.write_workbook(report_files.monthly_sheets(period=worked_example["period"])))
    for business in worked_example["businesses"]:
        owner = business.owner
        for secret in (owner.nik, owner.phone, owner.phone.removeprefix("+"), owner.email):
            assert secret and secret not in text


def test_monthly_pdf_is_a_pdf(worked_example):
    assert report_files.monthly_pdf(period=worked_example["period"]).startswith(b"%PDF")


def test_svg_chart_escapes_labels():
    svg = report_files.svg_bars(title="Judul", labels=["<script>"], values=[50.0])
    assert "<script>" not in svg and "&lt;script&gt;" in svg


@pytest.mark.django_db(transaction=True)
def test_monthly_job_run_twice_builds_one_file_and_emails_each_official_once(roles, worked_example, worker_idle, settings):
    settings.SITE_URL = "https://ikm.payakumbuhkota.go.id/"
    officials = [UserFactory(role="pejabat"), UserFactory(role="pejabat")]
    UserFactory(role="pejabat", email="")  # no address, no email
    UserFactory(role="staf")
    period = f"{worked_example['period']:%Y-%m}"

    tasks.monthly_report_build_task.delay(period)
    tasks.monthly_report_build_task.delay(period)
    assert wait_until(lambda: ReportFile.objects.filter(status=ReportFileStatus.DONE).exists(), timeout=60, step=0.2)
    assert wait_until(
        lambda: len(mail.outbox) >= 2 and not Message.objects.filter(channel=Channel.EMAIL, status=MessageStatus.QUEUED).exists(),
        timeout=60,
        step=0.2,
    )
    assert worker_idle()  # a second build or email would have been made by now
    tasks.monthly_report_build_task.delay(period)
    assert worker_idle()

    report_file = ReportFile.objects.get()
    assert report_file.kind == ReportFileKind.MONTHLY and report_file.progress == 100
    assert list(_sheets(report_file.file.read())) == XLSX_SHEETS
    assert report_file.pdf.read().startswith(b"%PDF")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(o.email for o in officials)
    assert all("https://ikm.payakumbuhkota.go.id/pemulihan/laporan/" in m.body for m in mail.outbox)
    # The PDF and (under the default 2 MB limit) the Excel go with the link (issue 17).
    for m in mail.outbox:
        attached = {name: content for name, content, _type in m.attachments}
        assert attached[report_files.download_name(report_file, "pdf")].startswith(b"%PDF")
        assert attached[report_files.download_name(report_file, "xlsx")].startswith(b"PK")
    assert set(Message.objects.values_list("key", flat=True)) == {f"recovery-report:{period}:{o.pk}" for o in officials}


def test_monthly_build_of_a_done_month_does_nothing(roles, worked_example):
    assert report_files.monthly_report_build(period=worked_example["period"]) is not None
    assert report_files.monthly_report_build(period=worked_example["period"]) is None
    assert ReportFile.objects.count() == 1


@pytest.fixture
def staff(roles, reference):
    return UserFactory(role="staf")


@pytest.fixture
def official(roles, reference):
    return UserFactory(role="pejabat")


def _start_export(client, user, query="") -> ReportFile:
    client.force_login(user)
    response = client.post(reverse("recovery:export-start"), {"query": query})
    report_file = ReportFile.objects.filter(created_by=user).latest("pk")
    assert response.status_code == 302
    assert response.url == reverse("recovery:export-status", args=[report_file.pk])
    return report_file


def test_export_runs_to_100_and_downloads_for_its_official_and_staff(
    client, worked_example, official, staff, django_capture_on_commit_callbacks
):
    kecamatan = worked_example["kecamatan"][1]
    query = f"sampai={worked_example['period']:%Y-%m}&kecamatan={kecamatan.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        report_file = _start_export(client, official, query)
    report_file.refresh_from_db()
    assert report_file.status == ReportFileStatus.DONE and report_file.progress == 100
    assert report_file.filters["labels"]["Kecamatan"] == kecamatan.name

    status = client.get(reverse("recovery:export-status-json", args=[report_file.pk])).json()
    assert status["done"] and status["progress"] == 100 and status["download_url"]
    page = client.get(reverse("recovery:export-status", args=[report_file.pk]))
    assert b"report-progress.js" in page.content and b"<script>" not in page.content

    for user in (official, staff):
        client.force_login(user)
        response = client.get(status["download_url"])
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        sheets = _sheets(b"".join(response.streaming_content))
        businesses = [row[1] for row in sheets["Usaha"][1:]]
        assert businesses == ["Keripik Balado"]  # only the chosen kecamatan


def test_export_status_shows_progress_while_running(client, worked_example, official):
    report_file = ReportFile.objects.create(
        kind=ReportFileKind.EXPORT,
        period=worked_example["period"],
        created_by=official,
        status=ReportFileStatus.RUNNING,
        progress=40,
    )
    client.force_login(official)
    page = client.get(reverse("recovery:export-status", args=[report_file.pk]))
    assert b'value="40"' in page.content and b"Muat ulang" in page.content
    assert client.get(reverse("recovery:report-file-download", args=[report_file.pk, "xlsx"])).status_code == 404


def test_owner_and_other_officials_get_404(client, worked_example, official, roles, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report_file = _start_export(client, official)
    monthly = report_files.monthly_report_build(period=worked_example["period"])
    owner = worked_example["businesses"][0].owner.user
    other_official = UserFactory(role="pejabat")
    urls = [
        reverse("recovery:report-file-download", args=[report_file.pk, "xlsx"]),
        reverse("recovery:export-status", args=[report_file.pk]),
        reverse("recovery:export-status-json", args=[report_file.pk]),
    ]
    client.force_login(other_official)
    for url in urls:
        assert client.get(url).status_code == 404
    # Every official gets the city's monthly report.
    assert client.get(reverse("recovery:report-file-download", args=[monthly.pk, "pdf"])).status_code == 200
    client.force_login(owner)
    for url in [*urls, reverse("recovery:report-files"), reverse("recovery:report-file-download", args=[monthly.pk, "xlsx"])]:
        assert client.get(url).status_code == 404
    assert client.post(reverse("recovery:export-start")).status_code == 404


def test_report_list_shows_monthly_files_and_own_exports(client, worked_example, official, staff):
    monthly = report_files.monthly_report_build(period=worked_example["period"])
    theirs = ReportFile.objects.create(kind=ReportFileKind.EXPORT, period=worked_example["period"], created_by=staff)
    client.force_login(official)
    page = client.get(reverse("recovery:report-files"))
    assert reverse("recovery:report-file-download", args=[monthly.pk, "xlsx"]).encode() in page.content
    assert reverse("recovery:export-status", args=[theirs.pk]).encode() not in page.content
    client.force_login(staff)
    page = client.get(reverse("recovery:report-files"))
    assert reverse("recovery:export-status", args=[theirs.pk]).encode() in page.content


def test_report_list_queries_do_not_grow_with_files(client, worked_example, staff, django_assert_max_num_queries):
    client.force_login(staff)
    ReportFile.objects.create(kind=ReportFileKind.EXPORT, period=worked_example["period"], created_by=staff)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("recovery:report-files"))
    for _ in range(10):
        ReportFile.objects.create(
            kind=ReportFileKind.EXPORT, period=worked_example["period"], created_by=UserFactory(role="staf")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("recovery:report-files"))


def test_monthly_sheets_read_a_fixed_number_of_queries(worked_example, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report_files.monthly_sheets(period=worked_example["period"])  # fills the month's dashboard summaries once
    with CaptureQueriesContext(connection) as few:
        report_files.monthly_sheets(period=worked_example["period"])
    for _ in range(5):
        MonthlyReportFactory(period=worked_example["period"])
    with django_assert_num_queries(len(few.captured_queries)):
        report_files.monthly_sheets(period=worked_example["period"])


def test_a_failed_build_is_recorded_and_the_next_run_builds_it(roles, worked_example, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("pango missing")

    monkeypatch.setattr(report_files, "monthly_pdf", broken)
    with pytest.raises(RuntimeError):
        report_files.monthly_report_build(period=worked_example["period"])
    failed = ReportFile.objects.get()
    assert failed.status == ReportFileStatus.FAILED and "pango missing" in failed.error
    monkeypatch.undo()
    assert report_files.monthly_report_build(period=worked_example["period"]).pk == failed.pk
    failed.refresh_from_db()
    assert failed.status == ReportFileStatus.DONE and failed.error == ""


def test_export_progress_is_kept_as_each_sheet_is_written(worked_example, official, monkeypatch):
    report_file = ReportFile.objects.create(kind=ReportFileKind.EXPORT, period=worked_example["period"], created_by=official)
    seen = []
    original = report_files._set_progress

    def recording(report_file_id):
        store = original(report_file_id)

        def progress(percent):
            store(percent)
            seen.append(ReportFile.objects.get(pk=report_file_id).progress)

        return progress

    monkeypatch.setattr(report_files, "_set_progress", recording)
    report_files.export_build(report_file_id=report_file.pk)
    assert seen == sorted(seen) and len(seen) >= 5 and seen[-1] == 90
    report_file.refresh_from_db()
    assert report_file.progress == 100


def test_the_sweep_builds_an_export_whose_enqueue_was_lost_and_leaves_the_rest(client, worked_example, official):
    # The on-commit enqueue never runs here: the export is left pending, as when the broker was
    # down at the moment it was started.
    lost = _start_export(client, official)
    assert ReportFile.objects.get(pk=lost.pk).status == ReportFileStatus.PENDING
    assert report_files.exports_sweep() == []  # too recent: its enqueue may still be on its way

    later = timezone.now() + report_files.EXPORT_SWEEP_AFTER + timedelta(seconds=1)
    assert report_files.exports_sweep(now=later) == [lost.pk]
    lost.refresh_from_db()
    assert lost.status == ReportFileStatus.DONE and lost.progress == 100 and lost.file
    assert report_files.exports_sweep(now=later) == []  # built exports are left alone


def test_the_sweep_takes_over_an_export_whose_worker_died(worked_example, official):
    dead = ReportFile.objects.create(
        kind=ReportFileKind.EXPORT,
        period=worked_example["period"],
        created_by=official,
        status=ReportFileStatus.RUNNING,
        started_at=timezone.now() - report_files.STALE_AFTER - timedelta(minutes=1),
        progress=30,
    )
    assert report_files.exports_sweep() == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == ReportFileStatus.DONE and dead.progress == 100


# --- Revisions: late reports rebuild a month's report ------------------------------------------


def _late_report(business, period):
    """A report submitted the way owners submit, after the month's file was built. Its month is
    marked stale; the refresh a worker would run on commit never runs here, so the daily job
    finds the month stale and must refresh it itself."""
    services.report_submit(
        business=business,
        period=period,
        data={
            "turnover": 16_000_000,
            "workers_male": 1,
            "workers_female": 1,
            "online_share": 0,
            "operating_status": "normal",
            "raw_materials": "normal",
        },
        actor=None,
    )


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def _run_daily(capture) -> None:
    """The daily job as beat runs it, with what it queues on commit (the emails) carried out."""
    with capture(execute=True):
        tasks.monthly_report_build_task()


def test_a_late_report_makes_the_daily_job_build_revision_2_once_and_email_officials_once(
    closed_month, django_capture_on_commit_callbacks
):
    period, first, officials = closed_month["period"], closed_month["first"], closed_month["officials"]
    month = f"{period:%Y-%m}"
    _late_report(closed_month["silent"], period)
    mail.outbox.clear()

    _run_daily(django_capture_on_commit_callbacks)

    second = ReportFile.objects.get(kind=ReportFileKind.MONTHLY, period=period, revision=2)
    assert second.status == ReportFileStatus.DONE and second.figures_digest != first.figures_digest
    summary = {row[0]: row[1] for row in _sheets(second.file.read())["Ringkasan"][1:]}
    assert summary["Melapor (usaha)"] == 3 and summary["Belum melapor (usaha)"] == 0
    assert summary["Revisi laporan"] == 2
    assert f"laporan-pemulihan-{month}-r2-" in second.file.name and f"-{month}-r2-" in second.pdf.name
    # Revision 1 is kept as it was built.
    first.refresh_from_db()
    old = {row[0]: row[1] for row in _sheets(first.file.read())["Ringkasan"][1:]}
    assert old["Melapor (usaha)"] == 2 and old["Revisi laporan"] == 1

    assert sorted(m.to[0] for m in mail.outbox) == sorted(o.email for o in officials)
    assert all("(revisi 2)" in m.subject for m in mail.outbox)
    assert all("revisi 2" in m.body and "terlambat" in m.body for m in mail.outbox)
    revised_keys = {f"recovery-report:{month}:r2:{o.pk}" for o in officials}
    assert revised_keys <= set(Message.objects.values_list("key", flat=True))

    messages, files = Message.objects.count(), ReportFile.objects.count()
    _run_daily(django_capture_on_commit_callbacks)
    assert (Message.objects.count(), ReportFile.objects.count(), len(mail.outbox)) == (messages, files, len(officials))


def test_a_late_report_for_another_month_does_not_revise_this_one(closed_month, django_capture_on_commit_callbacks):
    """September's late report changes September's figures, and the September point of the
    12-month chart in October's PDF, but not October's own figures: September is revised,
    October is not."""
    october = closed_month["period"]
    september = month_add(october, -1)
    report_files.monthly_report_build(period=september)
    _late_report(closed_month["silent"], september)

    _run_daily(django_capture_on_commit_callbacks)

    revisions = set(ReportFile.objects.values_list("period", "revision"))
    assert revisions == {(october, 1), (september, 1), (september, 2)}


def test_a_refresh_that_changes_nothing_builds_nothing_and_writes_nothing(closed_month, django_capture_on_commit_callbacks):
    period, first = closed_month["period"], closed_month["first"]
    # Every month the file shows computed again: a new "angka per", the same figures.
    aggregates.summaries_refresh(periods=[month_add(period, -i) for i in range(12)], before_after=True)
    assert report_files.monthly_figures(period=period)["freshness"].computed_at > first.figures_as_of
    messages = Message.objects.count()
    with CaptureQueriesContext(connection) as queries:
        _run_daily(django_capture_on_commit_callbacks)
    assert _writes(queries.captured_queries) == []
    assert list(ReportFile.objects.values_list("pk", "revision")) == [(first.pk, 1)]
    assert Message.objects.count() == messages


def test_two_runs_at_once_build_a_revision_once(closed_month):
    """Both runs saw revision 1 out of date; the second to insert revision 2 builds nothing."""
    period = closed_month["period"]
    _late_report(closed_month["silent"], period)
    aggregates.summaries_refresh(periods=[period])
    revisions = list(ReportFile.objects.filter(period=period).order_by("-revision"))
    due = report_files._revision_due(period, revisions)
    assert due.revision == 2
    assert report_files._revision_due(period, revisions) is None  # the same view of the rows, later
    assert report_files.monthly_reports_revise(latest=period) == [due]  # the first run's row, built
    assert ReportFile.objects.filter(period=period).count() == 2


def test_a_failed_revision_is_built_again_by_the_next_run(closed_month, monkeypatch):
    period = closed_month["period"]
    _late_report(closed_month["silent"], period)

    def broken(**kwargs):
        raise RuntimeError("pango missing")

    monkeypatch.setattr(report_files, "monthly_pdf", broken)
    with pytest.raises(RuntimeError):
        report_files.monthly_reports_revise(latest=period)
    failed = ReportFile.objects.get(period=period, revision=2)
    assert failed.status == ReportFileStatus.FAILED
    monkeypatch.undo()
    assert report_files.monthly_reports_revise(latest=period) == [failed]
    assert ReportFile.objects.filter(period=period).count() == 2  # revision 2 again, not 3


def test_a_report_built_before_digests_is_revised_only_when_its_month_changed_since(closed_month):
    period, first = closed_month["period"], closed_month["first"]
    ReportFile.objects.filter(pk=first.pk).update(figures_digest="", figures_as_of=None)  # as the migration leaves it
    assert report_files.monthly_reports_revise(latest=period) == []
    first.refresh_from_db()
    assert first.figures_digest  # today's figures taken as the ones it shows

    ReportFile.objects.filter(pk=first.pk).update(figures_digest="", finished_at=timezone.now() - timedelta(days=1))
    _late_report(closed_month["silent"], period)
    assert [f.revision for f in report_files.monthly_reports_revise(latest=period)] == [2]


def test_the_pdf_of_a_revision_says_so(closed_month, monkeypatch):
    rendered = []
    render = report_files.render_to_string

    def spy(template, context):
        rendered.append(render(template, context))
        return rendered[-1]

    monkeypatch.setattr(report_files, "render_to_string", spy)
    assert report_files.monthly_pdf(period=closed_month["period"], revision=2).startswith(b"%PDF")
    assert "(revisi 2)" in rendered[0] and "terlambat" in rendered[0]
    assert "Revisi laporan" in rendered[0]


def test_the_page_shows_the_latest_revision_with_its_time_and_the_earlier_ones(
    client, closed_month, django_capture_on_commit_callbacks
):
    period, first, official = closed_month["period"], closed_month["first"], closed_month["officials"][0]
    _late_report(closed_month["silent"], period)
    _run_daily(django_capture_on_commit_callbacks)
    second = ReportFile.objects.get(period=period, revision=2)

    client.force_login(official)
    page = client.get(reverse("recovery:report-files")).content.decode()
    as_of = formats.date_format(timezone.localtime(second.figures_as_of), "j F Y H.i")
    assert f"Revisi 2</strong> · angka per {as_of} WIB" in page
    earlier = page[page.index("<details") : page.index("</details>")]
    assert "Revisi sebelumnya (1)" in earlier
    assert reverse("recovery:report-file-download", args=[first.pk, "xlsx"]) in earlier
    assert reverse("recovery:report-file-download", args=[second.pk, "xlsx"]) not in earlier
    assert reverse("recovery:report-file-download", args=[second.pk, "pdf"]) in page
    month = f"{period:%Y-%m}"
    for report_file, revision in ((first, 1), (second, 2)):
        response = client.get(reverse("recovery:report-file-download", args=[report_file.pk, "xlsx"]))
        assert response.status_code == 200
        assert f'filename="laporan-pemulihan-{month}-r{revision}.xlsx"' in response["Content-Disposition"]


def test_report_list_queries_do_not_grow_with_revisions(client, staff, django_assert_num_queries):
    period = month_add(period_default(), -1)

    def revision(month, number):
        return ReportFile.objects.create(
            kind=ReportFileKind.MONTHLY,
            period=month,
            revision=number,
            status=ReportFileStatus.DONE,
            figures_as_of=timezone.now(),
            finished_at=timezone.now(),
        )

    revision(period, 1)
    client.force_login(staff)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("recovery:report-files")).status_code == 200
    revision(period, 2)
    revision(period, 3)
    for number in (1, 2, 3):
        revision(month_add(period, -1), number)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(reverse("recovery:report-files")).content.decode()
    assert page.count("Revisi 3</strong>") == 2 and page.count("Revisi sebelumnya (2)") == 2


@pytest.mark.parametrize("kecamatan_index", [None, 0])
def test_an_export_workbook_agrees_with_itself(worked_example, kecamatan_index):
    """The issue's audit found one export with 53/45/42 on "Per bulan" and 54/46/43 on
    "Ringkasan" for the same month and kecamatan. Every figure of the last month is the same on
    "Per bulan", "Ringkasan" and (for a kecamatan) its row of "Kecamatan", all from one read."""
    period = worked_example["period"]
    query = f"sampai={period:%Y-%m}"
    kecamatan = None
    if kecamatan_index is not None:
        kecamatan = worked_example["kecamatan"][kecamatan_index]
        query += f"&kecamatan={kecamatan.pk}"
    sheets = _sheets(report_files.write_workbook(report_files.export_sheets(query=query)))  # as the file is written

    per_month_header, *per_month = sheets["Per bulan"]
    last_month = dict(zip(per_month_header, per_month[-1], strict=True))
    summary = {row[0]: row[1] for row in sheets["Ringkasan"][1:]}
    shared = [h for h in per_month_header[1:] if h in summary]
    assert len(shared) >= 12, shared
    assert {h: last_month[h] for h in shared} == {h: summary[h] for h in shared}
    assert summary["Melapor (usaha)"] == (1 if kecamatan else 2)
    if kecamatan is not None:
        kecamatan_header, *kecamatan_rows = sheets["Kecamatan"]
        row = dict(zip(kecamatan_header, next(r for r in kecamatan_rows if r[0] == kecamatan.name), strict=True))
        assert {h: row[h] for h in shared} == {h: summary[h] for h in shared}
