"""The session page counts seats as the catalogue does (trainings.selectors.session_detail
counts by a join, sessions_with_counts by subqueries): confirmed, waiting, seats left."""

import pytest
from django.urls import reverse
from django.utils import timezone

from trainings import selectors
from trainings.models import RegistrationStatus

from .factories import RegistrationFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("capacity", "confirmed", "waiting", "cancelled"), [(5, 0, 0, 0), (5, 3, 0, 2), (3, 5, 2, 1)])
def test_the_session_page_counts_as_the_catalogue_does(reference, staff, capacity, confirmed, waiting, cancelled):
    session = TrainingSessionFactory(capacity=capacity)
    TrainingSessionFactory(capacity=capacity)  # another session's registrations count for it only
    for status, n in (
        (RegistrationStatus.CONFIRMED, confirmed),
        (RegistrationStatus.WAITING, waiting),
        (RegistrationStatus.CANCELLED, cancelled),
    ):
        for _ in range(n):
            cancelled_at = timezone.now() if status == RegistrationStatus.CANCELLED else None
            RegistrationFactory(session=session, status=status, cancelled_at=cancelled_at)
    page = selectors.session_detail(user=staff, pk=session.pk)
    catalogue = selectors.sessions_with_counts().get(pk=session.pk)
    counts = (page.confirmed_count, page.waiting_count, page.seats_left)
    assert counts == (catalogue.confirmed_count, catalogue.waiting_count, catalogue.seats_left)
    assert counts == (confirmed, waiting, max(capacity - confirmed, 0))


def test_an_owner_waiting_sees_the_place_in_line_on_the_session_page(client, reference, verified_business):
    session = TrainingSessionFactory(capacity=1)
    RegistrationFactory(session=session, status=RegistrationStatus.CONFIRMED)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)
    RegistrationFactory(session=session, business=verified_business, status=RegistrationStatus.WAITING)
    RegistrationFactory(session=session, status=RegistrationStatus.WAITING)  # behind: not counted
    client.force_login(verified_business.owner.user)
    page = client.get(reverse("trainings:session-detail", args=[session.pk])).content.decode()
    assert "daftar tunggu, urutan ke-2" in page
    assert "Terdaftar" not in page.split("Pendaftaran</h2>")[1]
