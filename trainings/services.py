"""Every way a training session or a registration changes, and nothing else.

Seats are counted and given out only while the session's row is locked (``_seat_claim_insert``
for a new registration, ``_session_lock`` for everything else), so two registrations can never both
see the last free seat; the unique constraint on (session, business, slot) backs the
one-registration-per-business rule in the database.
"""

from contextlib import nullcontext
from datetime import timedelta

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from businesses.models import Business, BusinessStatus
from businesses.signals import business_figures_changed
from notifications.services import message_queue

from . import notices, selectors
from .models import Attendance, Certificate, Feedback, Registration, RegistrationStatus, SessionStatus, TrainingSession


def _session_lock(session_id: int) -> TrainingSession:
    """The session, locked until the end of the caller's transaction.

    Refuses to run outside a transaction (as pretix's lock helper does): a lock taken in
    autocommit mode is released at once and protects nothing.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("_session_lock() must run inside transaction.atomic()")
    return TrainingSession.objects.select_for_update().get(pk=session_id)


def _confirmed_count(session: TrainingSession) -> int:
    return session.registrations.filter(status=RegistrationStatus.CONFIRMED).count()


def _check_window(session: TrainingSession, now) -> None:
    """The session's own state: published, registration open. Checked again under the lock."""
    if session.status != SessionStatus.PUBLISHED:
        raise ValidationError(_("Pelatihan ini tidak sedang dibuka untuk pendaftaran."))
    if session.registration_opens_at and now < session.registration_opens_at:
        raise ValidationError(
            _("Pendaftaran baru dibuka %(when)s.")
            % {"when": date_format(timezone.localtime(session.registration_opens_at), "j F Y H.i")}
        )
    if now >= session.registration_closes:
        raise ValidationError(_("Pendaftaran pelatihan ini sudah ditutup."))


def _partial(model, data: dict):
    """An instance of ``model`` from some of its columns; the others load when first read, as
    with ``.only()``."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in data]
    return model.from_db(connection.alias, names, [data[name] for name in names])


_CONTEXT_FUNCTION = "trainings_registration_context"
_CONTEXT_COLUMNS = (
    "business_id",
    "business_name",
    "business_status",
    "business_owner_id",
    "business_kbli_id",
    "business_kelurahan_id",
    "owner_name",
    "owner_user_id",
    "kecamatan_refuses",
    "kbli_refuses",
    "active_id",
    "active_name",
    "active_slot",
    "active_status",
)


def _context_query(session_id: int, business_id: int, *, plain: bool) -> tuple[str, list]:
    """The SQL and parameters of ``_registration_context``'s read. ``plain``: the query itself
    (SQLite); otherwise the PostgreSQL function of migration trainings 0009, the same query
    planned once per connection (0.2 ms of server CPU where planning alone took 0.65 ms)."""
    if not plain:
        sql = f"""
            SELECT (c.session).*, {", ".join(f"c.{name}" for name in _CONTEXT_COLUMNS)}
              FROM {_CONTEXT_FUNCTION}(%s, %s, %s) WITH ORDINALITY c ORDER BY c.ordinality
        """  # nosec B608: constant names, values bound
        return sql, [session_id, business_id, RegistrationStatus.CANCELLED]
    session_table, registration_table = TrainingSession._meta.db_table, Registration._meta.db_table
    kecamatan_table, kbli_table = TrainingSession.kecamatan.through._meta.db_table, TrainingSession.kbli.through._meta.db_table
    business_table, owner_table = Business._meta.db_table, Business.owner.field.related_model._meta.db_table
    kelurahan_table = Business.kelurahan.field.related_model._meta.db_table
    limit = 'SELECT 1 FROM "{table}" m WHERE m.trainingsession_id = s.id'
    kecamatan, kbli = limit.format(table=kecamatan_table), limit.format(table=kbli_table)
    # Table names from model meta, values bound.
    sql = f"""
        SELECT s.*, b.id AS business_id, b.name AS business_name, b.status AS business_status,
               b.owner_id AS business_owner_id, b.kbli_id AS business_kbli_id,
               b.kelurahan_id AS business_kelurahan_id, o.name AS owner_name, o.user_id AS owner_user_id,
               (EXISTS ({kecamatan}) AND NOT EXISTS ({kecamatan} AND m.kecamatan_id = l.kecamatan_id)) AS kecamatan_refuses,
               (EXISTS ({kbli}) AND NOT EXISTS ({kbli} AND m.kbli_id = b.kbli_id)) AS kbli_refuses,
               r.id AS active_id, r.participant_name AS active_name, r.slot AS active_slot, r.status AS active_status
          FROM "{session_table}" s
          LEFT JOIN "{business_table}" b ON b.id = %s
          LEFT JOIN "{owner_table}" o ON o.id = b.owner_id
          LEFT JOIN "{kelurahan_table}" l ON l.id = b.kelurahan_id
          LEFT JOIN "{registration_table}" r ON r.session_id = s.id AND r.business_id = b.id AND r.status <> %s
         WHERE s.id = %s
         ORDER BY r.created_at, r.id
    """  # nosec B608
    return sql, [business_id, RegistrationStatus.CANCELLED, session_id]


def _registration_context(session_id: int, business_id: int) -> tuple[TrainingSession, Business | None, list[Registration]]:
    """What registration_create checks before the lock, in one query: the session, with whether
    its kecamatan and KBLI limits admit the business (the lists themselves are read only to name
    them in a refusal); the business with its status and its owner's name and user (None when
    there is no such business); the business's registrations in the session that are not
    cancelled (a row each, the session repeated). TrainingSession.DoesNotExist without the
    session."""
    sql, params = _context_query(session_id, business_id, plain=connection.vendor != "postgresql")
    rows = list(TrainingSession.objects.raw(sql, params))
    if not rows:
        raise TrainingSession.DoesNotExist
    session = rows[0]
    if session.business_id is None:
        return session, None, []
    business = _partial(
        Business,
        {
            "id": business_id,
            "name": session.business_name,
            "status": session.business_status,
            "owner_id": session.business_owner_id,
            "kbli_id": session.business_kbli_id,
            "kelurahan_id": session.business_kelurahan_id,
        },
    )
    business.owner = _partial(
        Business.owner.field.related_model,
        {"id": session.business_owner_id, "name": session.owner_name, "user_id": session.owner_user_id},
    )
    active = [
        _partial(
            Registration,
            {
                "id": row.active_id,
                "session_id": session_id,
                "business_id": business_id,
                "participant_name": row.active_name,
                "slot": row.active_slot,
                "status": row.active_status,
            },
        )
        for row in rows
        if row.active_id is not None
    ]
    for registration in active:
        registration.session, registration.business = session, business
    return session, business, active


def _check_eligible(session: TrainingSession, business: Business, now) -> None:
    """``session`` comes from _registration_context(session.pk, business.pk)."""
    _check_window(session, now)
    if business.status != BusinessStatus.VERIFIED:
        raise ValidationError(
            _("Usaha %(name)s belum terverifikasi. Pelatihan hanya untuk usaha yang sudah diverifikasi Disnakerin.")
            % {"name": business.name}
        )
    if session.kecamatan_refuses:
        names = sorted(k.name for k in session.kecamatan.all())
        raise ValidationError(_("Pelatihan ini hanya untuk usaha di kecamatan %(list)s.") % {"list": ", ".join(names)})
    if session.kbli_refuses:
        codes = sorted(k.code for k in session.kbli.all())
        raise ValidationError(_("Pelatihan ini hanya untuk usaha dengan KBLI %(list)s.") % {"list": ", ".join(codes)})


def _already_registered(session: TrainingSession, active: list[Registration], name: str) -> Registration | None:
    for registration in active:
        if registration.participant_name.casefold() == name.casefold() or session.max_participants_per_business == 1:
            return registration
    return None


def registration_create(
    *, session_id: int, business: Business, actor: User | None, participant_name: str | None = None
) -> Registration:
    """Register one participant of ``business`` for a session: confirmed while seats are left,
    otherwise on the waiting list.

    Preconditions (each refused with a ValidationError in Indonesian): the session is published
    and its registration window is open; the business is verified and inside the session's
    kecamatan and KBLI limits; the business has not used up max_participants_per_business.
    ``actor`` must be allowed to act for the business: an owner's own request goes through
    ``registration_create_for_owner``, which checks it; staff act for any business.
    Idempotent: asking again for a participant already registered returns that registration,
    so ten identical clicks make one registration. ``participant_name`` defaults to the owner's.

    Everything that does not depend on the seats (the business, eligibility, the new row's
    fields) is read and checked before any lock. The seat is then claimed and the row written
    in one transaction (``_seat_claim_insert``), the only one that holds a lock. A second click
    or a second participant racing for the same slot is stopped by the unique constraint on
    (session, business, slot): that transaction (a savepoint when the caller has one) is rolled
    back and the registration that won is returned. A waiting registration comes back with its
    ``waiting_position``.
    """
    return _registration_create(session_id, business.pk, actor, participant_name)


def registration_create_for_owner(*, session_id: int, business_id: int, user: User) -> Registration:
    """The owner's "Daftar" button: ``registration_create`` for one of ``user``'s own verified
    businesses, in a published (or cancelled or finished) session, with the same refusals.

    The session's visibility and the business's owner come with the one query that reads the
    rest (a registration POST of a rush took two more for them). TrainingSession.DoesNotExist
    when the session is missing or a draft (its page is a 404 too); a ValidationError when the
    business is not one of the user's verified businesses, before anything is written."""
    return _registration_create(session_id, business_id, user, None, owner_user=user)


def _registration_create(
    session_id: int, business_id: int, actor: User | None, participant_name: str | None, owner_user: User | None = None
) -> Registration:
    session, business, active = _registration_context(session_id, business_id)
    if owner_user is not None:
        if session.status not in selectors.PUBLIC_STATUSES:
            raise TrainingSession.DoesNotExist
        if business is None or business.owner.user_id != owner_user.pk or business.status != BusinessStatus.VERIFIED:
            raise ValidationError(_("Pilih salah satu usaha Anda yang sudah terverifikasi."))
    elif business is None:
        raise Business.DoesNotExist(f"Business matching id {business_id} does not exist.")
    name = (participant_name or business.owner.name).strip()
    if existing := _already_registered(session, active, name):
        return existing
    _check_eligible(session, business, timezone.now())
    Registration(session=session, business=business, participant_name=name, status=RegistrationStatus.WAITING).clean_fields(
        exclude=["session", "business", "created_by", "slot"]
    )
    for _attempt in range(3):
        try:
            return _seat_claim_insert(session=session, business=business, name=name, active=active, actor=actor)
        except _SeatFreedMeanwhile:
            continue  # the rollback released the shared lock; claim again
        except IntegrityError:
            # Another click of this business took the slot between the read above and the insert.
            session, _business, active = _registration_context(session_id, business.pk)
            if existing := _already_registered(session, active, name):
                return existing
    raise ValidationError(_("Pendaftaran sedang ramai; silakan coba lagi."))


class _SeatFreedMeanwhile(Exception):
    """A seat was freed between the look at the seats and the shared lock: claim again."""


# The PostgreSQL function of migration trainings 0008; a name, so that the concurrency tests'
# control can point the service at a copy without its locks.
_CLAIM_FUNCTION = "trainings_registration_claim"


def _seat_claim_insert(
    *, session: TrainingSession, business: Business, name: str, active: list[Registration], actor: User | None
) -> Registration:
    """Claim a seat (or a place on the waiting list) and write the registration and its history
    row, in one transaction of its own, or in a savepoint of the caller's.

    A registration that may get a seat takes the session's row lock, so seats are counted and
    given by one transaction at a time (two can never both see the last seat). The lock is asked
    for only while the count at the start of the statement leaves a seat: once the session is
    full, waiting registrations take a shared lock instead, which they can hold together, so a
    rush of 500 for 40 seats queues 40 on the lock, not 500. The shared lock still waits for a
    cancellation, a close or a seat being given, and the seats are counted again once either
    lock is held. The session's state is checked again under the lock (staff may have closed it
    since the caller's check).

    On PostgreSQL all of it is one call of a function (migration 0008): one round trip and one
    statement, which is a transaction by itself, where separate statements took six (begin,
    lock, count, insert, history row, commit) and a seventh for the waiting position. Elsewhere (SQLite for the quick start, where writers queue on the whole
    database anyway) the same steps run as ORM statements under the session's lock.
    """
    if connection.vendor != "postgresql":
        with transaction.atomic():
            return _registration_insert_orm(session_id=session.pk, business=business, name=name, active=active, actor=actor)
    registration = Registration(session=session, business=business, participant_name=name, created_by=actor)
    # The historical model, not Registration.history: simple-history's descriptor builds a new
    # manager class on every access (0.25 ms, through inspect.getmembers).
    history_user = apps.get_model("trainings", "HistoricalRegistration").get_default_history_user(registration)
    now = timezone.now()
    arguments = [session.pk, business.pk, name, len(active), [r.slot for r in active], actor and actor.pk]
    arguments += [history_user and history_user.pk, now]
    # Inside a caller's transaction, a savepoint: a refusal rolls back this claim (its lock
    # included) and nothing of the caller's. Outside, the statement is the transaction.
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
        sql = f"SELECT * FROM {_CLAIM_FUNCTION}(%s, %s, %s, %s, %s::integer[], %s, %s, %s)"  # nosec B608: a constant name, values bound
        cursor.execute(sql, arguments)
        row = dict(zip([column.name for column in cursor.description], cursor.fetchone(), strict=True))
        if row["outcome"] == "retry":
            raise _SeatFreedMeanwhile
        if row["outcome"] == "missing":
            raise TrainingSession.DoesNotExist
        if row["outcome"] in ("closed", "business_full"):
            locked = TrainingSession(
                status=row["session_status"],
                registration_opens_at=row["session_registration_opens_at"],
                registration_closes_at=row["session_registration_closes_at"],
                starts_at=row["session_starts_at"],
            )
            _check_window(locked, now)
            if row["outcome"] == "closed":  # the two clocks disagreed by a moment
                raise ValidationError(_("Pendaftaran pelatihan ini sudah ditutup."))
            raise ValidationError(_("Usaha ini sudah mengirim %(n)d peserta, batas untuk pelatihan ini.") % {"n": len(active)})
    registration.pk, registration.slot = row["registration_id"], row["registration_slot"]
    registration.status, registration.created_at = row["registration_status"], row["registration_created_at"]
    registration.waiting_position = row["waiting_position"]
    registration._state.adding = False
    # What save() would tell the rest of the portal (the public pages' content version); the
    # history row is written already.
    registration.skip_history_when_saving = True
    try:
        post_save.send(
            sender=Registration, instance=registration, created=True, update_fields=None, raw=False, using=connection.alias
        )
    finally:
        del registration.skip_history_when_saving
    return registration


def _registration_insert_orm(*, session_id: int, business: Business, name: str, active: list, actor: User | None) -> Registration:
    """``_seat_claim_insert`` without PostgreSQL: every registration takes the session's lock."""
    session = _session_lock(session_id)
    _check_window(session, timezone.now())  # staff may have closed it since the check above
    if len(active) >= session.max_participants_per_business:
        raise ValidationError(_("Usaha ini sudah mengirim %(n)d peserta, batas untuk pelatihan ini.") % {"n": len(active)})
    used = {r.slot for r in active}
    registration = Registration(
        session=session,
        business=business,
        participant_name=name,
        slot=min(set(range(1, session.max_participants_per_business + 1)) - used),
        status=RegistrationStatus.CONFIRMED if _confirmed_count(session) < session.capacity else RegistrationStatus.WAITING,
        created_by=actor,
    )
    registration.save()
    return registration


def _tell_owner(*, key: str, registration: Registration, subject: str, body: str) -> None:
    owner = registration.business.owner
    message_queue(key=key, subject=subject, body=body, email=owner.email or None, phone=owner.phone)


def _when(session: TrainingSession) -> str:
    return date_format(timezone.localtime(session.starts_at), "l, j F Y H.i")


@transaction.atomic
def registration_cancel(*, registration: Registration, actor: User) -> Registration:
    """Cancel a registration and, if it held a seat, give the seat to the first on the waiting
    list (ordered by registration time), telling both owners after the commit.

    Preconditions: ``actor`` may act for the registration's business (the view checks it);
    the session has not started. Cancelling an already cancelled registration changes nothing.
    """
    session = _session_lock(registration.session_id)
    registration = Registration.objects.select_for_update().select_related("business__owner").get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    if timezone.now() >= session.starts_at:
        raise ValidationError(_("Pelatihan sudah dimulai; pendaftaran tidak dapat dibatalkan lagi."))
    _release_seat(session, registration)
    _tell_owner(
        key=f"training-cancelled-by-owner:{registration.pk}",
        registration=registration,
        subject=_("Pendaftaran pelatihan dibatalkan: %(title)s") % {"title": session.title},
        body=_("Pendaftaran %(name)s untuk pelatihan %(title)s (%(when)s) sudah dibatalkan.")
        % {"name": registration.participant_name, "title": session.title, "when": _when(session)},
    )
    return registration


@transaction.atomic
def registration_restore(*, registration: Registration, actor: User) -> Registration:
    """Undo a cancellation: the registration gets a seat again, as long as one is still free.

    Preconditions (each refused with a ValidationError in Indonesian): the registration is
    cancelled; the session is published and its registration window open; a seat is free (no
    seat is taken from anyone: while a seat is free the waiting list is empty, so nobody waiting
    is overtaken); the business still has a participant place left. ``actor`` may act for the
    business (the view checks it). Restoring a registration that is not cancelled changes
    nothing. Runs under the session's row lock, as every change of seats does.
    """
    session = _session_lock(registration.session_id)
    registration = Registration.objects.select_for_update().select_related("business__owner").get(pk=registration.pk)
    if registration.status != RegistrationStatus.CANCELLED:
        return registration
    _check_window(session, timezone.now())
    if _confirmed_count(session) >= session.capacity:
        raise ValidationError(
            _(
                "Tempatnya sudah diisi peserta lain, jadi pembatalan tidak dapat diurungkan. Daftar lagi untuk masuk daftar tunggu."
            )
        )
    active = list(session.registrations.filter(business=registration.business).exclude(status=RegistrationStatus.CANCELLED))
    if _already_registered(session, active, registration.participant_name):
        raise ValidationError(_("%(name)s sudah terdaftar lagi di pelatihan ini.") % {"name": registration.participant_name})
    free_slots = set(range(1, session.max_participants_per_business + 1)) - {r.slot for r in active}
    if not free_slots:
        raise ValidationError(_("Usaha ini sudah mengirim %(n)d peserta, batas untuk pelatihan ini.") % {"n": len(active)})
    registration.status, registration.cancelled_at = RegistrationStatus.CONFIRMED, None
    registration.slot = registration.slot if registration.slot in free_slots else min(free_slots)
    registration.save(update_fields=["status", "cancelled_at", "slot"])
    _tell_owner(
        key=f"training-restored:{registration.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
        registration=registration,
        subject=_("Pendaftaran pelatihan dipulihkan: %(title)s") % {"title": session.title},
        body=_("Pembatalan diurungkan: %(name)s kembali terdaftar di pelatihan %(title)s (%(when)s).")
        % {"name": registration.participant_name, "title": session.title, "when": _when(session)},
    )
    return registration


def _release_seat(session: TrainingSession, registration: Registration) -> None:
    """Cancel a registration and, if it held a seat, give the seat to the waiting list.
    Caller holds the session lock and the registration's row lock."""
    held_seat = registration.status == RegistrationStatus.CONFIRMED
    registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    if held_seat and session.status == SessionStatus.PUBLISHED:
        _promote_waiting(session)


def _promote_waiting(session: TrainingSession) -> None:
    """Fill free seats from the head of the waiting list. Caller holds the session lock."""
    free = session.capacity - _confirmed_count(session)
    if free <= 0:
        return
    waiting = (
        session.registrations.filter(status=RegistrationStatus.WAITING)
        .select_related("business__owner")
        .order_by("created_at", "id")[:free]
    )
    for promoted in waiting:
        promoted.status = RegistrationStatus.CONFIRMED
        promoted.save(update_fields=["status"])
        _tell_owner(
            key=f"training-promoted:{promoted.pk}",
            registration=promoted,
            subject=_("Anda mendapat tempat di pelatihan %(title)s") % {"title": session.title},
            body=_(
                "Ada peserta yang membatalkan, jadi %(name)s kini terdaftar di pelatihan %(title)s, %(when)s. "
                "Jika tidak dapat hadir, batalkan pendaftaran di portal agar tempatnya dipakai orang lain."
            )
            % {"name": promoted.participant_name, "title": session.title, "when": _when(session)},
        )


@transaction.atomic
def session_publish(*, session: TrainingSession, actor: User) -> TrainingSession:
    """Open a draft session in the catalogue. Precondition: the session is a draft and valid
    (full_clean); a session already published is left alone."""
    session = _session_lock(session.pk)
    if session.status == SessionStatus.PUBLISHED:
        return session
    if session.status != SessionStatus.DRAFT:
        raise ValidationError(_("Hanya draf yang dapat diterbitkan."))
    session.status = SessionStatus.PUBLISHED
    session.full_clean()
    session.save(update_fields=["status", "updated_at"])
    return session


@transaction.atomic
def session_cancel(*, session: TrainingSession, actor: User, reason: str = "") -> TrainingSession:
    """Cancel a draft or published session and tell everyone registered or waiting, once each.
    Registrations keep their status, so the record shows who was affected."""
    session = _session_lock(session.pk)
    if session.status == SessionStatus.CANCELLED:
        return session
    if session.status == SessionStatus.FINISHED:
        raise ValidationError(_("Pelatihan yang sudah selesai tidak dapat dibatalkan."))
    session.status = SessionStatus.CANCELLED
    session.save(update_fields=["status", "updated_at"])
    affected = (
        session.registrations.filter(status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING])
        .select_related("business__owner")
        .order_by("created_at", "id")
    )
    for registration in affected:
        body = _("Pelatihan %(title)s pada %(when)s dibatalkan oleh Disnakerin.") % {
            "title": session.title,
            "when": _when(session),
        }
        if reason.strip():
            body += " " + _("Alasan: %(reason)s") % {"reason": reason.strip()}
        _tell_owner(
            key=f"training-session-cancelled:{registration.pk}",
            registration=registration,
            subject=_("Pelatihan dibatalkan: %(title)s") % {"title": session.title},
            body=body,
        )
    return session


def session_capacity_check(*, session: TrainingSession, capacity: int) -> None:
    """Refuse (ValidationError) a capacity below the seats already confirmed: lowering it would
    leave more participants than seats, and nothing would tell which of them to turn away."""
    if session.pk is None or capacity is None:
        return
    confirmed = _confirmed_count(session)
    if capacity < confirmed:
        raise ValidationError(
            _(
                "Kapasitas tidak bisa kurang dari %(confirmed)d peserta yang sudah mendapat tempat. "
                "Batalkan atau pindahkan peserta lebih dulu."
            )
            % {"confirmed": confirmed},
            code="below_confirmed",
        )


@transaction.atomic
def session_save(*, session: TrainingSession, changed_fields: list[str]) -> TrainingSession:
    """Save a session staff created or edited (the admin's form has validated its fields).

    Refused with ValidationError, saving nothing, when a lowered capacity is below the seats
    already confirmed (``session_capacity_check``, under the session's lock so no registration
    takes a seat in between). For an existing session: when it is published and its time or
    place changed, everyone registered or waiting is told (``notices.session_changed``); a
    raised capacity gives its new seats to the head of the waiting list.
    """
    created = session.pk is None
    if not created and "capacity" in changed_fields:
        _session_lock(session.pk)
        try:
            session_capacity_check(session=session, capacity=session.capacity)
        except ValidationError as error:
            raise ValidationError({"capacity": error.error_list}) from None
    session.full_clean()
    session.save()
    if not created:
        notices.session_changed(session=session, changed_fields=changed_fields)
        if "capacity" in changed_fields:
            session_seats_fill(session=session)
    return session


@transaction.atomic
def session_seats_fill(*, session: TrainingSession) -> None:
    """After staff raise a published session's capacity: give the new seats to the head of the
    waiting list, in order, telling each promoted owner. Nothing happens when no seat is free."""
    session = _session_lock(session.pk)
    if session.status == SessionStatus.PUBLISHED and timezone.now() < session.starts_at:
        _promote_waiting(session)


@transaction.atomic
def registration_add_by_staff(
    *, session_id: int, business: Business, actor: User, participant_name: str | None = None
) -> Registration:
    """Staff register a participant for a business (a phone call, a walk-in at the office).

    The owner's own rules hold (``registration_create``: verified business, eligibility, open
    window, capacity with the waiting list, participants per business), and the owner is told
    once. Precondition: ``actor`` is staff (the view checks it). A participant already
    registered, by the owner or by staff, is returned as it is.
    """
    registration = registration_create(session_id=session_id, business=business, actor=actor, participant_name=participant_name)
    if registration.created_by_id == actor.pk:
        session = registration.session
        if registration.status == RegistrationStatus.CONFIRMED:
            state = _("Tempat sudah disediakan.")
        else:
            state = _("Pelatihan sudah penuh, jadi pendaftaran masuk daftar tunggu; Anda akan diberi tahu bila mendapat tempat.")
        _tell_owner(
            key=f"training-added:{registration.pk}",
            registration=registration,
            subject=_("Anda didaftarkan di pelatihan %(title)s") % {"title": session.title},
            body=_("Disnakerin mendaftarkan %(name)s (%(business)s) di pelatihan %(title)s, %(when)s.")
            % {"name": registration.participant_name, "business": business.name, "title": session.title, "when": _when(session)}
            + " "
            + state,
        )
    return registration


@transaction.atomic
def registration_move(*, registration: Registration, to_session_id: int, actor: User) -> Registration:
    """Move a participant to another session of the same topic and return the new registration.

    In one transaction: register there (a seat, or the waiting list when it is full, by
    ``registration_create``'s rules) and cancel here, where the freed seat goes to the head of
    this session's waiting list as with any cancellation. The owner is told once
    (key ``training-moved:<old registration id>``).
    Preconditions (a ValidationError in Indonesian otherwise): the registration is not cancelled
    and not checked in; this session has not started; the target is another session of the same
    topic, open for registration, where the participant is not registered yet. ``actor`` is
    staff (the view checks it).
    """
    # Both sessions locked in id order: two moves in opposite directions cannot deadlock.
    ids = sorted({registration.session_id, to_session_id})
    sessions = {s.pk: s for s in TrainingSession.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    source, target = sessions[registration.session_id], sessions.get(to_session_id)
    if target is None or target.pk == source.pk:
        raise ValidationError(_("Pilih sesi lain sebagai tujuan pemindahan."))
    if target.topic_id != source.topic_id:
        raise ValidationError(_("Peserta hanya dapat dipindahkan ke sesi dengan topik yang sama."))
    registration = Registration.objects.select_for_update(of=("self",)).select_related("business__owner").get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("Pendaftaran ini sudah dibatalkan; tidak ada yang dapat dipindahkan."))
    if timezone.now() >= source.starts_at:
        raise ValidationError(_("Pelatihan sudah dimulai; peserta tidak dapat dipindahkan lagi."))
    if Attendance.objects.filter(registration=registration).exists():
        raise ValidationError(_("Peserta sudah tercatat hadir; tidak dapat dipindahkan."))
    name = registration.participant_name
    for other in target.registrations.filter(business=registration.business).exclude(status=RegistrationStatus.CANCELLED):
        if other.participant_name.casefold() == name.casefold() or target.max_participants_per_business == 1:
            raise ValidationError(_("%(business)s sudah terdaftar di sesi tujuan.") % {"business": registration.business.name})
    moved = registration_create(session_id=target.pk, business=registration.business, actor=actor, participant_name=name)
    _release_seat(source, registration)
    body = _("Disnakerin memindahkan %(name)s dari pelatihan %(old)s (%(old_when)s) ke %(new)s, %(new_when)s.") % {
        "name": name,
        "old": source.title,
        "old_when": _when(source),
        "new": target.title,
        "new_when": _when(target),
    }
    if moved.status == RegistrationStatus.WAITING:
        position = target.registrations.filter(status=RegistrationStatus.WAITING).count()
        full = _("Sesi itu sudah penuh, jadi %(name)s ada di daftar tunggu, urutan ke-%(n)d.")
        body += " " + full % {"name": name, "n": position}
    _tell_owner(
        key=f"training-moved:{registration.pk}",
        registration=registration,
        subject=_("Jadwal pelatihan Anda dipindahkan: %(title)s") % {"title": target.title},
        body=body,
    )
    return moved


# Participants may be checked in from an hour before the start (people come early) until a day
# after the end (staff who wrote the list on paper enter it the next day).
CHECK_IN_OPENS_BEFORE = timedelta(hours=1)
CHECK_IN_CLOSES_AFTER = timedelta(hours=24)
ATTENDANCE_METHODS = ("roster", "qr")


def _check_attendance_window(session: TrainingSession, now) -> None:
    if session.status not in (SessionStatus.PUBLISHED, SessionStatus.FINISHED):
        raise ValidationError(_("Kehadiran hanya dicatat untuk pelatihan yang terbit atau sudah selesai."))
    if now < session.starts_at - CHECK_IN_OPENS_BEFORE:
        raise ValidationError(
            _("Kehadiran baru dapat dicatat mulai %(when)s, satu jam sebelum pelatihan dimulai.")
            % {"when": date_format(timezone.localtime(session.starts_at - CHECK_IN_OPENS_BEFORE), "j F Y H.i")}
        )
    if now > session.ends_at + CHECK_IN_CLOSES_AFTER:
        raise ValidationError(_("Pencatatan kehadiran sudah ditutup, 24 jam sesudah pelatihan selesai."))


def _registration_locked(registration: Registration) -> Registration:
    # Locks the registration only (not its session): check-ins at the door do not queue behind
    # each other, but a check-in and its undo for the same person do.
    return Registration.objects.select_for_update(of=("self",)).select_related("session").get(pk=registration.pk)


@transaction.atomic
def attendance_check_in(*, registration: Registration, actor: User, method: str = "roster") -> Attendance:
    """Record that the participant came, by a tap on the roster (``"roster"``) or a scan of the
    participant's QR code (``"qr"``).

    Idempotent: a participant already checked in keeps the first record (time, who, method).
    Preconditions (a ValidationError in Indonesian otherwise): the registration is confirmed
    (not waiting, not cancelled); the session is published or finished; now is between one hour
    before the start and 24 hours after the end. ``actor`` is staff (the view checks it).
    """
    if method not in ATTENDANCE_METHODS:
        raise ValueError(f"unknown attendance method {method!r}")
    registration = _registration_locked(registration)
    existing = Attendance.objects.filter(registration=registration).first()
    if existing is not None:
        return existing
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ValidationError(
            _("%(name)s tidak terdaftar dengan tempat di pelatihan ini (%(status)s); kehadiran tidak dapat dicatat.")
            % {"name": registration.participant_name, "status": registration.get_status_display()}
        )
    _check_attendance_window(registration.session, timezone.now())
    attendance = Attendance(registration=registration, checked_in_by=actor, method=method)
    attendance.full_clean(validate_unique=False)
    attendance.save(force_insert=True)
    _trained_changed(registration)
    return attendance


def _trained_changed(registration: Registration) -> None:
    """Attendance at a finished session makes a business *trained* from the month after it began
    (recovery.measures): the figures of those months change."""
    if registration.session.status == SessionStatus.FINISHED:
        business_figures_changed.send(
            sender=Attendance, business_ids=[registration.business_id], since=registration.session.starts_at
        )


@transaction.atomic
def attendance_undo(*, registration: Registration, actor: User) -> None:
    """Take back a check-in made by mistake (the wrong row tapped).

    Preconditions (a ValidationError in Indonesian otherwise): the same window as check-in; no
    certificate has been issued for the registration. A participant not checked in: nothing
    changes. ``actor`` is staff (the view checks it).
    """
    registration = _registration_locked(registration)
    attendance = Attendance.objects.filter(registration=registration).first()
    if attendance is None:
        return
    _check_attendance_window(registration.session, timezone.now())
    if Certificate.objects.filter(registration=registration).exists():
        raise ValidationError(_("Sertifikat peserta ini sudah diterbitkan; kehadirannya tidak dapat dibatalkan."))
    attendance.delete()
    _trained_changed(registration)


# An attendee may change their rating and comment for FEEDBACK_EDIT_DAYS after first sending it
# (selectors.feedback_refusal, the read the feedback page asks too); after that the summaries
# staff have read stay as they were.
FEEDBACK_EDIT_DAYS = selectors.FEEDBACK_EDIT_DAYS
FEEDBACK_COMMENT_MAX = 2000


@transaction.atomic
def feedback_submit(*, registration: Registration, actor: User, rating, comment: str = "") -> Feedback:
    """An attendee's rating (1 to 5) and comment on the session; one per registration.

    Preconditions (a ValidationError in Indonesian otherwise): ``actor`` is the owner of the
    registration's business; the registration is confirmed and checked in; the session was not
    cancelled and has ended; ``rating`` is a whole number from 1 to 5; the comment is at most
    2,000 characters. Sending again changes the first feedback (rating and comment) during
    FEEDBACK_EDIT_DAYS after it was first sent, and is refused afterwards.
    """
    registration = (
        Registration.objects.select_for_update(of=("self",)).select_related("session", "business__owner").get(pk=registration.pk)
    )
    if registration.business.owner.user_id is None or registration.business.owner.user_id != actor.pk:
        raise ValidationError(_("Hanya pemilik usaha peserta yang dapat memberi umpan balik."))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError(_("Nilai harus antara 1 dan 5."))
    comment = (comment or "").strip()
    if len(comment) > FEEDBACK_COMMENT_MAX:
        raise ValidationError(
            _("Komentar paling panjang %(max)d karakter; yang Anda tulis %(n)d.")
            % {"max": FEEDBACK_COMMENT_MAX, "n": len(comment)}
        )
    refusal = selectors.feedback_refusal(registration=registration)
    if refusal:
        raise ValidationError(refusal)
    feedback = Feedback.objects.filter(registration=registration).first()
    if feedback is None:
        feedback = Feedback(registration=registration, rating=rating, comment=comment)
        feedback.full_clean(validate_unique=False)
        feedback.save(force_insert=True)
    else:
        feedback.rating, feedback.comment = rating, comment
        feedback.full_clean(validate_unique=False)
        feedback.save(update_fields=["rating", "comment"])
    return feedback
