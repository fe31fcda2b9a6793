"""The quick start's demo trainings: a catalogue, a waiting list, a finished session with
certificates for the demo owners, and work for the periodic jobs (tomorrow's reminders,
yesterday's session to close and certify); a second run changes nothing."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from demo.registry import registry_seed
from demo.trainings import DEMO_OWNER_BUSINESSES, ENDED, SESSIONS, SOON, _soon_start, trainings_seed
from notifications.models import Message
from trainings import notices
from trainings.certificates import certificates_issue_for_session
from trainings.models import Certificate, Registration, RegistrationStatus, SessionStatus, TrainingSession

pytestmark = pytest.mark.django_db


def test_the_demo_trainings_are_believable_and_made_once(reference):
    registry_seed()
    first = trainings_seed()
    assert first["sessions"] == len(SESSIONS) + 3
    # The catalogue, tomorrow's and yesterday's (not closed yet); the finished one.
    assert TrainingSession.objects.filter(status=SessionStatus.PUBLISHED).count() == len(SESSIONS) + 2
    full = TrainingSession.objects.get(capacity=8)
    assert full.registrations.filter(status=RegistrationStatus.WAITING).exists()
    assert full.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 8
    mine = Registration.objects.filter(business__name__in=DEMO_OWNER_BUSINESSES, session__status="published")
    assert sorted(mine.values_list("session__title", flat=True)) == sorted([SESSIONS[0][0], SOON[0], ENDED[0]] * 2)
    assert Certificate.objects.filter(registration__business__name__in=DEMO_OWNER_BUSINESSES).count() == 2
    counts = (TrainingSession.objects.count(), Registration.objects.count(), Certificate.objects.count())
    assert trainings_seed() == {"sessions": 0, "registrations": 0, "certificates": 0}
    assert (TrainingSession.objects.count(), Registration.objects.count(), Certificate.objects.count()) == counts


@pytest.mark.parametrize(
    ("now", "starts"),
    [
        ("2026-12-06 07:59", "2026-12-06 15:00"),
        ("2026-12-06 08:00", "2026-12-07 08:00"),
        ("2026-12-06 23:30", "2026-12-07 08:00"),
    ],
)
def test_tomorrows_demo_session_always_starts_inside_the_day_before_reminder(monkeypatch, now, starts):
    zone = timezone.get_current_timezone()
    local = datetime.strptime(now, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    monkeypatch.setattr(timezone, "localtime", lambda *args: local)
    assert _soon_start() == datetime.strptime(starts, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    assert timedelta(hours=2) < _soon_start() - local <= timedelta(hours=24)


def test_the_periodic_jobs_find_work_in_the_demo_right_away(reference):
    """What beat's first round does in the quick start: the day-before reminders of tomorrow's
    session, and yesterday's session closed, feedback asked, certificates built."""
    registry_seed()
    trainings_seed()
    soon = TrainingSession.objects.get(title=SOON[0])
    confirmed = soon.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
    assert confirmed >= 3
    queued = notices.reminders_queue()  # a row per channel (email, WhatsApp) the owner has
    reminders = Message.objects.filter(key__startswith="training-reminder:24h:")
    assert queued == reminders.count() >= confirmed
    assert reminders.values("key").distinct().count() == confirmed

    ended = TrainingSession.objects.get(title=ENDED[0])
    assert notices.sessions_finish() == [ended.pk]
    attendees = ended.registrations.filter(attendance__isnull=False).count()
    assert notices.feedback_requests_queue() >= attendees
    assert Message.objects.filter(key__startswith="training-feedback:").values("key").distinct().count() == attendees
    assert notices.sessions_needing_certificates() == [ended.pk]
    assert certificates_issue_for_session(session_id=ended.pk) == attendees
    assert Certificate.objects.filter(registration__session=ended).count() == attendees
