"""Catalogue, session page and "Pelatihan saya" keep their query count as data grows (2 then 50)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from trainings.models import RegistrationStatus

from .factories import RegistrationFactory, TrainingSessionFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url):
    cache.clear()  # counted cold: a cached fragment (the catalogue's filter form) must not hide a query
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def test_the_catalogue_keeps_its_query_count_from_2_to_50_sessions(client, reference):
    sessions = TrainingSessionFactory.create_batch(2)
    RegistrationFactory(session=sessions[0])
    url = reverse("trainings:catalogue")
    small = count_queries(client, url)
    for session in TrainingSessionFactory.create_batch(48):
        RegistrationFactory(session=session)
    # A page shows 12; the second and last pages must cost the same as the first.
    assert count_queries(client, url) == small
    assert count_queries(client, url + "?page=5") == small
    assert small <= 6


def test_the_session_page_keeps_its_query_count_from_2_to_50_registrations(client, reference, verified_business):
    session = TrainingSessionFactory(capacity=10)
    client.force_login(verified_business.owner.user)
    RegistrationFactory(session=session, business=verified_business)
    RegistrationFactory(session=session)
    url = reverse("trainings:session-detail", args=[session.pk])
    small = count_queries(client, url)
    for i in range(48):
        RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED if i < 8 else RegistrationStatus.WAITING)
    VerifiedBusinessFactory(owner=verified_business.owner)  # a second business brings the chooser
    assert count_queries(client, url) == small


def test_mine_keeps_its_query_count_from_2_to_50_registrations(client, reference, verified_business):
    client.force_login(verified_business.owner.user)
    RegistrationFactory(business=verified_business)
    RegistrationFactory(business=verified_business, status=RegistrationStatus.WAITING)
    url = reverse("trainings:mine")
    small = count_queries(client, url)
    for i in range(48):
        RegistrationFactory(
            business=verified_business, status=RegistrationStatus.WAITING if i % 2 else RegistrationStatus.CONFIRMED
        )
    assert count_queries(client, url) == small


def test_the_calendar_feed_keeps_its_query_count(client, reference):
    TrainingSessionFactory.create_batch(2)
    small = count_queries(client, reverse("trainings:feed"))
    TrainingSessionFactory.create_batch(48)
    assert count_queries(client, reverse("trainings:feed")) == small
