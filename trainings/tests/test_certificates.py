"""Certificates of attendance: who gets one, once; the PDF; the public verification page; who may
download it; and "Pelatihan saya" linking it."""

import re
import shutil
import subprocess
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from trainings import certificates, services
from trainings.models import Attendance, Certificate, RegistrationStatus, SessionStatus

from .factories import RegistrationFactory, TrainingSessionFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")


def _error(callable_):
    with pytest.raises(ValidationError) as caught:
        callable_()
    return " ".join(caught.value.messages)


def _past_session(**kwargs):
    starts = kwargs.pop("starts_at", timezone.now() - timedelta(days=1, hours=4))
    return TrainingSessionFactory(
        starts_at=starts, ends_at=kwargs.pop("ends_at", starts + timedelta(hours=3)), status=SessionStatus.FINISHED, **kwargs
    )


def _attendee(session, staff, **kwargs):
    registration = RegistrationFactory(session=session, **kwargs)
    Attendance.objects.create(registration=registration, checked_in_by=staff)
    return registration


def _pdf_text(data: bytes, tmp_path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _files_under(path) -> list:
    return [p for p in path.rglob("*.pdf")] if path.exists() else []


# --- issuing ---------------------------------------------------------------------------------


def test_an_attendee_gets_a_certificate_with_a_code_a_number_and_a_pdf(staff, tmp_path):
    session = _past_session(title="Foto produk dengan ponsel", trainer="Uda Rahmat")
    registration = _attendee(session, staff, participant_name="Siti Rahmawati")
    certificate = certificates.certificate_issue(registration_id=registration.pk)

    assert len(certificate.code) == certificates.CODE_LENGTH
    assert set(certificate.code) <= set(certificates.CODE_ALPHABET)
    year = timezone.localtime(certificate.issued_at).year
    assert certificate.number == f"DISNAKERIN-PYK/{year}/{certificate.pk:06d}"
    data = certificate.pdf.read()
    assert data.startswith(b"%PDF") and len(data) > 1024
    text = _pdf_text(data, tmp_path)
    if text is not None:
        flat = " ".join(text.split())
        assert "Siti Rahmawati" in flat
        assert "Foto produk dengan ponsel" in flat
        assert certificate.number in flat
        assert "Uda Rahmat" in flat
        assert registration.business.name in flat
        assert certificate.code in flat


@pytest.mark.requires_tools("pdfinfo", "pdffonts")
def test_the_pdf_is_a4_landscape_and_embeds_its_fonts(staff, tmp_path):
    registration = _attendee(_past_session(), staff)
    data = certificates.certificate_issue(registration_id=registration.pk).pdf.read()
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    assert re.search(r"^Page size:\s+841\.89 x 595\.2\d* pts", info, re.MULTILINE)  # A4 landscape
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows)  # every font embedded


def test_dates_are_written_in_indonesian_in_jakarta_time(staff):
    one_day = TrainingSessionFactory.build(
        starts_at=datetime(2026, 12, 7, 9, tzinfo=JAKARTA), ends_at=datetime(2026, 12, 7, 12, tzinfo=JAKARTA)
    )
    assert certificates.session_dates(one_day) == "7 Desember 2026"
    # 23.00 UTC on 30 November is already 1 December in Payakumbuh.
    late = TrainingSessionFactory.build(
        starts_at=datetime(2026, 11, 30, 23, tzinfo=ZoneInfo("UTC")), ends_at=datetime(2026, 12, 1, 1, tzinfo=ZoneInfo("UTC"))
    )
    assert certificates.session_dates(late) == "1 Desember 2026"
    several = TrainingSessionFactory.build(
        starts_at=datetime(2026, 11, 30, 9, tzinfo=JAKARTA), ends_at=datetime(2026, 12, 2, 16, tzinfo=JAKARTA)
    )
    assert certificates.session_dates(several) == "30 November 2026 – 2 Desember 2026"


def test_only_attendees_get_certificates(staff):
    session = _past_session()
    absent = RegistrationFactory(session=session, participant_name="Yang Tidak Datang")
    assert "tidak tercatat hadir" in _error(lambda: certificates.certificate_issue(registration_id=absent.pk))
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    assert "tidak terdaftar dengan tempat" in _error(lambda: certificates.certificate_issue(registration_id=waiting.pk))
    assert not Certificate.objects.exists()


def test_no_certificate_before_the_session_ends_or_for_a_cancelled_one(staff):
    running = TrainingSessionFactory(starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=2))
    early = _attendee(running, staff)
    assert "sesudah pelatihan selesai" in _error(lambda: certificates.certificate_issue(registration_id=early.pk))
    cancelled = _attendee(_past_session(), staff)
    cancelled.session.status = SessionStatus.CANCELLED
    cancelled.session.save()
    assert "dibatalkan" in _error(lambda: certificates.certificate_issue(registration_id=cancelled.pk))
    assert not Certificate.objects.exists()


def test_issuing_twice_gives_the_same_certificate_and_one_file(staff, settings):
    registration = _attendee(_past_session(), staff)
    first = certificates.certificate_issue(registration_id=registration.pk)
    files = _files_under(settings.MEDIA_ROOT / "certificates")
    second = certificates.certificate_issue(registration_id=registration.pk)
    assert (second.pk, second.code, second.number, second.pdf.name) == (first.pk, first.code, first.number, first.pdf.name)
    assert Certificate.objects.count() == 1
    assert _files_under(settings.MEDIA_ROOT / "certificates") == files


@pytest.mark.django_db(transaction=True)
def test_two_workers_issuing_at_once_make_one_certificate(roles, reference):
    from businesses.tests.factories import UserFactory

    staff = UserFactory(role="staf")
    registration = _attendee(_past_session(), staff)
    results, errors = [], []

    def issue():
        try:
            results.append(certificates.certificate_issue(registration_id=registration.pk).pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1
    assert Certificate.objects.count() == 1


def test_issuing_for_a_session_covers_every_attendee_once_and_is_safe_to_rerun(staff):
    session = _past_session()
    attendees = [_attendee(session, staff) for _ in range(3)]
    RegistrationFactory(session=session)  # registered, did not come
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    # A crash halfway: one certificate was already made by an earlier run.
    certificates.certificate_issue(registration_id=attendees[0].pk)

    assert certificates.certificates_issue_for_session(session_id=session.pk) == 2
    assert certificates.certificates_issue_for_session(session_id=session.pk) == 0
    assert set(Certificate.objects.values_list("registration_id", flat=True)) == {r.pk for r in attendees}
    assert Certificate.objects.values("number").distinct().count() == 3


def test_issuing_for_a_session_not_ended_or_unknown_makes_nothing(staff):
    running = TrainingSessionFactory(starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=2))
    _attendee(running, staff)
    assert certificates.certificates_issue_for_session(session_id=running.pk) == 0
    assert certificates.certificates_issue_for_session(session_id=999_999) == 0
    assert not Certificate.objects.exists()


def test_a_check_in_cannot_be_undone_once_its_certificate_exists(staff):
    session = TrainingSessionFactory(starts_at=timezone.now() - timedelta(hours=4), ends_at=timezone.now() - timedelta(hours=1))
    registration = _attendee(session, staff)
    certificates.certificate_issue(registration_id=registration.pk)
    assert "Sertifikat" in _error(lambda: services.attendance_undo(registration=registration, actor=staff))
    assert Attendance.objects.filter(registration=registration).exists()


# --- the public verification page ----------------------------------------------------------


def test_the_verification_page_shows_the_name_and_nothing_personal(client, staff):
    registration = _attendee(_past_session(title="Kemasan produk pangan"), staff, participant_name="Rina Marlina")
    business, owner = registration.business, registration.business.owner
    certificate = certificates.certificate_issue(registration_id=registration.pk)

    response = client.get(reverse("certificate-verify", args=[certificate.code]))
    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("Sertifikat ini asli", "Rina Marlina", "Kemasan produk pangan", certificate.number, "Payakumbuh"):
        assert shown in html
    for hidden in (owner.phone, owner.nik, owner.email, business.address, business.nib, business.name):
        assert hidden not in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"].startswith("noindex")


def test_the_verification_page_reads_codes_typed_in_lower_case(client, staff):
    certificate = certificates.certificate_issue(registration_id=_attendee(_past_session(), staff).pk)
    assert client.get(reverse("certificate-verify", args=[certificate.code.lower()])).status_code == 200


def test_an_unknown_code_gets_a_friendly_404(client):
    response = client.get(reverse("certificate-verify", args=["ZZZZZZZZZZ"]))
    assert response.status_code == 404
    assert "tidak ditemukan" in response.content.decode()
    assert response["X-Robots-Tag"].startswith("noindex")


def test_the_pdf_points_its_qr_code_at_the_verification_page(staff, settings):
    settings.SITE_URL = "https://ikm.payakumbuhkota.go.id/"
    certificate = certificates.certificate_issue(registration_id=_attendee(_past_session(), staff).pk)
    assert certificates.verification_url(certificate.code) == f"https://ikm.payakumbuhkota.go.id/sertifikat/{certificate.code}/"


# --- download ------------------------------------------------------------------------------


def test_the_owner_downloads_their_certificate(client, staff, verified_business):
    registration = _attendee(_past_session(), staff, business=verified_business)
    certificate = certificates.certificate_issue(registration_id=registration.pk)
    client.force_login(verified_business.owner.user)
    response = client.get(reverse("trainings:certificate-download", args=[registration.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert f"{certificate.pk:06d}" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_staff_download_any_certificate(client, staff):
    registration = _attendee(_past_session(), staff)
    certificates.certificate_issue(registration_id=registration.pk)
    client.force_login(staff)
    assert client.get(reverse("trainings:certificate-download", args=[registration.pk])).status_code == 200


def test_another_owner_and_officials_get_404_and_anonymous_users_sign_in(client, staff, official, other_pending_business):
    registration = _attendee(_past_session(), staff)
    certificates.certificate_issue(registration_id=registration.pk)
    url = reverse("trainings:certificate-download", args=[registration.pk])
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    for user in (other_pending_business.owner.user, official):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_no_certificate_yet_is_404_even_for_the_owner(client, staff, verified_business):
    registration = _attendee(_past_session(), staff, business=verified_business)
    client.force_login(verified_business.owner.user)
    assert client.get(reverse("trainings:certificate-download", args=[registration.pk])).status_code == 404


# --- "Pelatihan saya" ----------------------------------------------------------------------


def test_pelatihan_saya_links_the_certificate_of_a_past_session(client, staff, verified_business):
    with_certificate = _attendee(_past_session(title="Sesi bersertifikat"), staff, business=verified_business)
    certificates.certificate_issue(registration_id=with_certificate.pk)
    without = RegistrationFactory(session=_past_session(title="Sesi tanpa hadir"), business=verified_business)
    client.force_login(verified_business.owner.user)
    html = client.get(reverse("trainings:mine")).content.decode()
    assert reverse("trainings:certificate-download", args=[with_certificate.pk]) in html
    assert reverse("trainings:certificate-download", args=[without.pk]) not in html
    assert "Unduh sertifikat" in html


def test_pelatihan_saya_keeps_its_query_count_with_certificates_and_feedback(client, staff, verified_business):
    client.force_login(verified_business.owner.user)
    certificates.certificate_issue(registration_id=_attendee(_past_session(), staff, business=verified_business).pk)
    RegistrationFactory(business=verified_business)
    url = reverse("trainings:mine")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(6):
        certificates.certificate_issue(registration_id=_attendee(_past_session(), staff, business=verified_business).pk)
        _attendee(_past_session(), staff, business=verified_business)
        RegistrationFactory(business=verified_business)
    VerifiedBusinessFactory(owner=verified_business.owner)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
