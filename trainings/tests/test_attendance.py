"""Attendance: check-in by a roster tap or a QR scan, its window, undo, and the QR token."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from trainings import checkin, services
from trainings.models import Attendance, Certificate, RegistrationStatus, SessionStatus

from .factories import RegistrationFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


def _session_starting_in(delta, **kwargs):
    starts = timezone.now() + delta
    return TrainingSessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), **kwargs)


@pytest.fixture
def today(reference):
    """A session that started half an hour ago."""
    return _session_starting_in(-timedelta(minutes=30))


@pytest.fixture
def seat(today, verified_business):
    return RegistrationFactory(session=today, business=verified_business)


def _error(callable_):
    with pytest.raises(ValidationError) as caught:
        callable_()
    return " ".join(caught.value.messages)


def test_a_check_in_is_recorded_with_who_and_how(seat, staff):
    attendance = services.attendance_check_in(registration=seat, actor=staff, method="qr")
    assert (attendance.registration_id, attendance.checked_in_by, attendance.method) == (seat.pk, staff, "qr")


def test_a_second_check_in_changes_nothing(seat, staff):
    first = services.attendance_check_in(registration=seat, actor=staff, method="qr")
    again = services.attendance_check_in(registration=seat, actor=staff, method="roster")
    assert Attendance.objects.count() == 1
    assert (again.checked_in_at, again.method) == (first.checked_in_at, "qr")


def test_check_in_opens_an_hour_before_the_start(reference, verified_business, staff):
    early = RegistrationFactory(session=_session_starting_in(timedelta(minutes=70)), business=verified_business)
    assert "satu jam sebelum pelatihan dimulai" in _error(lambda: services.attendance_check_in(registration=early, actor=staff))
    soon = RegistrationFactory(session=_session_starting_in(timedelta(minutes=50)))
    assert services.attendance_check_in(registration=soon, actor=staff)


def test_check_in_closes_a_day_after_the_end(reference, staff):
    # Ended 25 hours ago (started 28 hours ago, 3 hours long).
    late = RegistrationFactory(session=_session_starting_in(-timedelta(hours=28), status=SessionStatus.FINISHED))
    assert "24 jam sesudah pelatihan selesai" in _error(lambda: services.attendance_check_in(registration=late, actor=staff))
    # Ended 23 hours ago: still open, and a finished session counts.
    recent = RegistrationFactory(session=_session_starting_in(-timedelta(hours=26), status=SessionStatus.FINISHED))
    assert services.attendance_check_in(registration=recent, actor=staff)


@pytest.mark.parametrize("status", [SessionStatus.DRAFT, SessionStatus.CANCELLED])
def test_no_check_in_for_drafts_or_cancelled_sessions(reference, staff, status):
    registration = RegistrationFactory(session=_session_starting_in(-timedelta(minutes=5), status=status))
    assert "terbit atau sudah selesai" in _error(lambda: services.attendance_check_in(registration=registration, actor=staff))


@pytest.mark.parametrize("status", [RegistrationStatus.WAITING, RegistrationStatus.CANCELLED])
def test_only_confirmed_participants_are_checked_in(today, staff, status):
    extra = {"cancelled_at": timezone.now()} if status == RegistrationStatus.CANCELLED else {}
    registration = RegistrationFactory(session=today, status=status, **extra)
    assert "kehadiran tidak dapat dicatat" in _error(lambda: services.attendance_check_in(registration=registration, actor=staff))
    assert not Attendance.objects.exists()


def test_an_unknown_method_is_a_programming_error(seat, staff):
    with pytest.raises(ValueError):
        services.attendance_check_in(registration=seat, actor=staff, method="fax")


def test_undo_removes_the_check_in_and_is_harmless_twice(seat, staff):
    services.attendance_check_in(registration=seat, actor=staff)
    services.attendance_undo(registration=seat, actor=staff)
    services.attendance_undo(registration=seat, actor=staff)
    assert not Attendance.objects.exists()


def test_undo_is_refused_once_a_certificate_exists(seat, staff):
    services.attendance_check_in(registration=seat, actor=staff)
    Certificate.objects.create(registration=seat, code="ABCDEFGH12345678", number="001/PEL/2026")
    assert "Sertifikat" in _error(lambda: services.attendance_undo(registration=seat, actor=staff))
    assert Attendance.objects.filter(registration=seat).exists()


# --- The roster tap ---------------------------------------------------------------------------


def test_a_tap_on_the_roster_checks_in_and_a_second_tap_undoes(client, seat, staff):
    client.force_login(staff)
    url = reverse("trainings:attendance-toggle", args=[seat.pk])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith(f"#r{seat.pk}")
    assert Attendance.objects.get(registration=seat).method == "roster"
    client.post(url, {"action": "undo"})
    assert not Attendance.objects.exists()


def test_the_roster_script_gets_the_new_row_as_json(client, seat, staff):
    client.force_login(staff)
    response = client.post(reverse("trainings:attendance-toggle", args=[seat.pk]), HTTP_ACCEPT="application/json")
    data = response.json()
    assert data["ok"] and data["attended"] and f'id="r{seat.pk}"' in data["html"] and 'value="undo"' in data["html"]


def test_a_refused_tap_says_why(client, reference, staff):
    registration = RegistrationFactory(session=_session_starting_in(timedelta(days=2)))
    client.force_login(staff)
    url = reverse("trainings:attendance-toggle", args=[registration.pk])
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "satu jam sebelum" in response.json()["message"]
    assert "satu jam sebelum" in client.post(url, follow=True).content.decode()


@pytest.mark.parametrize("who", ["official", "owner"])
def test_officials_and_owners_cannot_tap(client, seat, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user.user if who == "owner" else user)
    assert client.post(reverse("trainings:attendance-toggle", args=[seat.pk])).status_code == 403
    assert not Attendance.objects.exists()


def test_anonymous_taps_go_to_sign_in(client, seat):
    response = client.post(reverse("trainings:attendance-toggle", args=[seat.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- The QR code -------------------------------------------------------------------------------


def _scan_url(registration):
    return reverse("trainings:attendance-scan", args=[checkin.checkin_token(registration)])


def test_the_owner_sees_a_qr_code_for_a_confirmed_registration(client, seat, verified_business):
    client.force_login(verified_business.owner.user)
    page = client.get(reverse("trainings:mine")).content.decode()
    assert reverse("trainings:attendance-qr", args=[seat.pk]) in page
    page = client.get(reverse("trainings:attendance-qr", args=[seat.pk])).content.decode()
    assert "<svg" in page and "<title>Kode QR kehadiran" in page


def test_no_qr_code_while_waiting(client, today, verified_business):
    waiting = RegistrationFactory(session=today, business=verified_business, status=RegistrationStatus.WAITING)
    client.force_login(verified_business.owner.user)
    page = client.get(reverse("trainings:attendance-qr", args=[waiting.pk])).content.decode()
    assert "<svg" not in page and "bukan daftar tunggu" in page


def test_the_qr_page_is_the_owners_alone(client, seat, owner, staff, official):
    url = reverse("trainings:attendance-qr", args=[seat.pk])
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    for user in (staff, official):
        client.force_login(user)
        assert client.get(url).status_code == 403
    other = RegistrationFactory(session=seat.session)  # another owner's registration
    client.force_login(owner.user)
    assert client.get(reverse("trainings:attendance-qr", args=[other.pk])).status_code == 404


def test_the_token_names_the_registration_and_survives_no_change():
    class Row:
        pk, session_id = 41, 7

    token = checkin.checkin_token(Row)
    assert checkin.checkin_token_read(token) == (41, 7)
    payload, signature = token.rsplit(":", 1)
    assert checkin.checkin_token_read(f"{payload}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}") is None
    assert checkin.checkin_token_read("41") is None
    # Signed by another part of the portal (another salt): refused.
    from django.core import signing

    assert checkin.checkin_token_read(signing.Signer(salt="other").sign_object({"r": 41, "s": 7})) is None


def test_staff_scan_see_the_participant_and_confirm(client, seat, staff):
    client.force_login(staff)
    url = _scan_url(seat)
    page = client.get(url).content.decode()
    assert seat.participant_name in page and "Konfirmasi hadir" in page
    response = client.post(url, follow=True)
    assert "Sudah tercatat hadir" in response.content.decode()
    assert Attendance.objects.get(registration=seat).method == "qr"
    client.post(url)
    assert Attendance.objects.count() == 1


def test_the_qr_code_holds_an_absolute_url_that_staff_can_open(client, seat, verified_business, staff, monkeypatch):
    drawn = []
    monkeypatch.setattr(checkin, "qr_svg", lambda url, title: drawn.append(url) or "<svg></svg>")
    client.force_login(verified_business.owner.user)
    client.get(reverse("trainings:attendance-qr", args=[seat.pk]))
    assert drawn[0].startswith("http://testserver/") and f"/hadir/{seat.pk}/" not in drawn[0]
    client.force_login(staff)
    assert seat.participant_name in client.get(drawn[0]).content.decode()


def test_a_tampered_token_is_refused_with_a_clear_message(client, seat, staff):
    client.force_login(staff)
    token = checkin.checkin_token(seat)
    other = RegistrationFactory(session=seat.session)
    forged = token.replace(token.split(":")[0], checkin.checkin_token(other).split(":")[0])
    for bad in (forged, token[:-2], "bukan-token", str(seat.pk)):
        response = client.get(reverse("trainings:attendance-scan", args=[bad]))
        assert response.status_code == 400
        assert "tidak sah" in response.content.decode()
        assert client.post(reverse("trainings:attendance-scan", args=[bad])).status_code == 400
    assert not Attendance.objects.exists()


def test_a_token_for_another_session_answers_404(client, seat, staff):
    from django.core import signing

    client.force_login(staff)
    token = signing.Signer(salt=checkin.SALT).sign_object({"r": seat.pk, "s": seat.session_id + 1000})
    assert client.get(reverse("trainings:attendance-scan", args=[token])).status_code == 404


@pytest.mark.parametrize("who", ["official", "owner"])
def test_only_staff_may_use_a_scanned_code(client, seat, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user.user if who == "owner" else user)
    url = _scan_url(seat)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert not Attendance.objects.exists()


def test_anonymous_scanners_are_sent_to_sign_in_and_back(client, seat):
    url = _scan_url(seat)
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert "hadir" in response["Location"]
