"""What the periodic training jobs send, and when: reminders, change notices, feedback requests,
closing finished sessions.

Every message goes through the outbox (notifications.services), written in the same
transaction as whatever made it due. Each message's key names the registration and, where it
matters, the session's schedule version: the unique (key, channel) constraint is what makes a
job that runs twice, two beat processes, or a worker that dies halfway send nothing twice.
Jobs select what is due from the database each time they run (no countdown or ETA tasks: with a
Redis broker those come back after the visibility timeout).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, Min, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from businesses.models import contactable
from businesses.signals import business_figures_changed
from notifications.models import Message
from notifications.services import Outgoing, messages_queue_many

from . import ics
from .models import (
    Attendance,
    Mode,
    Registration,
    RegistrationStatus,
    SessionStatus,
    TrainingSession,
    reminder_hours_parse,
)

# Fields whose change is news to participants: the time and the place (or link).
SCHEDULE_FIELDS = ("starts_at", "ends_at", "mode", "venue", "meeting_url")
# How long after a session ends its feedback requests and certificates are still looked for
# (attendance may be taken up to a day after the end).
FOLLOW_UP_DAYS = 3


@dataclass(frozen=True)
class Window:
    """A reminder is due when the session starts within (``after``, ``hours``] from now."""

    hours: float
    after: float


def reminder_windows(session_hours: str = "") -> list[Window]:
    """A session's reminder times (its ``reminder_hours``, e.g. "48, 2"; blank: the portal's
    TRAINING_REMINDER_HOURS) as non-overlapping windows, largest first: a registration made 20
    hours ahead gets the day-before reminder once, then the 2-hour one."""
    try:
        hours = reminder_hours_parse(session_hours) if session_hours.strip() else []
    except ValueError:  # written past the form's check (a shell): the portal's times, not none
        hours = []
    if not hours:
        hours = sorted({float(h) for h in settings.TRAINING_REMINDER_HOURS if float(h) > 0}, reverse=True)
    return [Window(h, hours[i + 1] if i + 1 < len(hours) else 0.0) for i, h in enumerate(hours)]


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _when(session: TrainingSession) -> str:
    return date_format(timezone.localtime(session.starts_at), "l, j F Y H.i")


def _place(session: TrainingSession, *, with_link: bool) -> str:
    parts = []
    if session.mode in (Mode.IN_PERSON, Mode.HYBRID) and session.venue:
        parts.append(_("Tempat: %(venue)s") % {"venue": session.venue})
    if session.mode in (Mode.ONLINE, Mode.HYBRID):
        if with_link and session.meeting_url:
            parts.append(_("Tautan pertemuan daring: %(url)s") % {"url": session.meeting_url})
        else:
            parts.append(_("Tautan pertemuan daring ada di halaman pelatihan setelah Anda mendapat tempat."))
    return "\n".join(parts)


def _ics_for(session: TrainingSession, *, with_link: bool) -> tuple[str, str, str]:
    body = ics.calendar(
        [session],
        url_of=lambda s: _absolute(reverse("trainings:session-detail", args=[s.pk])),
        name=session.title,
        include_meeting_url=with_link,
    )
    return (f"pelatihan-{session.pk}.ics", body, "text/calendar")


def _outgoing(registration: Registration, *, key: str, subject: str, body: str, attachment=None) -> Outgoing:
    owner = registration.business.owner
    return Outgoing(key=key, subject=subject, body=body, email=owner.email or None, phone=owner.phone, attachment=attachment)


def _concat_key(*parts):
    """An outbox key built in SQL from literal strings and expressions (ids, versions), so a
    job can skip what it already queued without loading the keys."""
    values = [Value(part) if isinstance(part, str) else Cast(part, CharField()) for part in parts]
    return Concat(*values, output_field=CharField())


def _registrations(**filters) -> QuerySet[Registration]:
    return Registration.objects.filter(**filters).select_related("session__topic", "business__owner").order_by("pk")


# Reminders ------------------------------------------------------------------------------------


def _reminder_key_prefix(window: Window) -> str:
    return f"training-reminder:{window.hours:g}h:"


def reminders_due(now: datetime, window: Window, session_hours: str = "") -> QuerySet[Registration]:
    """Confirmed registrations of the sessions with these reminder times (``session_hours``,
    blank: the portal's) that start inside the window, whose reminder for this window and
    schedule version is not in the outbox yet; none of an owner who withdrew consent."""
    key = _concat_key(_reminder_key_prefix(window), OuterRef("pk"), ":v", OuterRef("session__schedule_version"))
    return (
        _registrations(
            status=RegistrationStatus.CONFIRMED,
            session__status=SessionStatus.PUBLISHED,
            session__reminder_hours=session_hours,
            session__starts_at__gt=now + timedelta(hours=window.after),
            session__starts_at__lte=now + timedelta(hours=window.hours),
        )
        .filter(contactable("business__owner__"))
        .exclude(Exists(Message.objects.filter(key=key)))
    )


def _reminder_parts(session: TrainingSession, window: Window) -> dict:
    """What every participant's reminder for one session shares (built once per session)."""
    if window.hours >= 24:
        subject = _("Pengingat: besok pelatihan %(title)s") if window.hours < 48 else _("Pengingat: pelatihan %(title)s")
    else:
        subject = _("Pengingat: pelatihan %(title)s segera dimulai")
    return {
        "subject": subject % {"title": session.title},
        "when": _when(session),
        "place": _place(session, with_link=True),
        "page": _absolute(reverse("trainings:session-detail", args=[session.pk])),
        "ics": _ics_for(session, with_link=True),
    }


def reminder_message(registration: Registration, window: Window, shared: dict | None = None) -> Outgoing:
    """One participant's reminder. ``shared`` memoises the per-session parts across a batch."""
    session = registration.session
    shared = {} if shared is None else shared
    parts = shared.get(session.pk) or shared.setdefault(session.pk, _reminder_parts(session, window))
    body = "\n\n".join(
        part
        for part in [
            _("Halo %(name)s, pelatihan %(title)s dimulai %(when)s.")
            % {"name": registration.participant_name, "title": session.title, "when": parts["when"]},
            parts["place"],
            _("Rincian dan pembatalan: %(url)s") % {"url": parts["page"]},
            _("Jika tidak dapat hadir, batalkan pendaftaran agar tempatnya dipakai peserta di daftar tunggu."),
        ]
        if part
    )
    return _outgoing(
        registration,
        key=f"{_reminder_key_prefix(window)}{registration.pk}:v{session.schedule_version}",
        subject=parts["subject"],
        body=body,
        attachment=parts["ics"],
    )


def reminders_queue(*, now: datetime | None = None) -> int:
    """Queue every reminder that is due. Returns how many outbox rows were created; run again,
    it creates none. A session moved to a new time gets its reminders again (its schedule
    version is part of the key)."""
    now = now or timezone.now()
    created = 0
    # The portal's times, and each set of times staff chose for upcoming sessions (a handful).
    custom = (
        TrainingSession.objects.filter(status=SessionStatus.PUBLISHED, starts_at__gt=now)
        .exclude(reminder_hours="")
        .values_list("reminder_hours", flat=True)
        .distinct()
    )
    with translation.override(settings.LANGUAGE_CODE):
        for session_hours in ["", *sorted(custom)]:
            for window in reminder_windows(session_hours):
                with transaction.atomic():
                    shared: dict = {}
                    due = reminders_due(now, window, session_hours).iterator(chunk_size=1000)
                    created += messages_queue_many(reminder_message(r, window, shared) for r in due)
    return created


def reminders_sent(session: TrainingSession) -> QuerySet[Message]:
    """The reminders the outbox holds for ``session``'s registrations (every time and schedule
    version), for staff to see what went to whom."""
    registrations = list(session.registrations.values_list("pk", flat=True))
    hours = {window.hours for window in reminder_windows()} | {
        window.hours for window in reminder_windows(session.reminder_hours)
    }
    keys = [
        f"training-reminder:{h:g}h:{pk}:v{version}"
        for h in hours
        for pk in registrations
        for version in range(1, session.schedule_version + 1)
    ]
    return Message.objects.filter(key__in=keys).order_by("created_at", "pk")


# Changes ---------------------------------------------------------------------------------------


def session_changed(*, session: TrainingSession, changed_fields) -> int:
    """Called inside the transaction that saved ``session`` (the admin): when a published
    session's time or place changed, raise its schedule version and tell everyone registered or
    waiting, once per change. Returns how many outbox rows were created."""
    if session.status != SessionStatus.PUBLISHED or not set(changed_fields) & set(SCHEDULE_FIELDS):
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("session_changed() must run inside the transaction that saved the session")
    TrainingSession.objects.filter(pk=session.pk).update(schedule_version=session.schedule_version + 1)
    session.schedule_version += 1
    with translation.override(settings.LANGUAGE_CODE):
        affected = _registrations(session=session, status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING])
        items = []
        for registration in affected:
            registration.session = session  # the saved values, not a stale copy
            seat = registration.status == RegistrationStatus.CONFIRMED
            body = "\n\n".join(
                part
                for part in [
                    _("Jadwal atau tempat pelatihan %(title)s berubah. Jadwal baru: %(when)s.")
                    % {"title": session.title, "when": _when(session)},
                    _place(session, with_link=seat),
                    _("Rincian: %(url)s") % {"url": _absolute(reverse("trainings:session-detail", args=[session.pk]))},
                ]
                if part
            )
            items.append(
                _outgoing(
                    registration,
                    key=f"training-changed:{registration.pk}:v{session.schedule_version}",
                    subject=_("Perubahan jadwal pelatihan: %(title)s") % {"title": session.title},
                    body=body,
                    attachment=_ics_for(session, with_link=seat),
                )
            )
        return messages_queue_many(items)


# After the session -----------------------------------------------------------------------------


def sessions_finish(*, now: datetime | None = None) -> list[int]:
    """Mark published sessions that have ended as finished. Returns their ids."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            TrainingSession.objects.select_for_update(skip_locked=True)
            .filter(status=SessionStatus.PUBLISHED, ends_at__lte=now)
            .values_list("pk", flat=True)
        )
        TrainingSession.objects.filter(pk__in=ids).update(status=SessionStatus.FINISHED, finished_at=now, updated_at=now)
        attended = Attendance.objects.filter(registration__session_id__in=ids)
        business_ids = sorted(set(attended.values_list("registration__business_id", flat=True)))
        if business_ids:  # the attendees count as trained from the month after their session began
            first = TrainingSession.objects.filter(pk__in=ids).aggregate(first=Min("starts_at"))["first"]
            business_figures_changed.send(sender=TrainingSession, business_ids=business_ids, since=first)
    return ids


def _recently_finished(now: datetime) -> QuerySet[TrainingSession]:
    return TrainingSession.objects.filter(status=SessionStatus.FINISHED, ends_at__gte=now - timedelta(days=FOLLOW_UP_DAYS))


def feedback_requests_queue(*, now: datetime | None = None) -> int:
    """Ask every attendee of a recently finished session for a rating, once."""
    now = now or timezone.now()
    already = Message.objects.filter(key=_concat_key("training-feedback:", OuterRef("pk")))
    attendees = (
        _registrations(session__in=_recently_finished(now), status=RegistrationStatus.CONFIRMED)
        .filter(Exists(Attendance.objects.filter(registration=OuterRef("pk"))))
        .exclude(Exists(already))
    )
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        items = []
        for registration in attendees.iterator(chunk_size=1000):
            url = _absolute(reverse("trainings:feedback", args=[registration.pk]))
            items.append(
                _outgoing(
                    registration,
                    key=f"training-feedback:{registration.pk}",
                    subject=_("Bagaimana pelatihan %(title)s?") % {"title": registration.session.title},
                    body=_(
                        "Terima kasih sudah mengikuti pelatihan %(title)s. Beri nilai 1 sampai 5 dan saran Anda di %(url)s "
                        "— hanya satu menit, dan membantu Disnakerin memperbaiki pelatihan berikutnya."
                    )
                    % {"title": registration.session.title, "url": url},
                )
            )
        return messages_queue_many(items)


def sessions_needing_certificates(*, now: datetime | None = None) -> list[int]:
    """Recently finished sessions with an attendee who has no certificate yet."""
    now = now or timezone.now()
    missing = Attendance.objects.filter(
        registration__session=OuterRef("pk"), registration__status=RegistrationStatus.CONFIRMED
    ).filter(registration__certificate__isnull=True)
    return list(_recently_finished(now).filter(Exists(missing)).values_list("pk", flat=True))
