"""Feedback: who may rate a session and when, one per registration with a two-week edit window,
the form the owner uses, and the summaries staff and officials read, at a constant query cost."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from trainings import selectors, services
from trainings.models import Attendance, Feedback, RegistrationStatus, SessionStatus

from .factories import RegistrationFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


def _error(callable_):
    with pytest.raises(ValidationError) as caught:
        callable_()
    return " ".join(caught.value.messages)


def _past_session(**kwargs):
    starts = kwargs.pop("starts_at", timezone.now() - timedelta(days=1, hours=4))
    return TrainingSessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), status=SessionStatus.FINISHED, **kwargs)


def _attendee(session, staff, **kwargs):
    registration = RegistrationFactory(session=session, **kwargs)
    Attendance.objects.create(registration=registration, checked_in_by=staff)
    return registration


def _submit(registration, rating=4, comment="Bermanfaat", user=None):
    return services.feedback_submit(
        registration=registration, actor=user or registration.business.owner.user, rating=rating, comment=comment
    )


def _rate(session, staff, *ratings, comment=""):
    for rating in ratings:
        _submit(_attendee(session, staff), rating=rating, comment=comment)


# --- the rules -----------------------------------------------------------------------------


def test_an_attendee_rates_a_finished_session(staff):
    registration = _attendee(_past_session(), staff)
    feedback = _submit(registration, rating=5, comment="  Materinya langsung bisa dipakai.  ")
    assert (feedback.rating, feedback.comment) == (5, "Materinya langsung bisa dipakai.")
    assert Feedback.objects.get().registration_id == registration.pk


def test_a_participant_who_did_not_attend_is_refused(staff):
    session = _past_session()
    absent = RegistrationFactory(session=session)
    assert "tercatat hadir" in _error(lambda: _submit(absent))
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    assert "tercatat hadir" in _error(lambda: _submit(waiting))
    assert not Feedback.objects.exists()


def test_no_feedback_before_the_session_ends_or_for_a_cancelled_session(staff):
    running = TrainingSessionFactory(starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=2))
    assert "sesudah pelatihan selesai" in _error(lambda: _submit(_attendee(running, staff)))
    cancelled = _past_session()
    registration = _attendee(cancelled, staff)
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    assert "dibatalkan" in _error(lambda: _submit(registration))


@pytest.mark.parametrize("rating", [0, 6, -1, "", None, "lima"])
def test_a_rating_outside_1_to_5_gets_a_clear_message(staff, rating):
    registration = _attendee(_past_session(), staff)
    assert _error(lambda: _submit(registration, rating=rating)) == "Nilai harus antara 1 dan 5."
    assert not Feedback.objects.exists()


def test_a_comment_longer_than_2000_characters_is_refused(staff):
    registration = _attendee(_past_session(), staff)
    assert "2000" in _error(lambda: _submit(registration, comment="a" * 2001))


def test_only_the_owner_of_the_business_may_send_it(staff, other_pending_business):
    registration = _attendee(_past_session(), staff)
    assert "pemilik usaha" in _error(lambda: _submit(registration, user=other_pending_business.owner.user))
    assert "pemilik usaha" in _error(lambda: _submit(registration, user=staff))


def test_one_feedback_per_registration_sending_again_edits_it(staff):
    registration = _attendee(_past_session(), staff)
    first = _submit(registration, rating=2, comment="Terlalu cepat")
    second = _submit(registration, rating=4, comment="Setelah dipraktikkan, ternyata berguna")
    assert Feedback.objects.count() == 1
    assert second.pk == first.pk
    stored = Feedback.objects.get()
    assert (stored.rating, stored.comment, stored.created_at) == (4, "Setelah dipraktikkan, ternyata berguna", first.created_at)


def test_feedback_can_be_edited_for_14_days_only(staff):
    registration = _attendee(_past_session(), staff)
    _submit(registration, rating=3)
    Feedback.objects.update(created_at=timezone.now() - timedelta(days=13, hours=23))
    _submit(registration, rating=4)
    Feedback.objects.update(created_at=timezone.now() - timedelta(days=14, minutes=1))
    assert "14 hari" in _error(lambda: _submit(registration, rating=1))
    assert Feedback.objects.get().rating == 4


# --- the owner's form ----------------------------------------------------------------------


def test_the_owner_sends_feedback_through_the_form(client, staff, verified_business):
    registration = _attendee(_past_session(), staff, business=verified_business)
    client.force_login(verified_business.owner.user)
    url = reverse("trainings:feedback", args=[registration.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Kirim umpan balik" in page.content.decode()
    response = client.post(url, {"rating": "5", "comment": "Mantap"})
    assert response.status_code == 302 and response["Location"] == reverse("trainings:mine")
    assert Feedback.objects.get(registration=registration).rating == 5
    # Back on the page: the form holds what was sent, to change it.
    html = client.get(url).content.decode()
    assert "Simpan perubahan" in html and "Mantap" in html


@pytest.mark.parametrize("rating", ["0", "6", ""])
def test_the_form_explains_a_wrong_rating(client, staff, verified_business, rating):
    registration = _attendee(_past_session(), staff, business=verified_business)
    client.force_login(verified_business.owner.user)
    response = client.post(reverse("trainings:feedback", args=[registration.pk]), {"rating": rating})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nilai harus antara 1 dan 5." in html or "Pilih nilai 1 sampai 5." in html
    assert not Feedback.objects.exists()


def test_the_form_tells_a_participant_who_did_not_attend_why_there_is_no_form(client, verified_business):
    registration = RegistrationFactory(session=_past_session(), business=verified_business)
    client.force_login(verified_business.owner.user)
    url = reverse("trainings:feedback", args=[registration.pk])
    html = client.get(url).content.decode()
    assert "tercatat hadir" in html and "<textarea" not in html
    client.post(url, {"rating": "5"})
    assert not Feedback.objects.exists()


def test_other_owners_get_404_and_staff_403_on_the_form(client, staff, other_pending_business, official):
    registration = _attendee(_past_session(), staff)
    url = reverse("trainings:feedback", args=[registration.pk])
    assert reverse("accounts:login") in client.get(url)["Location"]
    client.force_login(other_pending_business.owner.user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"rating": "1"}).status_code == 404
    for user in (staff, official):
        client.force_login(user)
        assert client.get(url).status_code == 403
    assert not Feedback.objects.exists()


def test_pelatihan_saya_links_feedback_for_attended_past_sessions(client, staff, verified_business):
    attended = _attendee(_past_session(), staff, business=verified_business)
    rated = _attendee(_past_session(), staff, business=verified_business)
    _submit(rated, rating=4)
    absent = RegistrationFactory(session=_past_session(), business=verified_business)
    client.force_login(verified_business.owner.user)
    html = client.get(reverse("trainings:mine")).content.decode()
    assert reverse("trainings:feedback", args=[attended.pk]) in html
    assert "Beri umpan balik" in html
    assert "Nilai Anda: 4 dari 5" in html
    assert reverse("trainings:feedback", args=[absent.pk]) not in html


# --- summaries -----------------------------------------------------------------------------


def test_the_session_summary_counts_averages_and_distributes(staff):
    session = _past_session()
    _rate(session, staff, 5, 5, 4, 2)
    _attendee(session, staff)  # came, did not answer
    RegistrationFactory(session=session)  # did not come
    other = _past_session()
    _rate(other, staff, 1)

    row = selectors.feedback_by_session().get(pk=session.pk)
    assert (row.attendees, row.responses) == (5, 4)
    assert row.average == pytest.approx(4.0)
    assert [getattr(row, f"rated_{n}") for n in range(1, 6)] == [0, 1, 0, 1, 2]


def test_the_summary_leaves_out_sessions_not_held_or_without_attendees(staff):
    _rate(_past_session(), staff, 3)
    RegistrationFactory(session=_past_session())  # nobody checked in
    cancelled = _past_session()
    _attendee(cancelled, staff)
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    TrainingSessionFactory()  # still to come
    assert selectors.feedback_by_session().count() == 1


def test_the_trainer_summary_counts_sessions_responses_and_average(staff):
    rina_1 = _past_session(trainer="Uni Rina")
    _rate(rina_1, staff, 5, 4)
    rina_2 = _past_session(trainer="Uni Rina")
    _rate(rina_2, staff, 3)
    _attendee(_past_session(trainer="Uni Rina"), staff)  # held, no answers yet
    _rate(_past_session(trainer="Uda Rahmat"), staff, 2)

    trainers = {row["trainer"]: row for row in selectors.feedback_by_trainer()}
    assert (trainers["Uni Rina"]["sessions"], trainers["Uni Rina"]["responses"]) == (3, 3)
    assert trainers["Uni Rina"]["average"] == pytest.approx(4.0)
    assert (trainers["Uda Rahmat"]["sessions"], trainers["Uda Rahmat"]["responses"]) == (1, 1)
    assert trainers["Uda Rahmat"]["average"] == pytest.approx(2.0)


def test_staff_read_every_summary_and_the_comments_without_names(client, staff):
    session = _past_session(title="Pembukuan sederhana")
    registration = _attendee(session, staff, participant_name="Nama Rahasia")
    _submit(registration, rating=2, comment="Contohnya kurang dekat dengan usaha kami")
    client.force_login(staff)
    html = client.get(reverse("trainings:feedback-summary")).content.decode()
    assert "Pembukuan sederhana" in html and "Per pelatih" in html
    detail = client.get(reverse("trainings:feedback-session", args=[session.pk])).content.decode()
    assert "Contohnya kurang dekat dengan usaha kami" in detail
    assert "Nama Rahasia" not in detail and registration.business.name not in detail


def test_officials_read_the_trainer_summary_only(client, staff, official):
    session = _past_session(title="Pembukuan sederhana", trainer="Uni Rina")
    _rate(session, staff, 4, comment="Komentar untuk staf")
    client.force_login(official)
    response = client.get(reverse("trainings:feedback-summary"))
    html = response.content.decode()
    assert response.status_code == 200 and "Uni Rina" in html
    assert "Pembukuan sederhana" not in html and "Komentar untuk staf" not in html
    assert client.get(reverse("trainings:feedback-session", args=[session.pk])).status_code == 403


def test_owners_and_anonymous_users_cannot_read_summaries(client, staff, verified_business):
    session = _past_session()
    _rate(session, staff, 4)
    urls = [reverse("trainings:feedback-summary"), reverse("trainings:feedback-session", args=[session.pk])]
    for url in urls:
        assert reverse("accounts:login") in client.get(url)["Location"]
    client.force_login(verified_business.owner.user)
    for url in urls:
        assert client.get(url).status_code == 403


def test_a_session_not_held_has_no_feedback_page(client, staff):
    client.force_login(staff)
    assert client.get(reverse("trainings:feedback-session", args=[TrainingSessionFactory().pk])).status_code == 404


def _count(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize("who", ["staff", "official"])
def test_the_summary_keeps_its_query_count_from_2_to_30_sessions(client, staff, official, who):
    client.force_login(staff if who == "staff" else official)
    for _ in range(2):
        _rate(_past_session(), staff, 4, 5)
    url = reverse("trainings:feedback-summary")
    small = _count(client, url)
    for index in range(28):
        _rate(_past_session(trainer=f"Pelatih {index % 5}"), staff, 1 + index % 5, 3)
    assert _count(client, url) == small
    assert _count(client, url + "?page=2") == small


def test_the_session_page_keeps_its_query_count_from_2_to_40_responses(client, staff):
    client.force_login(staff)
    session = _past_session()
    _rate(session, staff, 4, 5, comment="Bagus")
    url = reverse("trainings:feedback-session", args=[session.pk])
    small = _count(client, url)
    _rate(session, staff, *[1 + i % 5 for i in range(38)], comment="Lumayan")
    assert _count(client, url) == small
