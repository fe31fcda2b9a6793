"""One name for the office, from one setting (settings.OFFICE_NAME), in the monthly e-mail and
PDF as everywhere else; the name with its words the other way round appears nowhere."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from notifications.models import Message
from recovery import report_files
from recovery.models import ReportFile, ReportFileKind, ReportFileStatus
from recovery.selectors import month_add, period_default

ROOT = Path(__file__).resolve().parents[2]
WRONG = "Perindustrian dan Tenaga " + "Kerja"  # split, or this file would find itself


def test_the_office_name_with_its_words_swapped_appears_nowhere():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    found = [
        name
        for name in tracked
        if name.endswith((".py", ".html", ".txt", ".md", ".po", ".js", ".csv"))
        and WRONG.lower() in (ROOT / name).read_text(encoding="utf-8", errors="replace").lower()
    ]
    assert found == []
    with translation.override("id"):
        assert str(settings.OFFICE_NAME) == "Dinas Tenaga Kerja dan Perindustrian Kota Payakumbuh"


@pytest.mark.django_db
def test_the_monthly_email_and_pdf_sign_with_the_office_name(official, monkeypatch):
    period = month_add(period_default(), -1)
    rendered = []
    render = report_files.render_to_string
    monkeypatch.setattr(report_files, "render_to_string", lambda *a, **k: rendered.append(render(*a, **k)) or rendered[-1])

    assert report_files.monthly_pdf(period=period).startswith(b"%PDF")
    report_file = ReportFile.objects.create(kind=ReportFileKind.MONTHLY, period=period, status=ReportFileStatus.DONE)
    report_files._email_officials(report_file)

    with translation.override("id"):
        office = str(settings.OFFICE_NAME)
    assert office in rendered[0]
    body = Message.objects.get(recipient=official.email).body
    assert body.rstrip().endswith(office)
