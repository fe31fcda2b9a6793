"""Registering, the waiting list and cancelling, through the services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from businesses.models import BusinessStatus, Kbli, Kecamatan
from notifications.models import Message
from trainings import selectors, services
from trainings.models import Registration, RegistrationStatus, SessionStatus, Topic

from .factories import RegistrationFactory, TrainingSessionFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db


def _register(session, business):
    return services.registration_create(session_id=session.pk, business=business, actor=business.owner.user)


def _message(callable_):
    with pytest.raises(ValidationError) as caught:
        callable_()
    return " ".join(caught.value.messages)


def test_the_three_programme_topics_are_seeded():
    assert set(Topic.objects.values_list("name", flat=True)) >= {
        "Pemasaran online (marketplace dan media sosial)",
        "Proses produksi dengan protokol kesehatan",
        "Strategi usaha baru",
    }


def test_a_verified_business_is_confirmed_while_seats_are_left(session, verified_business):
    registration = _register(session, verified_business)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.participant_name == verified_business.owner.name


def test_registration_is_waitlisted_when_session_is_full(reference):
    session = TrainingSessionFactory(capacity=2)
    results = [_register(session, VerifiedBusinessFactory()) for _ in range(5)]
    assert [r.status for r in results] == ["confirmed", "confirmed", "waiting", "waiting", "waiting"]
    assert [selectors.registration_waiting_position(r) for r in results] == [None, None, 1, 2, 3]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status": SessionStatus.DRAFT}, "tidak sedang dibuka untuk pendaftaran"),
        ({"status": SessionStatus.CANCELLED}, "tidak sedang dibuka untuk pendaftaran"),
        ({"registration_opens_at": "future"}, "Pendaftaran baru dibuka"),
        ({"registration_closes_at": "past"}, "Pendaftaran pelatihan ini sudah ditutup"),
    ],
)
def test_registration_outside_the_window_or_unpublished_is_refused(reference, verified_business, change, expected):
    now = timezone.now()
    values = {"future": now + timedelta(days=1), "past": now - timedelta(hours=1)}
    session = TrainingSessionFactory(**{k: values.get(v, v) for k, v in change.items()})
    if "registration_closes_at" in change:
        session.registration_opens_at = now - timedelta(days=2)
        session.save()
    assert expected in _message(lambda: _register(session, verified_business))
    assert not Registration.objects.exists()


@pytest.mark.parametrize("status", [BusinessStatus.PENDING, BusinessStatus.REJECTED, BusinessStatus.INACTIVE])
def test_only_verified_businesses_may_register(session, pending_business, status):
    pending_business.status = status
    pending_business.rejection_reason = "Data tidak lengkap"
    pending_business.save()
    assert "belum terverifikasi" in _message(lambda: _register(session, pending_business))


def test_kecamatan_and_kbli_limits_are_enforced_with_their_names(session, verified_business):
    elsewhere = Kecamatan.objects.exclude(pk=verified_business.kelurahan.kecamatan_id).first()
    session.kecamatan.set([elsewhere])
    assert f"hanya untuk usaha di kecamatan {elsewhere.name}" in _message(lambda: _register(session, verified_business))
    session.kecamatan.set([verified_business.kelurahan.kecamatan])
    other_kbli = Kbli.objects.exclude(pk=verified_business.kbli_id).first()
    session.kbli.set([other_kbli])
    assert f"hanya untuk usaha dengan KBLI {other_kbli.code}" in _message(lambda: _register(session, verified_business))
    session.kbli.add(verified_business.kbli)
    assert _register(session, verified_business).status == RegistrationStatus.CONFIRMED


def _context_rows(session_id: int, business_id: int, plain: bool) -> list[tuple]:
    from trainings.models import TrainingSession

    sql, params = services._context_query(session_id, business_id, plain=plain)
    fields = [f.attname for f in TrainingSession._meta.concrete_fields]
    return [
        tuple(getattr(row, name) for name in (*fields, *services._CONTEXT_COLUMNS))
        for row in TrainingSession.objects.raw(sql, params)
    ]


def test_the_context_function_reads_what_its_query_reads(session, verified_business):
    """Migration 0009's function against the query it keeps the plan of (services._context_query),
    row by row and column by column, through the cases the service tells apart."""
    session.max_participants_per_business = 3
    session.save()
    cases = []
    for slot, status in ((1, RegistrationStatus.CONFIRMED), (2, RegistrationStatus.CANCELLED), (2, RegistrationStatus.WAITING)):
        cancelled_at = timezone.now() if status == RegistrationStatus.CANCELLED else None
        RegistrationFactory(session=session, business=verified_business, slot=slot, status=status, cancelled_at=cancelled_at)
        cases.append((session.pk, verified_business.pk))
    elsewhere = Kecamatan.objects.exclude(pk=verified_business.kelurahan.kecamatan_id).first()
    session.kecamatan.set([elsewhere])
    session.kbli.set([verified_business.kbli])
    cases += [
        (session.pk, verified_business.pk),
        (session.pk, verified_business.pk + 1000),
        (session.pk + 1000, verified_business.pk),
    ]
    cases.append((TrainingSessionFactory().pk, verified_business.pk))
    for case in cases:
        assert _context_rows(*case, plain=False) == _context_rows(*case, plain=True)
    both = _context_rows(session.pk, verified_business.pk, plain=False)
    assert [row[-4:] for row in both] == [
        (row.pk, row.participant_name, row.slot, row.status)
        for row in session.registrations.exclude(status=RegistrationStatus.CANCELLED).order_by("created_at", "pk")
    ]
    assert both[0][-6:-4] == (True, False)  # the kecamatan refuses, the KBLI admits


def test_ten_identical_clicks_make_one_registration(session, verified_business):
    results = {_register(session, verified_business).pk for _ in range(10)}
    assert len(results) == 1
    assert session.registrations.count() == 1


def test_the_database_refuses_a_second_active_registration_of_a_business(session, verified_business):
    RegistrationFactory(session=session, business=verified_business)
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(session=session, business=verified_business)
    # A cancelled registration does not count: the business may register again.
    Registration.objects.update(status=RegistrationStatus.CANCELLED, cancelled_at=timezone.now())
    assert _register(session, verified_business).status == RegistrationStatus.CONFIRMED


def test_a_business_may_send_more_participants_when_the_session_allows(session, verified_business):
    session.max_participants_per_business = 2
    session.save()
    first = services.registration_create(session_id=session.pk, business=verified_business, actor=None)
    second = services.registration_create(
        session_id=session.pk, business=verified_business, actor=None, participant_name="Adik Uni"
    )
    assert (first.slot, second.slot) == (1, 2)
    assert "sudah mengirim 2 peserta" in _message(
        lambda: services.registration_create(
            session_id=session.pk, business=verified_business, actor=None, participant_name="Ketiga"
        )
    )


def test_cancelling_promotes_the_first_waiting_and_tells_both_owners(reference, django_capture_on_commit_callbacks):
    session = TrainingSessionFactory(capacity=1)
    first, second, third = (_register(session, VerifiedBusinessFactory()) for _ in range(3))
    assert (second.status, third.status) == ("waiting", "waiting")
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=first, actor=first.business.owner.user)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == RegistrationStatus.CONFIRMED
    assert selectors.registration_waiting_position(third) == 1
    by_recipient = {m.to[0]: m.subject for m in mail.outbox}
    assert "mendapat tempat" in by_recipient[second.business.owner.email]
    assert "dibatalkan" in by_recipient[first.business.owner.email]
    assert third.business.owner.email not in by_recipient
    assert Message.objects.filter(key=f"training-promoted:{second.pk}").exists()


def test_cancelling_a_waiting_registration_promotes_nobody(reference):
    session = TrainingSessionFactory(capacity=1)
    first, second, third = (_register(session, VerifiedBusinessFactory()) for _ in range(3))
    services.registration_cancel(registration=second, actor=None)
    assert Registration.objects.get(pk=first.pk).status == "confirmed"
    assert selectors.registration_waiting_position(Registration.objects.get(pk=third.pk)) == 1


def test_cancelling_twice_changes_nothing_and_sends_once(session, verified_business, django_capture_on_commit_callbacks):
    registration = _register(session, verified_business)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=registration, actor=None)
    registration.refresh_from_db()
    first = (registration.status, registration.cancelled_at, Registration.history.count())
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=registration, actor=None)
    registration.refresh_from_db()
    assert first[0] == RegistrationStatus.CANCELLED
    assert (registration.status, registration.cancelled_at, Registration.history.count()) == first
    assert len(mail.outbox) == 1


def test_a_registration_cannot_be_cancelled_after_the_session_started(session, verified_business):
    registration = _register(session, verified_business)
    session.starts_at = timezone.now() - timedelta(minutes=5)
    session.save()
    assert "sudah dimulai" in _message(lambda: services.registration_cancel(registration=registration, actor=None))


def test_cancelling_a_session_tells_everyone_registered_or_waiting_once(reference, staff, django_capture_on_commit_callbacks):
    session = TrainingSessionFactory(capacity=1)
    regs = [_register(session, VerifiedBusinessFactory()) for _ in range(3)]
    services.registration_cancel(registration=regs[2], actor=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=session, actor=staff, reason="Pelatih sakit")
        services.session_cancel(session=session, actor=staff)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.business.owner.email for r in regs[:2])
    assert all("Pelatih sakit" in m.body for m in mail.outbox)


def test_only_a_valid_draft_is_published(reference, staff):
    draft = TrainingSessionFactory(status=SessionStatus.DRAFT)
    assert services.session_publish(session=draft, actor=staff).status == SessionStatus.PUBLISHED
    broken = TrainingSessionFactory(status=SessionStatus.DRAFT, mode="online", venue="", meeting_url="")
    with pytest.raises(ValidationError) as caught:
        services.session_publish(session=broken, actor=staff)
    assert "meeting_url" in caught.value.message_dict


def test_database_constraints_on_capacity_and_times(reference):
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSessionFactory(capacity=0)
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingSessionFactory(starts_at=start, ends_at=start)


def test_undo_refuses_a_participant_already_registered_again(session, verified_business):
    first = services.registration_create(session_id=session.pk, business=verified_business, actor=None)
    services.registration_cancel(registration=first, actor=None)
    again = services.registration_create(session_id=session.pk, business=verified_business, actor=None)
    with pytest.raises(ValidationError, match="sudah terdaftar lagi"):
        services.registration_restore(registration=first, actor=None)
    assert again.status == RegistrationStatus.CONFIRMED


def test_undo_gives_the_seat_back_and_tells_the_owner(session, verified_business, django_capture_on_commit_callbacks):
    registration = services.registration_create(session_id=session.pk, business=verified_business, actor=None)
    services.registration_cancel(registration=registration, actor=None)
    restored = services.registration_restore(registration=registration, actor=None)
    assert (restored.status, restored.cancelled_at, restored.slot) == (RegistrationStatus.CONFIRMED, None, 1)
    assert Message.objects.filter(key__startswith=f"training-restored:{registration.pk}:").exists()
    # Undoing what is not cancelled changes nothing.
    assert services.registration_restore(registration=restored, actor=None).status == RegistrationStatus.CONFIRMED
