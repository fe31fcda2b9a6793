"""The trail of full-NIK reads: written for NIK checkers only, readable by staff, never edited."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from businesses.tests.factories import BusinessFactory
from businesses.tests.helpers import export

pytestmark = pytest.mark.django_db


def test_a_nik_checker_opening_the_owner_list_and_an_owner_leaves_a_trace(client, nik_viewer):
    businesses = BusinessFactory.create_batch(3)
    client.force_login(nik_viewer)
    assert client.get(reverse("admin:businesses_owner_changelist")).status_code == 200
    owner_id = businesses[0].owner_id
    assert client.get(reverse("admin:businesses_owner_change", args=[owner_id])).status_code == 200
    assert client.get(reverse("admin:businesses_business_change", args=[businesses[1].pk])).status_code == 200
    listed, opened, via_business = AuditEvent.objects.order_by("id")
    assert (listed.action, sorted(listed.object_ids)) == (AuditAction.NIK_LIST, sorted(b.owner_id for b in businesses))
    assert (opened.action, opened.object_ids) == (AuditAction.NIK_VIEW, [owner_id])
    assert via_business.object_ids == [businesses[1].owner_id]
    assert {e.actor for e in (listed, opened, via_business)} == {nik_viewer}
    assert listed.ip_address == "127.0.0.1"


def test_a_nik_checker_opening_the_business_page_leaves_a_trace(client, nik_viewer):
    business = BusinessFactory()
    client.force_login(nik_viewer)
    page = client.get(reverse("businesses:detail", args=[business.pk]))
    assert business.owner.nik in page.content.decode()
    [event] = AuditEvent.objects.all()
    assert (event.actor, event.action, event.object_ids) == (nik_viewer, AuditAction.NIK_VIEW, [business.owner_id])


def test_staff_who_see_masked_niks_leave_no_trace(client, staff):
    business = BusinessFactory()
    client.force_login(staff)
    # Each page must answer: a refused page would leave no trace either.
    assert client.get(reverse("admin:businesses_owner_changelist")).status_code == 200
    assert client.get(reverse("admin:businesses_business_change", args=[business.pk])).status_code == 200
    page = client.get(reverse("businesses:detail", args=[business.pk]))
    assert page.status_code == 200
    assert business.owner.nik not in page.content.decode()
    assert not AuditEvent.objects.exists()


def test_an_export_with_full_niks_is_traced(client, nik_viewer):
    business = BusinessFactory()
    client.force_login(nik_viewer)
    export(client, 0)
    [event] = AuditEvent.objects.all()
    assert (event.action, event.object_ids) == (AuditAction.NIK_EXPORT, [business.owner_id])


def test_the_trail_cannot_be_changed_or_deleted(client, nik_viewer, django_user_model):
    event = AuditEvent.objects.create(actor=nik_viewer, action=AuditAction.NIK_VIEW, object_type="owner", object_ids=[1])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(object_ids=[2])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    admin = django_user_model.objects.create_superuser("admin@contoh.id", "rahasia-ikm-123", full_name="Admin")
    client.force_login(admin)
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    assert client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, object_ids=[1]).exists()
