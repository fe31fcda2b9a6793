"""Printing on A4 (static/css/print.css): Chromium prints the dashboard, a session's roster, the
completeness list, a certificate's page and a session's page to PDF at A4, and pdftotext finds
the content without the buttons, filters and menus of the screen. And the monthly report
form's draft kept on the phone (static/js/report-draft.js), offered back after a reload."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from businesses.tests.factories import PASSWORD, UserFactory
from recovery.selectors import month_add, period_default
from recovery.tests.factories import MonthlyReportFactory
from trainings import certificates
from trainings.models import Attendance, SessionStatus
from trainings.tests.factories import RegistrationFactory, TrainingSessionFactory, VerifiedBusinessFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"),
]

# On every page: the menu, the language switch, sign-out and the footer's links are not printed.
CHROME = ("Buka menu", "Keluar", "Langsung ke isi", "Bantuan", "Ketentuan")


def _printed(page, url: str, tmp_path, name: str) -> str:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # charts drawn
    path = tmp_path / f"{name}.pdf"
    page.pdf(path=str(path), format="A4", print_background=False)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "pts (A4)" in info, info
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _signed_in(new_context, live_server, email):
    context = new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto("/akun/masuk/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    return page


@pytest.fixture
def printed_world(reference):
    staff = UserFactory(role="staf", email="staf@disnakerin.contoh.id", full_name="Staf Uji")
    official = UserFactory(role="pejabat", email="pejabat@contoh.id", full_name="Pejabat Uji")
    last = period_default()
    businesses = [VerifiedBusinessFactory(name=f"IKM Cetak {n}") for n in range(3)]
    for n, business in enumerate(businesses[:2]):
        for back in range(3):
            MonthlyReportFactory(business=business, period=month_add(last, -back), turnover=(9 + n + back) * 1_000_000)
    upcoming = TrainingSessionFactory(title="Pemasaran online untuk rendang")
    RegistrationFactory(session=upcoming, business=businesses[0], participant_name="Yusnimar")
    starts = timezone.now() - timedelta(days=2)
    finished = TrainingSessionFactory(
        title="Kemasan galamai", starts_at=starts, ends_at=starts + timedelta(hours=3), status=SessionStatus.FINISHED
    )
    attended = RegistrationFactory(session=finished, business=businesses[1], participant_name="Rosmaini")
    Attendance.objects.create(registration=attended, checked_in_by=staff)
    certificate = certificates.certificate_issue(registration_id=attended.pk)
    return {"staff": staff, "official": official, "upcoming": upcoming, "certificate": certificate, "businesses": businesses}


def test_dashboard_prints_on_a4_without_buttons_or_filters(new_context, live_server, printed_world, tmp_path):
    page = _signed_in(new_context, live_server, printed_world["official"].email)
    text = _printed(page, "/pemulihan/dasbor/", tmp_path, "dasbor")
    assert "Dasbor pemulihan IKM" in text and "Angka utama" in text
    for label in ("Unduh CSV", "Unduh Excel", "Ekspor lengkap per usaha", "Atur target", "Tampilkan", *CHROME):
        assert label not in text, label


def test_roster_and_completeness_print_on_a4_without_their_buttons(new_context, live_server, printed_world, tmp_path):
    page = _signed_in(new_context, live_server, printed_world["staff"].email)
    roster = _printed(page, f"/pelatihan/{printed_world['upcoming'].pk}/peserta/", tmp_path, "peserta")
    assert "Pemasaran online untuk rendang" in roster and "Yusnimar" in roster
    for label in ("Tambah peserta", "Unduh Excel", "Daftar hadir (PDF)", *CHROME):
        assert label not in roster, label
    completeness = _printed(page, "/pemulihan/kelengkapan/", tmp_path, "kelengkapan")
    assert "IKM Cetak 2" in completeness  # the one that has not reported
    for label in ("Terapkan", "Ingatkan", "Isi untuk pemilik", *CHROME):
        assert label not in completeness, label


def test_certificate_and_session_pages_print_on_a4_without_buttons(new_context, live_server, printed_world, tmp_path):
    context = new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    verify = _printed(page, f"/sertifikat/{printed_world['certificate'].code}/", tmp_path, "sertifikat")
    assert "Rosmaini" in verify and "Kemasan galamai" in verify
    for label in ("Masuk", *CHROME):
        assert label not in verify.replace("Masukan", ""), label
    session = _printed(page, f"/pelatihan/{printed_world['upcoming'].pk}/", tmp_path, "sesi")
    assert "Pemasaran online untuk rendang" in session
    for label in ("Simpan ke kalender (.ics)", "Masuk untuk mendaftar", *CHROME):
        assert label not in session, label


def test_the_report_form_keeps_a_draft_on_the_phone_and_offers_it_back(new_context, live_server, reference):
    from businesses.tests.factories import OwnerFactory

    owner = OwnerFactory()
    business = VerifiedBusinessFactory(owner=owner)
    context = new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto("/akun/masuk/")
    page.locator("#id_username").fill(owner.user.email)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    page.goto(f"/pemulihan/usaha/{business.pk}/lapor/")
    page.locator("#id_turnover").fill("7.250.000")
    page.locator("#id_workers_male").fill("3")
    assert re.search(r"Draf tersimpan di ponsel ini pukul \d\d\.\d\d\.", page.locator("[data-draft-status]").inner_text())

    page.reload()  # as if the connection had dropped and the owner came back later
    found = page.locator("[data-draft-found]")
    assert re.search(r"Ada draf yang belum terkirim dari pukul \d\d\.\d\d", found.inner_text())
    assert page.locator("#id_turnover").input_value() == ""
    page.get_by_role("button", name="Pakai draf").click()
    assert page.locator("#id_turnover").input_value() == "7.250.000"
    assert page.locator("#id_workers_male").input_value() == "3"
