"""An owner downloads everything the portal holds about them, and nothing of anyone else."""

import json

import pytest
from django.urls import reverse

from trainings.models import Attendance
from trainings.tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def test_an_owner_downloads_their_own_data_and_only_theirs(client, owner, pending_business, other_pending_business):
    registration = RegistrationFactory(business=pending_business)
    Attendance.objects.create(registration=registration)
    RegistrationFactory(business=other_pending_business)
    client.force_login(owner.user)
    response = client.get(reverse("my-data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["akun"]["email"] == owner.user.email and "password" not in data["akun"]
    assert [o["nik"] for o in data["pemilik"]] == [owner.nik]  # their own NIK, in full
    assert "nik_hash" not in data["pemilik"][0]
    assert [b["id"] for b in data["usaha"]] == [pending_business.pk]
    assert [r["id"] for r in data["pendaftaran_pelatihan"]] == [registration.pk]
    assert len(data["kehadiran"]) == 1
    assert other_pending_business.owner.nik not in response.content.decode()
    assert other_pending_business.name not in response.content.decode()


def test_only_owners_have_a_data_download(client, staff):
    assert client.get(reverse("my-data")).status_code == 302  # to sign-in
    client.force_login(staff)
    assert client.get(reverse("my-data")).status_code == 403


def test_staff_cannot_delete_a_business_only_archive_it(client, staff, pending_business):
    client.force_login(staff)
    response = client.post(reverse("admin:businesses_business_delete", args=[pending_business.pk]), {"post": "yes"})
    assert response.status_code == 403
    pending_business.refresh_from_db()
