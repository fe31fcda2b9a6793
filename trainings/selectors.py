"""Every read of trainings that a page makes; select_related, counts and scoping live here."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Avg, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role, role_of
from businesses.models import Business, BusinessStatus

from .models import Attendance, Certificate, Feedback, Registration, RegistrationStatus, SessionStatus, TrainingSession

PUBLIC_STATUSES = (SessionStatus.PUBLISHED, SessionStatus.CANCELLED, SessionStatus.FINISHED)


def _count_of(status: str) -> Subquery:
    rows = (
        Registration.objects.filter(session=OuterRef("pk"), status=status)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def sessions_with_counts() -> QuerySet[TrainingSession]:
    """Sessions with ``confirmed_count``, ``waiting_count`` and ``seats_left``, one query for any number."""
    return (
        TrainingSession.objects.select_related("topic")
        .annotate(confirmed_count=_count_of(RegistrationStatus.CONFIRMED), waiting_count=_count_of(RegistrationStatus.WAITING))
        # Never negative, even if staff lower the capacity below the seats already given.
        .annotate(seats_left=Greatest(F("capacity") - F("confirmed_count"), Value(0)))
    )


def _month_range(month: str) -> tuple[datetime, datetime]:
    """'2026-03' -> the first instants of that month and the next, in the portal's time zone."""
    year, number = (int(part) for part in month.split("-"))
    zone = timezone.get_current_timezone()
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start, end


def sessions_upcoming(*, topic=None, month: str | None = None, mode: str | None = None) -> QuerySet[TrainingSession]:
    """The public catalogue: published sessions not yet started, soonest first, with seats left."""
    sessions = sessions_with_counts().filter(status=SessionStatus.PUBLISHED, starts_at__gte=timezone.now())
    if topic:
        sessions = sessions.filter(topic=topic)
    if month:
        start, end = _month_range(month)
        sessions = sessions.filter(starts_at__gte=start, starts_at__lt=end)
    if mode:
        sessions = sessions.filter(mode=mode)
    return sessions.order_by("starts_at", "pk")


def session_detail(*, user: User | AnonymousUser, pk: int) -> TrainingSession | None:
    """A session's page: public once published; drafts only for staff (a preview). None otherwise.

    The same counts as ``sessions_with_counts``, by joining this one session's registrations and
    counting them in groups: the same query compiled in half the CPU time of the two correlated
    subqueries (0.9 against 1.6 ms), which a list needs so as not to join every session's rows."""
    sessions = (
        TrainingSession.objects.select_related("topic")
        .annotate(
            confirmed_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
            waiting_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)),
        )
        .annotate(seats_left=Greatest(F("capacity") - F("confirmed_count"), Value(0)))
        .prefetch_related("kecamatan", "kbli")
    )
    if role_of(user) != Role.STAFF:
        sessions = sessions.filter(status__in=PUBLIC_STATUSES)
    session = sessions.filter(pk=pk).first()
    return session


def session_is_public(*, pk: int) -> bool:
    """Whether anyone may see the session's page; one plain query, for the registration POST,
    which needs none of the page's counts (the service reads what it needs itself)."""
    return TrainingSession.objects.filter(pk=pk, status__in=PUBLIC_STATUSES).exists()


def sessions_for_feed() -> QuerySet[TrainingSession]:
    """Published sessions still to come, and cancelled ones, so calendars that subscribed learn
    of the cancellation (STATUS:CANCELLED) instead of keeping a session that will not happen."""
    return (
        TrainingSession.objects.select_related("topic")
        .filter(status__in=(SessionStatus.PUBLISHED, SessionStatus.CANCELLED), ends_at__gte=timezone.now())
        .order_by("starts_at", "pk")
    )


def session_for_ics(*, pk: int) -> TrainingSession | None:
    """A public session for its calendar file, or None."""
    session = TrainingSession.objects.select_related("topic").filter(pk=pk, status__in=PUBLIC_STATUSES).first()
    return session


def waiting_ahead(session_id: int, created_at, registration_id: int) -> int:
    """How many waiting registrations of the session come before the given one."""
    earlier = Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=registration_id)
    return Registration.objects.filter(earlier, session_id=session_id, status=RegistrationStatus.WAITING).count()


def registration_waiting_position(registration: Registration) -> int | None:
    """1 for the first in line; None when the registration is not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    return waiting_ahead(registration.session_id, registration.created_at, registration.pk) + 1


def _with_waiting_position(registrations: QuerySet[Registration]) -> QuerySet[Registration]:
    """Annotate ``waiting_position`` (1 = first in line) by counting earlier waiting rows of the
    same session: a correlated subquery, so a page of many registrations stays one query."""
    earlier = (
        Registration.objects.filter(session=OuterRef("session"), status=RegistrationStatus.WAITING)
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lte=OuterRef("pk")))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return registrations.annotate(waiting_position=Subquery(earlier, output_field=IntegerField()))


def businesses_for_registration(*, user: User | AnonymousUser) -> QuerySet[Business]:
    """The signed-in owner's verified businesses: the ones that may register."""
    if role_of(user) != Role.OWNER:
        return Business.objects.none()
    return Business.objects.filter(owner__user=user, status=BusinessStatus.VERIFIED).order_by("name", "pk")


def registrations_of_user_for_session(*, user: User | AnonymousUser, session: TrainingSession) -> list[Registration]:
    if role_of(user) != Role.OWNER:
        return []
    registrations = Registration.objects.filter(session=session, business__owner__user=user).exclude(
        status=RegistrationStatus.CANCELLED
    )
    return list(_with_waiting_position(registrations.select_related("business")).order_by("created_at", "pk"))


def _registrations_of_owner(user: User) -> QuerySet[Registration]:
    """The owner's registrations not cancelled, with their waiting position, in the order their
    sessions start (then first come, first served)."""
    registrations = Registration.objects.filter(business__owner__user=user).exclude(status=RegistrationStatus.CANCELLED)
    return _with_waiting_position(registrations).order_by("session__starts_at", "created_at", "pk")


def registrations_of_user(*, user: User) -> dict[str, list[Registration]]:
    """ "Pelatihan saya": upcoming (confirmed), waiting (with position) and past, in one query."""
    now = timezone.now()
    # Past sessions show the certificate and the feedback link: joined, never a query per row.
    registrations = _registrations_of_owner(user).select_related(
        "session__topic", "business", "attendance", "certificate", "feedback"
    )
    mine = {"upcoming": [], "waiting": [], "past": []}
    for registration in registrations:
        if registration.session.ends_at < now:
            mine["past"].append(registration)
        elif registration.status == RegistrationStatus.WAITING:
            mine["waiting"].append(registration)
        else:
            mine["upcoming"].append(registration)
    mine["past"].reverse()
    return mine


def registration_next_of_user(*, user: User) -> Registration | None:
    """The owner's home page's "next training": of "Pelatihan saya"'s upcoming and waiting, in a
    published session (a cancelled one aside), the one starting soonest, with its waiting
    position; None when there is none. One query."""
    return (
        _registrations_of_owner(user)
        .filter(session__status=SessionStatus.PUBLISHED, session__ends_at__gte=timezone.now())
        .select_related("session__topic", "business")
        .first()
    )


def registration_of_owner(*, user: User, pk: int) -> Registration | None:
    """An owner's own registration; anyone else's is None (not even its existence leaks)."""
    registration = Registration.objects.filter(pk=pk, business__owner__user=user).select_related("session").first()
    return registration


def registration_restorable(*, registration: Registration) -> bool:
    """Whether ``services.registration_restore`` would give the cancelled registration a seat
    again now (the page offers the undo button only then; the service decides again under the
    session's lock)."""
    session = registration.session
    return (
        registration.status == RegistrationStatus.CANCELLED
        and session.status == SessionStatus.PUBLISHED
        and timezone.now() < session.registration_closes
        and (session.registration_opens_at is None or session.registration_opens_at <= timezone.now())
        and session.registrations.filter(status=RegistrationStatus.CONFIRMED).count() < session.capacity
    )


def user_has_seat(*, user: User | AnonymousUser, session: TrainingSession) -> bool:
    """Whether the user has a confirmed registration: only then is the meeting link shown."""
    if not user.is_authenticated or role_of(user) != Role.OWNER:
        return False
    return Registration.objects.filter(session=session, business__owner__user=user, status=RegistrationStatus.CONFIRMED).exists()


# The owner's NIK is encrypted at rest and decrypted as each row is read; staff's roster pages
# and exports never show it (the phone is the contact), so it is not read.
ROSTER_UNREAD = ("business__owner__nik",)


def session_roster(*, pk: int) -> tuple[TrainingSession, dict[str, list[Registration]]] | None:
    """A session's roster for staff (any status, drafts included): confirmed, waiting (with
    ``waiting_position``) and cancelled, each row with its business, owner (for the WhatsApp
    number), kelurahan and attendance. Two queries for any number of registrations. None when
    there is no such session."""
    session = sessions_with_counts().filter(pk=pk).first()
    if session is None:
        return None
    rows = _with_waiting_position(
        session.registrations.select_related("business__owner", "business__kelurahan", "attendance").defer(*ROSTER_UNREAD)
    ).order_by("created_at", "pk")
    roster = {RegistrationStatus.CONFIRMED: [], RegistrationStatus.WAITING: [], RegistrationStatus.CANCELLED: []}
    for registration in rows:
        registration.session = session  # the rows' session is this one: no query per row
        roster[registration.status].append(registration)
    return session, {str(status): registrations for status, registrations in roster.items()}


def registration_for_staff(*, pk: int) -> Registration | None:
    """One registration with what the roster, the check-in and the move pages show, or None."""
    registration = (
        Registration.objects.select_related("session__topic", "business__owner", "business__kelurahan", "attendance")
        .defer(*ROSTER_UNREAD)
        .filter(pk=pk)
        .first()
    )
    return registration


def businesses_for_staff_registration(*, query: str, limit: int = 20) -> QuerySet[Business]:
    """Verified businesses that staff may register, found by exact NIB or by a part of the name.
    An empty query finds nothing (the registry is too long to list)."""
    query = query.strip()
    if not query:
        return Business.objects.none()
    return (
        Business.objects.filter(status=BusinessStatus.VERIFIED)
        .filter(Q(nib=query) | Q(name__icontains=query))
        .select_related("owner", "kelurahan")
        .order_by("name", "pk")[:limit]
    )


def sessions_to_move_to(*, registration: Registration) -> QuerySet[TrainingSession]:
    """Other published sessions of the same topic not yet started, with their seats left."""
    return (
        sessions_with_counts()
        .filter(topic_id=registration.session.topic_id, status=SessionStatus.PUBLISHED, starts_at__gt=timezone.now())
        .exclude(pk=registration.session_id)
        .order_by("starts_at", "pk")
    )


def certificate_for_verification(*, code: str) -> Certificate | None:
    """The certificate behind a public verification code, with only what that page shows; None
    for an unknown code. Codes are typed from paper: case and spaces around do not matter. A code
    no certificate can have (not ASCII letters and digits, too long: a NUL once reached
    PostgreSQL, a 500) is unknown without a query."""
    code = code.strip().upper()
    if not (code.isascii() and code.isalnum()) or len(code) > Certificate._meta.get_field("code").max_length:
        return None
    return Certificate.objects.select_related("registration__session").filter(code=code).first()


def certificate_for_download(*, user: User | AnonymousUser, registration_id: int) -> Certificate | None:
    """A registration's certificate with its PDF, for staff or the owner of the registration's
    business; None for anyone else, and when there is no certificate (yet)."""
    certificates = Certificate.objects.select_related("registration").filter(registration_id=registration_id)
    if role_of(user) != Role.STAFF:
        certificates = certificates.filter(registration__business__owner__user=user)
    certificate = certificates.first()
    if certificate is None or not certificate.pdf:
        return None
    return certificate


def registration_for_feedback(*, user: User, pk: int) -> Registration | None:
    """The owner's own registration with its session and feedback, for the feedback page;
    anyone else's is None."""
    registration = (
        Registration.objects.filter(pk=pk, business__owner__user=user)
        .select_related("session", "business", "attendance", "feedback")
        .first()
    )
    return registration


RATINGS = (1, 2, 3, 4, 5)


def _feedback_figures(prefix: str) -> dict:
    """Responses, average and the count of each rating, over the feedback reached by ``prefix``.
    Every figure is an aggregate over the same joins: one query whatever the number of rows."""
    rating = f"{prefix}rating"
    figures = {"responses": Count(rating), "average": Avg(rating)}
    figures |= {f"rated_{n}": Count(rating, filter=Q(**{rating: n})) for n in RATINGS}
    return figures


def _delivered_sessions() -> QuerySet[TrainingSession]:
    """Sessions that took place: ended and not cancelled."""
    return TrainingSession.objects.filter(ends_at__lte=timezone.now()).exclude(status=SessionStatus.CANCELLED)


def feedback_by_session() -> QuerySet[TrainingSession]:
    """Sessions that took place with anyone checked in, latest first, each with ``attendees``,
    ``responses``, ``average`` and ``rated_1`` .. ``rated_5``. One query for any number of
    sessions (attendance and feedback are one-to-one with the registration: no row is counted
    twice)."""
    return (
        _delivered_sessions()
        .select_related("topic")
        .annotate(attendees=Count("registrations__attendance"), **_feedback_figures("registrations__feedback__"))
        .filter(attendees__gt=0)
        .order_by("-starts_at", "-pk")
    )


def feedback_by_trainer() -> list[dict]:
    """Per trainer (as typed on the session): ``sessions`` that took place with anyone checked
    in, ``responses`` and the ``average`` rating. One query."""
    return list(
        _delivered_sessions()
        .filter(registrations__attendance__isnull=False)
        .values("trainer")
        .annotate(
            sessions=Count("pk", distinct=True),
            responses=Count("registrations__feedback"),
            average=Avg("registrations__feedback__rating"),
        )
        .order_by("trainer")
    )


def feedback_of_session(*, pk: int) -> tuple[TrainingSession, QuerySet[Feedback]] | None:
    """A session that took place with its figures (as in ``feedback_by_session``) and its
    comments, newest first, without the names of who wrote them. None for other sessions."""
    session = (
        _delivered_sessions()
        .select_related("topic")
        .annotate(attendees=Count("registrations__attendance"), **_feedback_figures("registrations__feedback__"))
        .filter(pk=pk)
        .first()
    )
    if session is None:
        return None
    comments = (
        Feedback.objects.filter(registration__session_id=pk)
        .exclude(comment="")
        .only("rating", "comment", "created_at")
        .order_by("-created_at", "-pk")
    )
    return session, comments


# How long after sending an attendee may still change their rating and comment.
FEEDBACK_EDIT_DAYS = 14


def feedback_refusal(*, registration: Registration, now=None) -> str | None:
    """Why this registration may not (or no longer) send feedback, in Indonesian; None when it
    may. A read only: the feedback page asks it before showing the form, the service enforces it.
    Precondition: the registration's session is loaded (``select_related("session")``)."""
    now = now or timezone.now()
    session = registration.session
    if session.status == SessionStatus.CANCELLED:
        return _("Pelatihan ini dibatalkan; tidak ada umpan balik yang diminta.")
    if registration.status != RegistrationStatus.CONFIRMED or not Attendance.objects.filter(registration=registration).exists():
        return _("Umpan balik hanya untuk peserta yang tercatat hadir di pelatihan ini.")
    if now < session.ends_at:
        return _("Umpan balik dapat dikirim sesudah pelatihan selesai.")
    feedback = Feedback.objects.filter(registration=registration).first()
    if feedback is not None and now > feedback.created_at + timedelta(days=FEEDBACK_EDIT_DAYS):
        return _("Umpan balik Anda sudah terkirim; umpan balik hanya dapat diubah sampai %(days)d hari sesudah dikirim.") % {
            "days": FEEDBACK_EDIT_DAYS
        }
    return None
