"""UU 27/2022 rights, as an owner uses them: read the privacy notice before consenting, withdraw
consent (no more programme messages, marked for staff) and give it again, ask for deletion
(staff erase or refuse in the admin; what the programme keeps is kept), and download their data
as a readable PDF."""

import shutil
import subprocess

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from businesses.models import Business, BusinessStatus, DeletionRequest, DeletionStatus, Owner
from businesses.tests.factories import UserFactory
from notifications.models import Message
from recovery.models import MonthlyReport
from recovery.selectors import period_default
from recovery.services import reminders_send
from recovery.tests.factories import MonthlyReportFactory, VerifiedBusinessFactory
from trainings.models import Attendance, Feedback
from trainings.tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner.user)
    return client


@pytest.fixture
def staff_client(reference):
    client = Client()
    client.force_login(UserFactory(role="staf"))
    return client


def test_the_consent_checkbox_links_the_privacy_notice(reference):
    page = Client().get(reverse("businesses:signup")).content.decode()
    consent = page.index('name="consent"')
    link = page.index(f'href="{reverse("pages:detail", args=["privasi"])}"')
    assert abs(link - consent) < 1500  # beside the checkbox, not only in the footer


def test_withdrawn_consent_stops_reminders_and_giving_it_again_restarts_them(owner, owner_client):
    business = VerifiedBusinessFactory(owner=owner)
    previous = period_default()
    response = owner_client.post(reverse("consent-withdraw"))
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.consent_withdrawn_at is not None
    assert "Persetujuan ditarik" in owner_client.get(reverse("my-privacy")).content.decode()

    assert reminders_send(period=previous) == 0
    assert not Message.objects.filter(key__startswith=f"recovery-reminder:{business.pk}:").exists()

    owner_client.post(reverse("consent-give"))
    owner.refresh_from_db()
    assert owner.consent_withdrawn_at is None
    assert reminders_send(period=previous) >= 1


def test_staff_see_the_withdrawn_consent_in_the_owner_list(owner, owner_client, staff_client):
    owner_client.post(reverse("consent-withdraw"))
    listed = staff_client.get(reverse("admin:businesses_owner_changelist") + "?consent_withdrawn_at__isempty=0")
    assert owner.name in listed.content.decode()


def test_a_deletion_request_needs_the_confirmation_and_is_refused_twice(owner, owner_client):
    owner_client.post(reverse("deletion-request"), {"reason": "Usaha sudah tutup"})
    assert not DeletionRequest.objects.exists()
    owner_client.post(reverse("deletion-request"), {"reason": "Usaha sudah tutup", "confirm": "1"})
    assert DeletionRequest.objects.get().reason == "Usaha sudah tutup"
    response = owner_client.post(reverse("deletion-request"), {"confirm": "1"}, follow=True)
    assert "sudah diajukan" in response.content.decode()
    assert DeletionRequest.objects.count() == 1
    assert "sedang diproses petugas" in owner_client.get(reverse("my-privacy")).content.decode()


def test_staff_erase_on_request_and_what_the_programme_needs_is_kept(owner, owner_client, staff_client):
    business = VerifiedBusinessFactory(owner=owner, name="Rendang Uni Yus")
    report = MonthlyReportFactory(business=business, turnover=9_500_000)
    registration = RegistrationFactory(business=business, participant_name="Yusnimar")
    Attendance.objects.create(registration=registration)
    Feedback.objects.create(registration=registration, rating=4, comment="Saya Yusnimar dari Ibuh")
    Message.objects.create(key="lama", channel="email", recipient=owner.email, subject="Halo Yusnimar", body="Yusnimar")
    nik, phone, user = owner.nik, owner.phone, owner.user
    owner_client.post(reverse("deletion-request"), {"confirm": "1"})
    request = DeletionRequest.objects.get()

    response = staff_client.post(
        reverse("admin:businesses_deletionrequest_changelist"), {"action": "erase", "_selected_action": [request.pk]}
    )
    assert response.status_code == 302

    request.refresh_from_db()
    assert request.status == DeletionStatus.DONE and request.handled_at is not None
    owner = Owner.objects.get(pk=owner.pk)
    assert owner.nik == "" and owner.nik_hash is None and owner.phone == "" and owner.email == ""
    assert owner.name.startswith("Pemilik dihapus")
    assert not Owner.history.filter(id=owner.pk).exists()
    business = Business.objects.get(pk=business.pk)
    assert business.name.startswith("Usaha dihapus") and business.status == BusinessStatus.INACTIVE
    assert not Business.history.filter(id=business.pk).exists()
    # Kept, without the person: the month's figures, attendance, the rating.
    assert MonthlyReport.objects.get(pk=report.pk).turnover == 9_500_000
    assert Attendance.objects.filter(registration=registration).exists()
    feedback = Feedback.objects.get(registration=registration)
    assert feedback.rating == 4 and feedback.comment == ""
    registration.refresh_from_db()
    assert registration.participant_name == "Peserta dihapus"
    # The account is closed: signed out on the next request, and no sign-in.
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password() and user.phone is None
    assert owner_client.get(reverse("my-privacy")).status_code == 302
    # Earlier messages no longer name them; the last one tells them it is done.
    old = Message.objects.get(key="lama")
    assert old.recipient == "—" and "Yusnimar" not in old.body
    assert Message.objects.filter(key=f"deletion-done:{request.pk}").exists()
    # Their number is left only on that last message, and their NIK nowhere in the outbox.
    assert set(Message.objects.filter(recipient=phone).values_list("key", flat=True)) == {f"deletion-done:{request.pk}"}
    for row in Message.objects.values_list("recipient", "subject", "body"):
        assert nik not in str(row) and "Rendang Uni Yus" not in str(row)


def test_staff_refuse_a_request_with_a_reason_the_owner_is_told(owner, owner_client, staff_client):
    owner_client.post(reverse("deletion-request"), {"confirm": "1"})
    request = DeletionRequest.objects.get()
    url = reverse("admin:businesses_deletionrequest_changelist")
    form = staff_client.post(url, {"action": "refuse", "_selected_action": [request.pk]})
    assert form.status_code == 200 and "Alasan penolakan" in form.content.decode()
    staff_client.post(
        url, {"action": "refuse", "_selected_action": [request.pk], "staff_note": "Ada laporan yang sedang diperiksa"}
    )
    request.refresh_from_db()
    assert request.status == DeletionStatus.REFUSED
    assert Message.objects.filter(key=f"deletion-refused:{request.pk}").exists()
    assert Owner.objects.get(pk=owner.pk).nik  # nothing erased


def test_other_roles_have_no_privacy_page_and_cannot_withdraw(staff_client):
    assert staff_client.get(reverse("my-privacy")).status_code == 403
    assert staff_client.post(reverse("consent-withdraw")).status_code == 403
    assert Client().post(reverse("deletion-request")).status_code == 302  # to sign-in


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_the_owner_downloads_their_data_as_a_readable_pdf(owner, owner_client, tmp_path):
    business = VerifiedBusinessFactory(owner=owner, name="Galamai Mak Ros")
    MonthlyReportFactory(business=business, turnover=12_500_000)
    response = owner_client.get(reverse("my-data-pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    path = tmp_path / "data.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Data pribadi saya", "Galamai Mak Ros", "Laporan bulanan", "12.500.000", "Nama pemilik", owner.name):
        assert expected in text, expected
    assert "nik_hash" not in text and "Halaman 1 / " in text
    assert not mail.outbox
