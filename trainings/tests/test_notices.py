"""Reminders, change notices, feedback requests and closing sessions: what is sent, when, once."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, Message
from trainings import notices, services
from trainings.models import Attendance, Mode, Registration, RegistrationStatus, SessionStatus, TrainingSession

from .factories import RegistrationFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


def _emails(prefix: str) -> list[Message]:
    return list(Message.objects.filter(key__startswith=prefix, channel=Channel.EMAIL).order_by("key"))


@pytest.fixture
def soon(reference):
    """An online session 20 hours from now with two confirmed, one waiting and one cancelled."""
    session = TrainingSessionFactory(
        mode=Mode.ONLINE, venue="", meeting_url="https://meet.example.id/pyk-123", starts_at=timezone.now() + timedelta(hours=20)
    )
    confirmed = RegistrationFactory.create_batch(2, session=session)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    RegistrationFactory(session=session, status=RegistrationStatus.CANCELLED, cancelled_at=timezone.now())
    return session, confirmed


def test_windows_do_not_overlap(settings):
    settings.TRAINING_REMINDER_HOURS = [2, 24, 24]
    assert [(w.hours, w.after) for w in notices.reminder_windows()] == [(24.0, 2.0), (2.0, 0.0)]


def test_the_day_before_reminder_goes_to_confirmed_participants_only_with_link_and_ics(soon, django_capture_on_commit_callbacks):
    session, confirmed = soon
    with django_capture_on_commit_callbacks(execute=True):
        created = notices.reminders_queue()
    reminders = _emails("training-reminder:24h:")
    assert {m.recipient for m in reminders} == {r.business.owner.email for r in confirmed}
    # Email and WhatsApp for each of the two confirmed participants.
    assert created == 4
    message = reminders[0]
    assert "https://meet.example.id/pyk-123" in message.body
    assert message.attachment_name == f"pelatihan-{session.pk}.ics"
    assert "BEGIN:VEVENT" in message.attachment_content and "meet.example.id" in message.attachment_content
    # Sent with the .ics attached.
    sent = [m for m in mail.outbox if m.subject == message.subject]
    assert sent and sent[0].attachments[0][0] == f"pelatihan-{session.pk}.ics"


def test_running_the_reminder_job_twice_queues_nothing_more(soon, django_assert_max_num_queries):
    notices.reminders_queue()
    count = Message.objects.count()
    # Ten, and one that reads which sets of reminder times staff chose for upcoming sessions.
    with django_assert_max_num_queries(11):
        assert notices.reminders_queue() == 0
    assert Message.objects.count() == count


def test_a_session_gets_the_day_before_and_the_two_hour_reminder_each_once(soon):
    session, confirmed = soon
    start = session.starts_at
    for hours_before in (30, 23, 22, 5, 1.5, 1, 0.5):
        notices.reminders_queue(now=start - timedelta(hours=hours_before))
    keys = sorted(m.key.split(":")[1] for m in _emails("training-reminder:"))
    assert keys == ["24h", "24h", "2h", "2h"]


def test_no_reminder_for_a_cancelled_session_or_one_far_away(reference):
    far = TrainingSessionFactory(starts_at=timezone.now() + timedelta(days=3))
    cancelled = TrainingSessionFactory(starts_at=timezone.now() + timedelta(hours=3), status=SessionStatus.CANCELLED)
    RegistrationFactory(session=far)
    RegistrationFactory(session=cancelled)
    assert notices.reminders_queue() == 0


def test_reminder_queries_do_not_grow_with_participants(reference, django_assert_max_num_queries):
    session = TrainingSessionFactory(starts_at=timezone.now() + timedelta(hours=10), capacity=300)
    RegistrationFactory.create_batch(5, session=session)
    with django_assert_max_num_queries(15) as small:
        notices.reminders_queue()
    Message.objects.all().delete()
    RegistrationFactory.create_batch(120, session=session)
    with django_assert_max_num_queries(len(small.captured_queries)):
        notices.reminders_queue()
    assert len(_emails("training-reminder:")) == 125


def test_moving_a_session_in_the_admin_tells_registered_and_waiting_once_and_reminds_again(client, staff, soon):
    session, confirmed = soon
    notices.reminders_queue()
    client.force_login(staff)
    url = reverse("admin:trainings_trainingsession_change", args=[session.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    new_start = timezone.localtime(session.starts_at + timedelta(days=1))
    data.update(
        {
            "starts_at_0": new_start.strftime("%Y-%m-%d"),
            "starts_at_1": new_start.strftime("%H:%M:%S"),
            "ends_at_0": (new_start + timedelta(hours=3)).strftime("%Y-%m-%d"),
            "ends_at_1": (new_start + timedelta(hours=3)).strftime("%H:%M:%S"),
            "registrations-TOTAL_FORMS": "0",
            "registrations-INITIAL_FORMS": "0",
        }
    )
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        data.pop(name, None)
    data.pop("kecamatan", None)
    data.pop("kbli", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    session.refresh_from_db()
    assert session.schedule_version == 2
    changed = _emails("training-changed:")
    assert len(changed) == 3  # two confirmed, one waiting; not the cancelled one
    assert all("berubah" in m.body for m in changed)
    # The link goes only to those with a seat.
    waiting_owner = session.registrations.get(status=RegistrationStatus.WAITING).business.owner.email
    assert all(("meet.example.id" in m.body) == (m.recipient != waiting_owner) for m in changed)
    # Saving again without touching the time tells nobody anything more.
    client.post(url, {**data, "title": session.title + " (revisi)"})
    assert len(_emails("training-changed:")) == 3
    # The reminder for the new time is due again when the new day comes.
    notices.reminders_queue(now=session.starts_at - timedelta(hours=20))
    assert len(_emails("training-reminder:24h:")) == 4


def _admin_form_data(client, session) -> tuple[str, dict]:
    """The session's admin change page and what its form posts back unchanged."""
    url = reverse("admin:trainings_trainingsession_change", args=[session.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for name in ("starts_at", "ends_at"):
        moment = timezone.localtime(getattr(session, name))
        data[f"{name}_0"], data[f"{name}_1"] = moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")
        data.pop(name)
    for name in ("registration_opens_at", "registration_closes_at", "kecamatan", "kbli"):
        data.pop(name, None)
    data.update({"registrations-TOTAL_FORMS": "0", "registrations-INITIAL_FORMS": "0"})
    return url, data


def test_raising_the_capacity_in_the_admin_promotes_the_waiting_list(client, staff, reference):
    session = TrainingSessionFactory(capacity=1)
    RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    client.force_login(staff)
    url, data = _admin_form_data(client, session)
    assert client.post(url, {**data, "capacity": "2"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert _emails(f"training-promoted:{waiting.pk}")


def test_lowering_the_capacity_below_the_confirmed_seats_is_refused_in_the_admin(client, staff, reference):
    session = TrainingSessionFactory(capacity=3)
    RegistrationFactory.create_batch(2, session=session)
    client.force_login(staff)
    url, data = _admin_form_data(client, session)
    response = client.post(url, {**data, "capacity": "1"})
    assert response.status_code == 200
    assert "Kapasitas tidak bisa kurang dari 2 peserta" in response.content.decode()
    session.refresh_from_db()
    assert session.capacity == 3
    # Down to exactly the confirmed seats is allowed.
    assert client.post(url, {**data, "capacity": "2"}).status_code == 302
    session.refresh_from_db()
    assert session.capacity == 2


def test_a_seat_taken_between_the_form_and_the_save_refuses_the_lower_capacity(client, staff, reference):
    # The form saw one confirmed seat; by the save a second one is confirmed: session_save, under
    # the lock, refuses, the admin's transaction rolls back and staff are told why.
    session = TrainingSessionFactory(capacity=3)
    RegistrationFactory(session=session)
    client.force_login(staff)
    url, data = _admin_form_data(client, session)
    form_check = services.session_capacity_check

    def seat_taken_meanwhile(**kwargs):
        form_check(**kwargs)
        if not Registration.objects.filter(session=session).count() > 1:
            RegistrationFactory(session=session)

    with mock.patch.object(services, "session_capacity_check", seat_taken_meanwhile):
        response = client.post(url, {**data, "capacity": "1", "title": "Judul baru"}, follow=True)
    assert response.status_code == 200
    assert "Kapasitas tidak bisa kurang dari 2 peserta" in response.content.decode()
    session.refresh_from_db()
    assert (session.capacity, session.title) != (1, "Judul baru") and session.capacity == 3


def test_the_service_refuses_a_capacity_below_the_confirmed_seats(reference):
    session = TrainingSessionFactory(capacity=2)
    RegistrationFactory.create_batch(2, session=session)
    session.capacity = 1
    with pytest.raises(ValidationError) as refused:
        services.session_save(session=session, changed_fields=["capacity"])
    assert refused.value.message_dict["capacity"] == [
        "Kapasitas tidak bisa kurang dari 2 peserta yang sudah mendapat tempat. Batalkan atau pindahkan peserta lebih dulu."
    ]
    assert TrainingSession.objects.get(pk=session.pk).capacity == 2


def test_finished_sessions_are_closed_and_attendees_asked_for_feedback_once(reference):
    session = TrainingSessionFactory(starts_at=timezone.now() - timedelta(hours=4), ends_at=timezone.now() - timedelta(hours=1))
    attended, absent = RegistrationFactory.create_batch(2, session=session)
    Attendance.objects.create(registration=attended)
    future = TrainingSessionFactory()
    assert notices.sessions_finish() == [session.pk]
    assert notices.sessions_finish() == []
    session.refresh_from_db()
    assert session.status == SessionStatus.FINISHED and session.finished_at
    assert TrainingSession.objects.get(pk=future.pk).status == SessionStatus.PUBLISHED
    assert notices.feedback_requests_queue() == 2  # email and WhatsApp to the one attendee
    assert notices.feedback_requests_queue() == 0
    [request] = _emails("training-feedback:")
    assert request.recipient == attended.business.owner.email
    assert reverse("trainings:feedback", args=[attended.pk]) in request.body
    assert notices.sessions_needing_certificates() == [session.pk]


# --- Reminder times chosen per session --------------------------------------------------------


@pytest.mark.parametrize(("typed", "stored"), [("48, 2", "48, 2"), ("2;48", "48, 2"), (" 72 ,72, 1.5 ", "72, 1.5"), ("", "")])
def test_staff_write_a_sessions_reminder_times_in_hours(reference, typed, stored):
    session = TrainingSessionFactory.build(reminder_hours=typed)
    session.clean()
    assert session.reminder_hours == stored


@pytest.mark.parametrize("typed", ["besok", "0", "200", "48, 24, 12, 6, 2", "٤٨"])
def test_impossible_reminder_times_are_refused_in_indonesian(reference, typed):
    from django.core.exceptions import ValidationError

    session = TrainingSessionFactory.build(reminder_hours=typed)
    with pytest.raises(ValidationError) as refused:
        session.clean()
    assert "jam sebelum mulai dipisah koma" in str(refused.value.message_dict["reminder_hours"])


def test_a_session_with_its_own_times_is_reminded_at_those_times_only(reference):
    # Two days and one hour before, instead of the portal's 24 and 2 hours.
    now = timezone.now()
    own = TrainingSessionFactory(starts_at=now + timedelta(hours=40), reminder_hours="48, 1")
    usual = TrainingSessionFactory(starts_at=now + timedelta(hours=40))
    mine, other = RegistrationFactory(session=own), RegistrationFactory(session=usual)
    notices.reminders_queue(now=now)
    assert {m.key.rsplit(":", 2)[0] for m in _emails("training-reminder:")} == {"training-reminder:48h"}
    assert _emails("training-reminder:48h:")[0].recipient == mine.business.owner.email
    # 39.5 hours later: its one-hour reminder, while the usual session got its 24 and 2 hours.
    later = now + timedelta(hours=39, minutes=30)
    notices.reminders_queue(now=now + timedelta(hours=20))
    notices.reminders_queue(now=later)
    keys = {m.key.rsplit(":", 2)[0] + ":" + m.key.split(":")[2] for m in _emails("training-reminder:")}
    assert keys == {
        f"training-reminder:48h:{mine.pk}",
        f"training-reminder:1h:{mine.pk}",
        f"training-reminder:24h:{other.pk}",
        f"training-reminder:2h:{other.pk}",
    }


def test_staff_see_in_the_admin_which_reminders_went_to_whom(client, reference, staff):
    session = TrainingSessionFactory(starts_at=timezone.now() + timedelta(hours=20))
    registration = RegistrationFactory(session=session)
    page = client
    page.force_login(staff)
    url = reverse("admin:trainings_trainingsession_change", args=[session.pk])
    assert "Belum ada pengingat yang dikirim." in page.get(url).content.decode()
    notices.reminders_queue()
    body = page.get(url).content.decode()
    assert registration.business.owner.email in body and "24h" in body
