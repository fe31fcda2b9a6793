"""Demo trainings for the quick start: a catalogue to browse, a full session with a waiting
list, and a finished session whose attendees have certificates and have given feedback. Two
more give the periodic jobs something to do as soon as the quick start's beat runs them: a
session within the day-before reminder's window (the reminders go out, to the console) and one
that ended yesterday with attendance taken and not yet closed (the follow-up job closes it, asks
for feedback and builds its certificates).

Idempotent: sessions are matched by title, registrations by (session, business); running it
again creates nothing. Uses the registry's demo businesses (demo.registry) and goes through the
services, so seats, waiting positions and certificates are what the portal would make.
"""

import logging
import random
from collections import Counter
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from businesses.models import Business, BusinessStatus
from trainings import services
from trainings.certificates import certificate_issue
from trainings.models import Attendance, Feedback, Mode, Registration, SessionStatus, Topic, TrainingSession

logger = logging.getLogger(__name__)

DEMO_OWNER_BUSINESSES = ("Rendang Uni Yus", "Galamai Mak Ros")

# (title, topic slug, days from today, hour, mode, capacity)
SESSIONS = [
    ("Berjualan di marketplace untuk IKM makanan", "pemasaran-online", 6, 9, Mode.IN_PERSON, 30),
    ("Foto produk dan media sosial dengan ponsel", "pemasaran-online", 13, 14, Mode.ONLINE, 100),
    ("Produksi rendang sesuai protokol kesehatan", "produksi-protokol-kesehatan", 9, 9, Mode.HYBRID, 25),
    ("Strategi usaha baru: pemasok dan pasar di luar provinsi", "strategi-usaha-baru", 20, 13, Mode.IN_PERSON, 40),
    # Full: eight seats for more registrations, so the quick start shows a waiting list.
    ("Kelas kecil: membuka toko di Shopee", "pemasaran-online", 4, 10, Mode.IN_PERSON, 8),
]
PAST = ("Pemasaran online angkatan 1", "pemasaran-online", -21, 9, Mode.IN_PERSON, 30)
# Starts within TRAINING_REMINDER_HOURS' day-before window (hour chosen in _soon_start).
SOON = ("Menjawab pembeli luar provinsi lewat WhatsApp Business", "pemasaran-online", 1, 8, Mode.ONLINE, 60)
# Ended yesterday, attendance taken, left for the follow-up job to close.
ENDED = ("Dapur produksi sesuai protokol kesehatan", "produksi-protokol-kesehatan", -1, 9, Mode.IN_PERSON, 25)
VENUE = "Aula Disnakerin Kota Payakumbuh, Jl. Veteran No. 70"
TRAINERS = ("Uni Rina, Rumah Kreatif BUMN Payakumbuh", "Fauzan, Dinas Kominfo", "dr. Elvi, Dinas Kesehatan")


def _soon_start() -> datetime:
    """Tomorrow at 08.00 once today's 08.00 has passed (at most 24 hours ahead), else today at
    15.00: always inside the day-before reminder's window, never at night."""
    now = timezone.localtime()
    if now.hour >= 8:
        return datetime.combine(now.date() + timedelta(days=1), time(8), tzinfo=now.tzinfo)
    return datetime.combine(now.date(), time(15), tzinfo=now.tzinfo)


def _session(title, slug, days, hour, mode, capacity, rng, starts=None) -> tuple[TrainingSession, bool]:
    existing = TrainingSession.objects.filter(title=title).first()
    if existing:
        return existing, False
    zone = timezone.get_current_timezone()
    starts = starts or datetime.combine(timezone.localdate() + timedelta(days=days), time(hour), tzinfo=zone)
    online = mode in (Mode.ONLINE, Mode.HYBRID)
    session = TrainingSession.objects.create(
        topic=Topic.objects.get(slug=slug),
        title=title,
        trainer=rng.choice(TRAINERS),
        description="Pelatihan program pemulihan IKM Kota Payakumbuh.",
        mode=mode,
        venue="" if mode == Mode.ONLINE else VENUE,
        meeting_url="https://meet.example.id/ikm-payakumbuh" if online else "",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=capacity,
        status=SessionStatus.PUBLISHED,
    )
    return session, True


def trainings_seed(seed: int = 2026) -> dict[str, int]:
    """Create the demo sessions, registrations and the demo owners' certificates that are
    missing; return how many of each were created."""
    rng = random.Random(seed)  # nosec B311  # seeded demo data, reproducible; no secret
    created = Counter(sessions=0, registrations=0, certificates=0)
    verified = list(Business.objects.filter(status=BusinessStatus.VERIFIED).select_related("owner").order_by("pk"))
    if not verified:
        return dict(created)
    demo_owned = [b for b in verified if b.name in DEMO_OWNER_BUSINESSES]
    others = [b for b in verified if b.name not in DEMO_OWNER_BUSINESSES]
    with transaction.atomic():
        created += catalogue_create(rng, others)
        created += _demo_owners_register(demo_owned)
        created += past_session_create(rng, demo_owned, others)
        created += soon_session_create(rng, demo_owned, others)
        created += ended_session_create(rng, demo_owned, others)
    created += certificates_create()
    return {key: created[key] for key in ("sessions", "registrations", "certificates")}


def catalogue_create(rng: random.Random, others: list[Business]) -> Counter:
    """The upcoming sessions, each with some registrations (the small one overfull: a waiting list)."""
    created = Counter()
    for spec in SESSIONS:
        session, new = _session(*spec, rng)
        if not new:
            continue
        created["sessions"] += 1
        count = {8: 11, 30: 18, 25: 12, 100: 40, 40: 9}.get(session.capacity, 10)
        for business in rng.sample(others, min(count, len(others))):
            services.registration_create(session_id=session.pk, business=business, actor=None)
            created["registrations"] += 1
    return created


def _demo_owners_register(demo_owned: list[Business]) -> Counter:
    """The demo owners are registered for the first upcoming session: "Pelatihan saya" has something."""
    created = Counter()
    first = TrainingSession.objects.get(title=SESSIONS[0][0])
    for business in demo_owned:
        if not Registration.objects.filter(session=first, business=business).exists():
            services.registration_create(session_id=first.pk, business=business, actor=None)
            created["registrations"] += 1
    return created


def past_session_create(rng: random.Random, demo_owned: list[Business], others: list[Business]) -> Counter:
    """A finished session, created in the past directly (registration is closed for it): most
    attended (the demo owners always), some gave feedback."""
    past, new = _session(*PAST, rng)
    if not new:
        return Counter()
    attendees = demo_owned + rng.sample(others, min(14, len(others)))
    for business in attendees:
        _past_attendee(rng, past, business, demo_owner=business in demo_owned)
    TrainingSession.objects.filter(pk=past.pk).update(status=SessionStatus.FINISHED, finished_at=past.ends_at)
    return Counter(sessions=1, registrations=len(attendees))


def _past_attendee(rng: random.Random, past: TrainingSession, business: Business, *, demo_owner: bool) -> None:
    registration = Registration.objects.create(
        session=past, business=business, participant_name=business.owner.name, status="confirmed"
    )
    if not (rng.random() < 0.85 or demo_owner):
        return
    Attendance.objects.create(registration=registration, checked_in_at=past.starts_at + timedelta(minutes=10))
    if rng.random() < 0.6 and not demo_owner:
        Feedback.objects.create(
            registration=registration,
            rating=rng.choice([3, 4, 4, 5, 5]),
            comment=rng.choice(["Sangat bermanfaat", "Materi jelas", "Perlu waktu praktik lebih lama", ""]),
        )


def soon_session_create(rng: random.Random, demo_owned: list[Business], others: list[Business]) -> Counter:
    """Tomorrow's: the demo owners and a dozen others registered, so beat's first round sends
    the day-before reminders."""
    soon, new = _session(*SOON, rng, starts=_soon_start())
    if not new:
        return Counter()
    registered = demo_owned + rng.sample(others, min(12, len(others)))
    for business in registered:
        services.registration_create(session_id=soon.pk, business=business, actor=None)
    return Counter(sessions=1, registrations=len(registered))


def ended_session_create(rng: random.Random, demo_owned: list[Business], others: list[Business]) -> Counter:
    """Yesterday's: registered and attended, still published (created directly: registration is
    closed for it); sessions_follow_up_task finishes it and builds the certificates."""
    ended, new = _session(*ENDED, rng)
    if not new:
        return Counter()
    attendees = demo_owned + rng.sample(others, min(10, len(others)))
    for business in attendees:
        registration = Registration.objects.create(
            session=ended, business=business, participant_name=business.owner.name, status="confirmed"
        )
        Attendance.objects.create(registration=registration, checked_in_at=ended.starts_at + timedelta(minutes=5))
    return Counter(sessions=1, registrations=len(attendees))


def certificates_create() -> Counter:
    """Certificates for the demo owners only (a PDF each takes about a second; in production the
    follow-up job makes everyone's after the session)."""
    created = Counter()
    for registration in Registration.objects.filter(
        session__title=PAST[0], business__name__in=DEMO_OWNER_BUSINESSES, certificate__isnull=True, attendance__isnull=False
    ):
        try:
            certificate_issue(registration_id=registration.pk)
        except (ImportError, OSError):  # WeasyPrint without its system libraries (Pango)
            logger.warning("Demo certificates skipped: WeasyPrint cannot draw PDFs on this machine", exc_info=True)
            break
        created["certificates"] += 1
    return created
