"""The streamed CSV of every report behind the dashboard: who may download it, what it holds
(never a NIK), formula-safe cells, the same number of queries for a few rows or many, and a
download the client abandons half way releasing its cursor and transaction."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.models import BusinessStatus, Kecamatan
from businesses.tests.factories import UserFactory
from recovery.models import MonthlyReport
from recovery.selectors import month_add, period_default

from .factories import MonthlyReportFactory, NoActivityReportFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db

URL = reverse("recovery:dashboard-reports-csv")


def _download(client, query: str = "") -> tuple[bytes, list[list[str]]]:
    response = client.get(URL + query)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_owner_is_refused(client, verified_business):
    client.force_login(verified_business.owner.user)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("who", ["staff", "official"])
def test_staff_and_officials_download_it(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="laporan-bulanan-')


def test_superuser_downloads_it(client, reference):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(URL).status_code == 200


def test_rows_are_the_reports_of_verified_businesses_in_the_months_asked_without_nik(client, official, verified_business):
    last = period_default()
    MonthlyReportFactory(business=verified_business, period=last, turnover=14_500_000)
    NoActivityReportFactory(business=verified_business, period=month_add(last, -1))
    MonthlyReportFactory(business=verified_business, period=month_add(last, -30))  # outside the months asked
    pending = VerifiedBusinessFactory()
    MonthlyReportFactory(business=pending, period=last)
    pending.status, pending.verified_at = BusinessStatus.PENDING, None  # never verified after all
    pending.save()
    client.force_login(official)

    body, rows = _download(client, f"?dari={month_add(last, -11):%Y-%m}&sampai={last:%Y-%m}")

    assert body.startswith("\ufeff".encode())
    assert rows[0][:3] == ["Bulan", "NIB", "Nama usaha"]
    assert "Omzet (Rp)" in rows[0]
    assert [row[0] for row in rows[1:]] == [f"{month_add(last, -1):%Y-%m}", f"{last:%Y-%m}"]
    idle, reported = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert idle["Tidak ada kegiatan"] == "ya"
    assert idle["Omzet (Rp)"] == ""
    assert reported["Omzet (Rp)"] == "14500000"
    assert reported["NIB"] == verified_business.nib
    assert reported["Kecamatan"] == verified_business.kelurahan.kecamatan.name
    assert reported["Sektor"].startswith(verified_business.kbli.code[:2] + " ")
    assert reported["Status laporan"] == "Menunggu pemeriksaan"
    text = body.decode("utf-8")
    owner = verified_business.owner
    assert owner.nik not in text
    # Not even a masked NIK's last four digits (as a number of their own: inside an NIB they are not)
    assert re.search(rf"(?<![0-9]){owner.nik[-4:]}(?![0-9])", text) is None
    assert owner.email not in text


def test_kecamatan_filter_keeps_only_its_businesses(client, staff, verified_business, other_verified_business):
    MonthlyReportFactory(business=verified_business)
    MonthlyReportFactory(business=other_verified_business)
    kecamatan = verified_business.kelurahan.kecamatan
    expected = MonthlyReport.objects.filter(business__kelurahan__kecamatan=kecamatan).count()
    assert Kecamatan.objects.count() > 1
    client.force_login(staff)

    _body, rows = _download(client, f"?kecamatan={kecamatan.pk}")

    assert len(rows) - 1 == expected
    assert {row[3] for row in rows[1:]} == {kecamatan.name}


def test_text_that_a_spreadsheet_would_run_is_written_as_text(client, staff, verified_business):
    verified_business.name = '=HYPERLINK("http://contoh.invalid","klik")'
    verified_business.save()
    MonthlyReportFactory(business=verified_business, production_unit="+kg", problem_other=True, problem_note="@SUM(1)")
    client.force_login(staff)

    _body, rows = _download(client)

    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Nama usaha"] == "'" + verified_business.name
    assert row["Satuan produksi"] == "'+kg"
    assert row["Masalah lain"] == "'@SUM(1)"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def _queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as context:
        _body, rows = _download(client)
    return len(context), len(rows) - 1


def test_query_count_is_the_same_for_a_few_rows_and_many(client, staff, reference):
    """Many rows come through the one server-side cursor, chunk after chunk (CHUNK_ROWS is
    exceeded, so more than one chunk is fetched and written)."""
    from recovery import csv_export

    last = period_default()
    MonthlyReportFactory(period=last)
    client.force_login(staff)
    few_queries, few_rows = _queries(client)

    reports = []
    for index in range(260):
        business = VerifiedBusinessFactory()
        for back in range(12):
            reports.append(MonthlyReportFactory.build(business=business, period=month_add(last, -back), turnover=index))
    MonthlyReport.objects.bulk_create(reports)
    many_queries, many_rows = _queries(client)

    assert (few_rows, many_rows) == (1, 1 + 260 * 12)
    assert many_rows > csv_export.CHUNK_ROWS
    assert many_queries == few_queries


def test_rows_are_point_in_time_like_the_figures(client, official, verified_business):
    """A business deactivated since keeps its reports of the months it counted in, as the
    figures do; a month's rows are the reports the dashboard counts as "Melapor" (returned included)."""
    from datetime import timedelta

    from recovery.aggregates import summaries_refresh
    from recovery.measures import month_start
    from recovery.models import ReportStatus
    from recovery.selectors import figures

    last = period_default()
    earlier = month_add(last, -2)
    closed = VerifiedBusinessFactory()
    MonthlyReportFactory(business=closed, period=earlier)
    MonthlyReportFactory(business=closed, period=last)  # entered after it closed: not counted
    closed.status = BusinessStatus.INACTIVE
    closed.deactivated_at = month_start(month_add(last, -1)) + timedelta(days=3)
    closed.save()
    MonthlyReportFactory(business=verified_business, period=earlier, status=ReportStatus.RETURNED, return_note="Omzet salah")
    MonthlyReportFactory(business=verified_business, period=last)
    summaries_refresh(periods=[earlier, last])
    client.force_login(official)

    _body, rows = _download(client, f"?dari={earlier:%Y-%m}&sampai={last:%Y-%m}")

    by_month = {}
    for row in rows[1:]:
        by_month.setdefault(row[0], []).append(row[1])
    assert sorted(by_month[f"{earlier:%Y-%m}"]) == sorted([closed.nib, verified_business.nib])
    assert by_month[f"{last:%Y-%m}"] == [verified_business.nib]
    for period in (earlier, last):
        city = figures(start=period, end=period)["city"]
        assert len(by_month[f"{period:%Y-%m}"]) == city["reported"]  # returned ones included


def _open_cursors() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_download_the_client_abandons_releases_its_cursor_and_its_transaction(client, staff, monkeypatch):
    """A client that goes away mid-file (the server closes the response, as WSGI servers do when
    the socket breaks): the generator is closed where it stands, and with it the server-side
    cursor and the transaction it needs; the connection is ready for the next request."""
    from recovery import csv_export

    monkeypatch.setattr(csv_export, "CHUNK_ROWS", 5)
    last = period_default()
    for business in VerifiedBusinessFactory.create_batch(5):
        MonthlyReport.objects.bulk_create(
            MonthlyReportFactory.build(business=business, period=month_add(last, -back)) for back in range(6)
        )
    client.force_login(staff)
    response = client.get(URL)
    chunks = iter(response.streaming_content)
    header, first, second = next(chunks), next(chunks), next(chunks)  # 10 of the 30 rows
    assert header.startswith("\ufeff".encode()) and first.count(b"\n") == second.count(b"\n") == 5
    assert connection.in_atomic_block and _open_cursors() == 1  # mid-file: the cursor is open

    response.close()

    assert not connection.in_atomic_block, "the cursor's transaction is still open"
    assert _open_cursors() == 0, "the server-side cursor is still open"
    with pytest.raises(StopIteration):
        next(chunks)
    assert MonthlyReport.objects.count() == 30  # the connection answers the next query
