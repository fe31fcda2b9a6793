"""Attendance, certificates and feedback in the admin: staff read them, nobody edits them there."""

import pytest
from django.urls import reverse

from trainings.models import Attendance, Feedback

from .factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["attendance", "certificate", "feedback"])
def test_staff_read_the_records_and_cannot_add_change_or_delete(client, staff, reference, model, django_assert_max_num_queries):
    for _ in range(3):
        registration = RegistrationFactory()
        Attendance.objects.create(registration=registration, checked_in_by=staff)
        Feedback.objects.create(registration=registration, rating=4, comment="Bermanfaat")
    client.force_login(staff)
    changelist = reverse(f"admin:trainings_{model}_changelist")
    with django_assert_max_num_queries(12):
        assert client.get(changelist).status_code == 200
    assert client.get(reverse(f"admin:trainings_{model}_add")).status_code == 403


def test_owners_and_officials_do_not_reach_them(client, owner, official, reference):
    for user in (owner.user, official):
        client.force_login(user)
        response = client.get(reverse("admin:trainings_attendance_changelist"))
        assert response.status_code in (302, 403)
