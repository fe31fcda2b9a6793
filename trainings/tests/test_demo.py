"""The quick start's demo trainings: a catalogue, a waiting list, a finished session with
certificates for the demo owners; a second run changes nothing."""

import pytest

from businesses.demo import demo_seed
from trainings.demo import DEMO_OWNER_BUSINESSES, SESSIONS, trainings_demo_seed
from trainings.models import Certificate, Registration, RegistrationStatus, SessionStatus, TrainingSession

pytestmark = pytest.mark.django_db


def test_the_demo_trainings_are_believable_and_made_once(reference):
    demo_seed()
    first = trainings_demo_seed()
    assert first["sessions"] == len(SESSIONS) + 1
    assert TrainingSession.objects.filter(status=SessionStatus.PUBLISHED).count() == len(SESSIONS)
    full = TrainingSession.objects.get(capacity=8)
    assert full.registrations.filter(status=RegistrationStatus.WAITING).exists()
    assert full.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 8
    assert Registration.objects.filter(business__name__in=DEMO_OWNER_BUSINESSES, session__status="published").count() == 2
    assert Certificate.objects.filter(registration__business__name__in=DEMO_OWNER_BUSINESSES).count() == 2
    counts = (TrainingSession.objects.count(), Registration.objects.count(), Certificate.objects.count())
    assert trainings_demo_seed() == {"sessions": 0, "registrations": 0, "certificates": 0}
    assert (TrainingSession.objects.count(), Registration.objects.count(), Certificate.objects.count()) == counts
