"""Staff's roster: who may open it, what it shows, adding and moving participants, exports."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from businesses.models import BusinessStatus
from notifications.models import Message
from safetext import cells
from trainings import services
from trainings.models import Attendance, Registration, RegistrationStatus

from .factories import RegistrationFactory, TopicFactory, TrainingSessionFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db


def _error(callable_):
    with pytest.raises(ValidationError) as caught:
        callable_()
    return " ".join(caught.value.messages)


def _staff_urls(session, registration):
    return [
        ("get", reverse("trainings:roster", args=[session.pk])),
        ("get", reverse("trainings:roster-xlsx", args=[session.pk])),
        ("get", reverse("trainings:roster-pdf", args=[session.pk])),
        ("get", reverse("trainings:registration-add", args=[session.pk])),
        ("post", reverse("trainings:registration-add", args=[session.pk])),
        ("get", reverse("trainings:registration-move", args=[registration.pk])),
        ("post", reverse("trainings:registration-move", args=[registration.pk])),
        ("post", reverse("trainings:attendance-toggle", args=[registration.pk])),
    ]


def test_anonymous_users_are_sent_to_sign_in_from_every_staff_page(client, session, verified_business):
    registration = RegistrationFactory(session=session, business=verified_business)
    for method, url in _staff_urls(session, registration):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"], url


@pytest.mark.parametrize("who", ["official", "owner"])
def test_officials_and_owners_get_403_on_every_staff_page(client, session, verified_business, request, who):
    registration = RegistrationFactory(session=session, business=verified_business)
    client.force_login(verified_business.owner.user if who == "owner" else request.getfixturevalue(who))
    for method, url in _staff_urls(session, registration):
        assert getattr(client, method)(url).status_code == 403, url
    assert Registration.objects.filter(status=RegistrationStatus.CONFIRMED).count() == 1


def test_staff_open_every_staff_page(client, session, verified_business, staff):
    registration = RegistrationFactory(session=session, business=verified_business)
    client.force_login(staff)
    for method, url in _staff_urls(session, registration):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_staff_find_the_roster_from_the_session_page_and_the_admin(client, session, staff, owner):
    roster = reverse("trainings:roster", args=[session.pk])
    client.force_login(staff)
    assert roster in client.get(reverse("trainings:session-detail", args=[session.pk])).content.decode()
    staff.is_superuser = True  # the admin's own model permissions are not what is tested here
    staff.save()
    assert roster in client.get(reverse("admin:trainings_trainingsession_change", args=[session.pk])).content.decode()
    client.force_login(owner.user)
    assert roster not in client.get(reverse("trainings:session-detail", args=[session.pk])).content.decode()


def test_the_roster_shows_each_list_with_contact_and_attendance_but_no_nik(client, reference, staff):
    session = TrainingSessionFactory(capacity=2, starts_at=timezone.now() - timedelta(minutes=10))
    here, absent = RegistrationFactory.create_batch(2, session=session)
    first, second = RegistrationFactory.create_batch(2, session=session, status=RegistrationStatus.WAITING)
    gone = RegistrationFactory(session=session, status=RegistrationStatus.CANCELLED, cancelled_at=timezone.now())
    services.attendance_check_in(registration=here, actor=staff)
    client.force_login(staff)
    page = client.get(reverse("trainings:roster", args=[session.pk])).content.decode()
    for registration in (here, absent, first, second, gone):
        business = registration.business
        assert registration.participant_name in page and business.name in page and business.kelurahan.name in page
        assert business.owner.phone in page
        assert f'href="https://wa.me/{business.owner.phone.removeprefix("+")}"' in page  # WhatsApp, not tel:
        assert business.owner.nik not in page
    assert "tel:" not in page
    assert "Urutan ke-2" in page and "Belum hadir" in page and 'value="undo"' in page


def test_the_roster_its_exports_and_a_check_in_decrypt_no_nik(client, reference, staff, monkeypatch):
    from businesses import crypto

    session = TrainingSessionFactory(capacity=5, starts_at=timezone.now() - timedelta(minutes=10))
    registrations = RegistrationFactory.create_batch(3, session=session)
    decrypted = []
    monkeypatch.setattr(crypto, "nik_decrypt", lambda token: decrypted.append(token) or "")
    client.force_login(staff)
    for name in ("trainings:roster", "trainings:roster-xlsx", "trainings:roster-pdf"):
        assert client.get(reverse(name, args=[session.pk])).status_code == 200
    toggle = reverse("trainings:attendance-toggle", args=[registrations[0].pk])
    assert client.post(toggle, HTTP_ACCEPT="application/json").json()["ok"]
    assert decrypted == []


def _count(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def test_the_roster_and_its_exports_keep_their_query_count_from_5_to_200_registrations(client, reference, staff):
    session = TrainingSessionFactory(capacity=150, starts_at=timezone.now() - timedelta(minutes=10))

    def add(n):
        for i in range(n):
            status = RegistrationStatus.CONFIRMED if i % 4 else RegistrationStatus.WAITING
            extra = {"cancelled_at": timezone.now(), "status": RegistrationStatus.CANCELLED} if i % 10 == 9 else {}
            registration = RegistrationFactory(session=session, **{"status": status, **extra})
            if registration.status == RegistrationStatus.CONFIRMED and i % 2:
                Attendance.objects.create(registration=registration, checked_in_by=staff)

    add(5)
    client.force_login(staff)
    urls = [reverse(name, args=[session.pk]) for name in ("trainings:roster", "trainings:roster-xlsx", "trainings:roster-pdf")]
    small = [_count(client, url) for url in urls]
    add(195)
    assert [_count(client, url) for url in urls] == small
    assert small[0] <= 8


# --- Adding a participant ----------------------------------------------------------------------


def test_staff_find_a_verified_business_by_nib_or_name(client, session, staff):
    found = VerifiedBusinessFactory(name="Keripik Sanjai Uni Ros")
    pending = VerifiedBusinessFactory(name="Keripik Sanjai Baru", status=BusinessStatus.PENDING)
    client.force_login(staff)
    url = reverse("trainings:registration-add", args=[session.pk])
    page = client.get(url, {"q": "sanjai"}).content.decode()
    assert found.name in page and pending.name not in page
    assert found.name in client.get(url, {"q": found.nib}).content.decode()
    assert found.name not in client.get(url).content.decode()


def test_staff_add_a_participant_and_the_owner_is_told_once(client, session, verified_business, staff):
    client.force_login(staff)
    url = reverse("trainings:registration-add", args=[session.pk])
    response = client.post(url, {"business": verified_business.pk, "participant_name": "Rina Oktavia"}, follow=True)
    registration = Registration.objects.get(session=session, business=verified_business)
    assert (registration.participant_name, registration.status, registration.created_by) == (
        "Rina Oktavia",
        RegistrationStatus.CONFIRMED,
        staff,
    )
    assert "Terdaftar: Rina Oktavia" in response.content.decode()
    client.post(url, {"business": verified_business.pk, "participant_name": "Rina Oktavia"})
    assert Registration.objects.filter(session=session).count() == 1
    told = Message.objects.filter(key=f"training-added:{registration.pk}")
    assert sorted(told.values_list("channel", flat=True)) == ["email", "whatsapp"]  # once per channel


def test_a_participant_added_to_a_full_session_waits(client, reference, verified_business, staff):
    session = TrainingSessionFactory(capacity=1)
    RegistrationFactory(session=session)
    client.force_login(staff)
    response = client.post(
        reverse("trainings:registration-add", args=[session.pk]), {"business": verified_business.pk}, follow=True
    )
    assert Registration.objects.get(business=verified_business).status == RegistrationStatus.WAITING
    assert "masuk daftar tunggu, urutan ke-1" in response.content.decode()


def test_staff_cannot_add_an_unverified_business(client, session, pending_business, staff):
    client.force_login(staff)
    response = client.post(
        reverse("trainings:registration-add", args=[session.pk]), {"business": pending_business.pk}, follow=True
    )
    assert "terverifikasi" in response.content.decode()
    assert not Registration.objects.exists()


def test_staff_adding_obeys_the_registration_window(client, reference, verified_business, staff):
    started = TrainingSessionFactory(starts_at=timezone.now() - timedelta(minutes=5))
    client.force_login(staff)
    response = client.post(
        reverse("trainings:registration-add", args=[started.pk]), {"business": verified_business.pk}, follow=True
    )
    assert "sudah ditutup" in response.content.decode() and not Registration.objects.exists()


def test_adding_a_business_the_owner_registered_does_not_tell_the_owner_again(session, verified_business, staff):
    own = services.registration_create(session_id=session.pk, business=verified_business, actor=verified_business.owner.user)
    again = services.registration_add_by_staff(session_id=session.pk, business=verified_business, actor=staff)
    assert again == own and not Message.objects.filter(key__startswith="training-added:").exists()


# --- Moving a participant ----------------------------------------------------------------------


@pytest.fixture
def pair(reference):
    topic = TopicFactory()
    here = TrainingSessionFactory(topic=topic, capacity=1)
    there = TrainingSessionFactory(topic=topic, capacity=1, starts_at=timezone.now() + timedelta(days=14))
    return here, there


def test_moving_gives_the_old_seat_to_the_waiting_list_and_tells_the_owner(client, pair, verified_business, staff):
    here, there = pair
    moving = RegistrationFactory(session=here, business=verified_business)
    waiting = RegistrationFactory(session=here, status=RegistrationStatus.WAITING)
    client.force_login(staff)
    page = client.get(reverse("trainings:registration-move", args=[moving.pk])).content.decode()
    assert there.title in page and "sisa 1 tempat" in page
    response = client.post(reverse("trainings:registration-move", args=[moving.pk]), {"to_session": there.pk}, follow=True)
    assert f"dipindahkan ke {there.title}" in response.content.decode()
    moving.refresh_from_db()
    waiting.refresh_from_db()
    moved = Registration.objects.get(session=there, business=verified_business)
    assert moving.status == RegistrationStatus.CANCELLED and moved.status == RegistrationStatus.CONFIRMED
    assert moved.participant_name == moving.participant_name
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert Message.objects.filter(key=f"training-promoted:{waiting.pk}").exists()
    told = Message.objects.filter(key=f"training-moved:{moving.pk}")
    assert told.exists() and there.title in told.first().body
    assert not Message.objects.filter(key=f"training-cancelled-by-owner:{moving.pk}").exists()


def test_moving_to_a_full_session_puts_the_participant_on_its_waiting_list(pair, verified_business, staff):
    here, there = pair
    RegistrationFactory(session=there)
    moving = RegistrationFactory(session=here, business=verified_business)
    moved = services.registration_move(registration=moving, to_session_id=there.pk, actor=staff)
    assert moved.status == RegistrationStatus.WAITING
    assert "daftar tunggu, urutan ke-1" in Message.objects.get(key=f"training-moved:{moving.pk}", channel="whatsapp").body


def test_moving_is_refused_across_topics_twice_or_after_the_start(reference, pair, verified_business, staff):
    here, there = pair
    moving = RegistrationFactory(session=here, business=verified_business)
    elsewhere = TrainingSessionFactory()
    assert "topik yang sama" in _error(
        lambda: services.registration_move(registration=moving, to_session_id=elsewhere.pk, actor=staff)
    )
    assert "sesi lain" in _error(lambda: services.registration_move(registration=moving, to_session_id=here.pk, actor=staff))
    RegistrationFactory(session=there, business=verified_business)
    assert "sudah terdaftar di sesi tujuan" in _error(
        lambda: services.registration_move(registration=moving, to_session_id=there.pk, actor=staff)
    )
    assert Registration.objects.get(pk=moving.pk).status == RegistrationStatus.CONFIRMED
    started = TrainingSessionFactory(topic=here.topic, starts_at=timezone.now() - timedelta(minutes=5))
    late = RegistrationFactory(session=started)
    later = TrainingSessionFactory(topic=here.topic, starts_at=timezone.now() + timedelta(days=30))
    assert "sudah dimulai" in _error(lambda: services.registration_move(registration=late, to_session_id=later.pk, actor=staff))


def test_a_checked_in_participant_is_not_moved(reference, staff):
    topic = TopicFactory()
    soon = TrainingSessionFactory(topic=topic, starts_at=timezone.now() + timedelta(minutes=30))
    later = TrainingSessionFactory(topic=topic, starts_at=timezone.now() + timedelta(days=30))
    registration = RegistrationFactory(session=soon)
    services.attendance_check_in(registration=registration, actor=staff)
    assert "sudah tercatat hadir" in _error(
        lambda: services.registration_move(registration=registration, to_session_id=later.pk, actor=staff)
    )


def test_the_move_form_offers_only_later_sessions_of_the_same_topic(client, pair, staff):
    here, there = pair
    other_topic = TrainingSessionFactory()
    moving = RegistrationFactory(session=here)
    client.force_login(staff)
    response = client.post(reverse("trainings:registration-move", args=[moving.pk]), {"to_session": other_topic.pk})
    assert response.status_code == 200 and other_topic.title not in response.content.decode()
    assert Registration.objects.get(pk=moving.pk).status == RegistrationStatus.CONFIRMED


# --- Exports -----------------------------------------------------------------------------------


def test_cells_that_could_run_as_formulas_are_written_as_text():
    assert cells.text('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for risky in ("+1+1", "-A1", "@SUM(A1)", "\tx"):
        assert cells.text(risky).startswith("'")
    assert cells.text("+6281234567890") == "+6281234567890"
    assert cells.text("Rendang Uni") == "Rendang Uni"


def test_the_excel_export_lists_every_registration_as_text(client, reference, staff):
    session = TrainingSessionFactory(capacity=1)
    sly = RegistrationFactory(session=session, participant_name='=HYPERLINK("http://jahat.example","klik")')
    sly.business.name = "@SUM(A1:A9)"
    sly.business.save()
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    client.force_login(staff)
    response = client.get(reverse("trainings:roster-xlsx", args=[session.pk]))
    assert response["Content-Disposition"].startswith("attachment;") and response["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=6)]
    assert len(rows) == 2
    assert rows[0][3] == '\'=HYPERLINK("http://jahat.example","klik")' and rows[0][4] == "'@SUM(A1:A9)"
    assert rows[0][7] == sly.business.owner.phone
    assert rows[1][3] == waiting.participant_name and rows[1][2] == 1
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_pdf_attendance_sheet_is_a_pdf_with_the_confirmed_participants(client, session, staff, monkeypatch):
    confirmed = RegistrationFactory(session=session, participant_name="Rina Oktavia")
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING, participant_name="Dodi Waiting")
    seen = {}
    import trainings.exports as exports

    original = exports.render_to_string

    def spy(template, context):
        seen["html"] = original(template, context)
        return seen["html"]

    monkeypatch.setattr(exports, "render_to_string", spy)
    client.force_login(staff)
    response = client.get(reverse("trainings:roster-pdf", args=[session.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert confirmed.participant_name in seen["html"] and "Dodi Waiting" not in seen["html"]
    assert "Tanda tangan" in seen["html"] and "size: A4" in seen["html"]
