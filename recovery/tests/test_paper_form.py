"""The blank monthly report form on paper has every question of the online form, with its
choices, and is open to anyone (it holds no data); the report pages link it."""

import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from recovery.forms import ReportForm
from recovery.models import OperatingStatus, RawMaterialAccess
from recovery.paper_form import ONLINE_ONLY, paper_fields

pytestmark = pytest.mark.django_db


def test_every_question_of_the_online_form_is_on_paper():
    on_paper = " | ".join(item["label"] + " " + " ".join(item.get("choices", [])) for item in paper_fields())
    form = ReportForm()
    for name, field in form.fields.items():
        if name not in ONLINE_ONLY:
            assert str(field.label) in on_paper, name
    for label in [*OperatingStatus.labels, *RawMaterialAccess.labels]:
        assert str(label) in on_paper


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_anyone_downloads_the_blank_form_as_a_pdf(tmp_path, reference):
    response = Client().get(reverse("recovery:report-form-blank"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "formulir.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in (
        "Formulir laporan bulanan pemulihan IKM",
        "Nama usaha",
        "Omzet bulan ini (Rp)",
        "Status operasi",
        "Pemilik usaha",
    ):
        assert expected in text, expected


def test_the_report_pages_link_the_blank_form(reference):
    from businesses.tests.factories import OwnerFactory

    client = Client()
    client.force_login(OwnerFactory().user)
    assert reverse("recovery:report-form-blank") in client.get(reverse("recovery:mine")).content.decode()
