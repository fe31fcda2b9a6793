"""Pages as people use them: who may see and do what, and what they are told."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from trainings.models import Mode, Registration, RegistrationStatus, SessionStatus

from .factories import RegistrationFactory, TrainingSessionFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db


def test_anonymous_sees_the_catalogue_the_session_page_and_the_calendars(client, session):
    assert session.title in client.get(reverse("trainings:catalogue")).content.decode()
    page = client.get(reverse("trainings:session-detail", args=[session.pk])).content.decode()
    assert "Sisa tempat" in page and "Masuk untuk mendaftar" in page
    for url in (reverse("trainings:feed"), reverse("trainings:session-ics", args=[session.pk])):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")


def test_drafts_are_hidden_from_the_public_but_staff_may_preview(client, reference, staff):
    draft = TrainingSessionFactory(status=SessionStatus.DRAFT)
    assert draft.title not in client.get(reverse("trainings:catalogue")).content.decode()
    assert client.get(reverse("trainings:session-detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("trainings:session-ics", args=[draft.pk])).status_code == 404
    client.force_login(staff)
    assert client.get(reverse("trainings:session-detail", args=[draft.pk])).status_code == 200


def test_catalogue_filters_by_topic_month_and_mode(client, reference):
    soon = TrainingSessionFactory(title="Foto produk", starts_at=timezone.now() + timedelta(days=2))
    later = TrainingSessionFactory(
        title="Jualan daring", mode=Mode.ONLINE, venue="", meeting_url="https://meet.example/abc",
        starts_at=timezone.now() + timedelta(days=70),
    )  # fmt: skip
    url = reverse("trainings:catalogue")
    assert "Jualan daring" in client.get(url, {"mode": "online"}).content.decode()
    assert "Foto produk" not in client.get(url, {"mode": "online"}).content.decode()
    month = timezone.localtime(later.starts_at).strftime("%Y-%m")
    body = client.get(url, {"month": month}).content.decode()
    assert "Jualan daring" in body and "Foto produk" not in body
    body = client.get(url, {"topic": soon.topic.pk}).content.decode()
    assert "Foto produk" in body and "Jualan daring" not in body
    # The public never sees the meeting link.
    assert "meet.example" not in client.get(reverse("trainings:session-detail", args=[later.pk])).content.decode()
    assert "meet.example" not in client.get(reverse("trainings:feed")).content.decode()


@pytest.mark.parametrize("name", ["trainings:register", "trainings:cancel"])
def test_register_and_cancel_send_anonymous_users_to_sign_in(client, session, name):
    response = client.post(reverse(name, args=[session.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_mine_sends_anonymous_users_to_sign_in(client, reference):
    response = client.get(reverse("trainings:mine"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("who", ["staff", "official"])
def test_staff_and_officials_cannot_register_cancel_or_have_mine(client, session, request, who):
    client.force_login(request.getfixturevalue(who))
    registration = RegistrationFactory(session=session)
    assert client.post(reverse("trainings:register", args=[session.pk])).status_code == 403
    assert client.post(reverse("trainings:cancel", args=[registration.pk])).status_code == 403
    assert client.get(reverse("trainings:mine")).status_code == 403


def test_an_owner_registers_in_one_step_and_is_told_the_result(client, reference, verified_business):
    session = TrainingSessionFactory(capacity=1)
    RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    client.force_login(verified_business.owner.user)
    response = client.post(reverse("trainings:register", args=[session.pk]), {"business": verified_business.pk}, follow=True)
    assert "Masuk daftar tunggu, urutan ke-2" in response.content.decode()
    other = TrainingSessionFactory()
    response = client.post(reverse("trainings:register", args=[other.pk]), {"business": verified_business.pk}, follow=True)
    assert "Terdaftar" in response.content.decode()
    assert Registration.objects.filter(business=verified_business).count() == 2


def test_an_owner_of_several_verified_businesses_chooses_which_registers(client, session, owner):
    first, second = VerifiedBusinessFactory(owner=owner), VerifiedBusinessFactory(owner=owner)
    client.force_login(owner.user)
    page = client.get(reverse("trainings:session-detail", args=[session.pk])).content.decode()
    assert '<select class="form-select mb-2" name="business"' in page and first.name in page and second.name in page
    client.post(reverse("trainings:register", args=[session.pk]), {"business": second.pk})
    assert Registration.objects.get().business == second


def test_an_owner_cannot_register_someone_elses_business(client, session, verified_business):
    stranger = VerifiedBusinessFactory()
    client.force_login(verified_business.owner.user)
    response = client.post(reverse("trainings:register", args=[session.pk]), {"business": stranger.pk}, follow=True)
    assert "Pilih salah satu usaha Anda" in response.content.decode()
    assert not Registration.objects.exists()


@pytest.mark.parametrize("posted", ["own", "junk"])
def test_registering_for_a_draft_session_is_a_404_and_writes_nothing(client, reference, verified_business, posted):
    draft = TrainingSessionFactory(status=SessionStatus.DRAFT)
    client.force_login(verified_business.owner.user)
    business = verified_business.pk if posted == "own" else "satu"
    assert client.post(reverse("trainings:register", args=[draft.pk]), {"business": business}).status_code == 404
    assert client.post(reverse("trainings:register", args=[draft.pk + 1000]), {"business": business}).status_code == 404
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    ("posted", "told"),
    [
        ("", "Pilih usaha yang akan didaftarkan."),
        ("12a", "Pilih usaha yang akan didaftarkan."),
        ("\u0661", "Pilih usaha yang akan didaftarkan."),  # an Arabic-Indic one: a digit, not an id
        ("99999999999999999999", "Pilih usaha yang akan didaftarkan."),
        ("pending", "Pilih salah satu usaha Anda yang sudah terverifikasi."),
        ("missing", "Pilih salah satu usaha Anda yang sudah terverifikasi."),
    ],
)
def test_a_registration_without_one_of_the_owners_verified_businesses_is_told_and_writes_nothing(
    client, session, owner, pending_business, posted, told
):
    VerifiedBusinessFactory(owner=owner)
    pending = pending_business
    value = {"pending": str(pending.pk), "missing": str(pending.pk + 1000)}.get(posted, posted)
    client.force_login(owner.user)
    response = client.post(reverse("trainings:register", args=[session.pk]), {"business": value}, follow=True)
    assert told in response.content.decode()
    assert not Registration.objects.exists()


def test_an_unverified_business_is_told_why(client, session, pending_business):
    client.force_login(pending_business.owner.user)
    page = client.get(reverse("trainings:session-detail", args=[session.pk])).content.decode()
    assert "hanya untuk usaha yang sudah diverifikasi" in page


def test_an_owner_cancels_their_registration_but_not_anothers(client, session, verified_business):
    mine = RegistrationFactory(session=session, business=verified_business)
    theirs = RegistrationFactory(session=session)
    client.force_login(verified_business.owner.user)
    assert client.post(reverse("trainings:cancel", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("trainings:cancel", args=[mine.pk]), {"next": "https://jahat.example/"})
    # To the page that offers the undo, which leads back to the session, never off the site.
    back = reverse("trainings:session-detail", args=[session.pk])
    assert response["Location"] == reverse("trainings:cancel", args=[mine.pk]) + "?" + urlencode({"next": back})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("cancelled", "confirmed")


def test_the_meeting_link_is_shown_to_a_confirmed_participant_only(client, reference, verified_business):
    session = TrainingSessionFactory(mode=Mode.ONLINE, venue="", meeting_url="https://meet.example/rahasia")
    client.force_login(verified_business.owner.user)
    assert "meet.example" not in client.get(reverse("trainings:session-detail", args=[session.pk])).content.decode()
    RegistrationFactory(session=session, business=verified_business)
    assert "meet.example/rahasia" in client.get(reverse("trainings:session-detail", args=[session.pk])).content.decode()
    assert "meet.example/rahasia" in client.get(reverse("trainings:session-ics", args=[session.pk])).content.decode()


def test_mine_lists_upcoming_waiting_with_position_and_past(client, reference, verified_business):
    upcoming = RegistrationFactory(business=verified_business)
    full = TrainingSessionFactory(capacity=1, title="Sesi penuh")
    RegistrationFactory(session=full)
    RegistrationFactory(session=full, status=RegistrationStatus.WAITING)
    RegistrationFactory(session=full, business=verified_business, status=RegistrationStatus.WAITING)
    start = timezone.now() - timedelta(days=3)
    past = RegistrationFactory(business=verified_business, session__starts_at=start, session__title="Sesi lalu")
    client.force_login(verified_business.owner.user)
    response = client.get(reverse("trainings:mine"))
    mine = response.context["mine"]
    assert [r.pk for r in mine["upcoming"]] == [upcoming.pk]
    assert [r.waiting_position for r in mine["waiting"]] == [2]
    assert [r.pk for r in mine["past"]] == [past.pk]
    assert "urutan ke-2" in response.content.decode()


def test_staff_manage_sessions_in_the_admin_and_publish_them(client, reference, staff):
    draft = TrainingSessionFactory(status=SessionStatus.DRAFT)
    RegistrationFactory(session=TrainingSessionFactory())
    client.force_login(staff)
    assert client.get(reverse("admin:trainings_trainingsession_changelist")).status_code == 200
    assert client.get(reverse("admin:trainings_trainingsession_change", args=[draft.pk])).status_code == 200
    response = client.post(
        reverse("admin:trainings_trainingsession_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == SessionStatus.PUBLISHED


def test_registrations_and_cancellations_of_one_owner_are_rate_limited(client, reference, verified_business, settings):
    settings.RATELIMIT_TRAINING_REGISTRATION = "2/h"
    session = TrainingSessionFactory()
    client.force_login(verified_business.owner.user)
    client.post(reverse("trainings:register", args=[session.pk]), {"business": verified_business.pk})
    registration = Registration.objects.get(business=verified_business)
    client.post(reverse("trainings:cancel", args=[registration.pk]))
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CANCELLED

    response = client.post(reverse("trainings:register", args=[session.pk]), {"business": verified_business.pk}, follow=True)
    assert "Terlalu banyak pendaftaran dan pembatalan" in response.content.decode()
    assert Registration.objects.filter(business=verified_business).count() == 1  # nothing new
    # Another owner is not affected.
    other = VerifiedBusinessFactory()
    client.force_login(other.owner.user)
    client.post(reverse("trainings:register", args=[session.pk]), {"business": other.pk})
    assert Registration.objects.filter(business=other).exists()


def test_cancelling_asks_first_and_changes_nothing_until_confirmed(client, session, verified_business):
    registration = RegistrationFactory(session=session, business=verified_business)
    client.force_login(verified_business.owner.user)
    page = client.get(reverse("trainings:session-detail", args=[session.pk])).content.decode()
    cancel = reverse("trainings:cancel", args=[registration.pk])
    assert f'href="{cancel}"' in page and f'action="{cancel}"' not in page  # a link to the question, not a one-tap form
    question = client.get(cancel).content.decode()
    assert "Batalkan pendaftaran?" in question and "Ya, batalkan pendaftaran" in question and session.title in question
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_a_cancellation_is_undone_while_the_seat_is_still_free(client, reference, verified_business):
    session = TrainingSessionFactory(capacity=1)
    registration = RegistrationFactory(session=session, business=verified_business)
    client.force_login(verified_business.owner.user)
    page = client.post(reverse("trainings:cancel", args=[registration.pk]), follow=True).content.decode()
    assert "Pendaftaran dibatalkan" in page and "Urungkan pembatalan" in page
    response = client.post(reverse("trainings:restore", args=[registration.pk]), follow=True)
    assert "Pembatalan diurungkan" in response.content.decode()
    registration.refresh_from_db()
    assert (registration.status, registration.cancelled_at) == (RegistrationStatus.CONFIRMED, None)


def test_no_undo_once_the_seat_went_to_the_waiting_list(client, reference, verified_business):
    session = TrainingSessionFactory(capacity=1)
    registration = RegistrationFactory(session=session, business=verified_business)
    waiting = RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    client.force_login(verified_business.owner.user)
    page = client.post(reverse("trainings:cancel", args=[registration.pk]), follow=True).content.decode()
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED  # the seat went to the first in line at once
    assert "Urungkan pembatalan" not in page and "sudah tidak dapat dikembalikan" in page
    page = client.post(reverse("trainings:restore", args=[registration.pk]), follow=True).content.decode()
    assert "Tempatnya sudah diisi peserta lain" in page
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert session.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 1


def test_an_owner_cannot_undo_another_owner_s_cancellation(client, session, verified_business):
    theirs = RegistrationFactory(session=session, status=RegistrationStatus.CANCELLED, cancelled_at=timezone.now())
    client.force_login(verified_business.owner.user)
    assert client.post(reverse("trainings:restore", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("trainings:cancel", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == RegistrationStatus.CANCELLED
