"""After verification an owner's edits wait for staff; before it they apply at once."""

import pytest
from django.urls import reverse

from businesses import services
from businesses.models import Business, BusinessStatus, ChangeRequest, ChangeRequestStatus, Marketplace

pytestmark = pytest.mark.django_db


def edit_data(business, **overrides):
    data = {
        "name": business.name,
        "products": business.products,
        "kbli": business.kbli_id,
        "kelurahan": business.kelurahan_id,
        "address": business.address,
        "year_founded": business.year_founded,
        "workers_male": business.workers_male,
        "workers_female": business.workers_female,
        "investment": business.investment,
        "turnover_2019": business.turnover_2019,
        "reaches_city": "on",
    }
    data.update(overrides)
    return data


def test_pending_business_edit_applies_at_once(client, pending_business):
    client.force_login(pending_business.owner.user)
    response = client.post(
        reverse("businesses:edit", args=[pending_business.pk]), edit_data(pending_business, name="Rendang Uni Ita Baru")
    )
    assert response.status_code == 302
    pending_business.refresh_from_db()
    assert pending_business.name == "Rendang Uni Ita Baru" and not ChangeRequest.objects.exists()


def test_rejected_business_goes_back_to_review_when_owner_fixes_it(client, staff, pending_business):
    services.businesses_set_status(
        business_ids=[pending_business.pk], status=BusinessStatus.REJECTED, actor=staff, reason="Alamat kurang"
    )
    client.force_login(pending_business.owner.user)
    client.post(reverse("businesses:edit", args=[pending_business.pk]), edit_data(pending_business, address="Jl. Sudirman No. 7"))
    pending_business.refresh_from_db()
    assert pending_business.status == BusinessStatus.PENDING and pending_business.rejection_reason == ""


def test_verified_business_edit_becomes_a_change_request_with_old_and_new(client, staff, pending_business):
    services.businesses_set_status(business_ids=[pending_business.pk], status=BusinessStatus.VERIFIED, actor=staff)
    shopee = Marketplace.objects.get(name="Shopee")
    client.force_login(pending_business.owner.user)
    response = client.post(
        reverse("businesses:edit", args=[pending_business.pk]),
        edit_data(pending_business, workers_female=6, sells_on_marketplace="on", marketplaces=[shopee.pk]),
    )
    assert response.status_code == 302
    pending_business.refresh_from_db()
    assert pending_business.workers_female == 3  # unchanged until approved
    change = ChangeRequest.objects.get()
    assert change.changes["workers_female"] == {"old": 3, "new": 6, "old_display": "3", "new_display": "6"}
    assert change.changes["marketplaces"]["new"] == [shopee.pk]

    client.force_login(staff)
    page = client.get(reverse("admin:businesses_changerequest_change", args=[change.pk])).content.decode()
    assert "Lama" in page and "Baru" in page and "Shopee" in page
    client.post(reverse("admin:businesses_changerequest_change", args=[change.pk]), {"decision_note": "", "_approve": "1"})
    pending_business.refresh_from_db()
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.APPROVED and change.decided_by == staff
    assert pending_business.workers_female == 6 and list(pending_business.marketplaces.all()) == [shopee]
    assert pending_business.is_online
    assert pending_business.history.count() >= 3  # created, verified, changed


def test_second_edit_updates_the_open_request(staff, pending_business):
    services.businesses_set_status(business_ids=[pending_business.pk], status=BusinessStatus.VERIFIED, actor=staff)
    user = pending_business.owner.user
    services.business_update_by_owner(business=pending_business, actor=user, data={"name": "Nama Satu"})
    services.business_update_by_owner(business=pending_business, actor=user, data={"name": "Nama Dua"})
    assert ChangeRequest.objects.get().changes["name"]["new"] == "Nama Dua"


def test_rejected_change_request_changes_nothing_and_needs_a_note(client, staff, pending_business):
    services.businesses_set_status(business_ids=[pending_business.pk], status=BusinessStatus.VERIFIED, actor=staff)
    change = services.business_update_by_owner(
        business=pending_business, actor=pending_business.owner.user, data={"name": "Nama Lain"}
    )
    client.force_login(staff)
    url = reverse("admin:businesses_changerequest_change", args=[change.pk])
    client.post(url, {"decision_note": "", "_reject": "1"})
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.PENDING
    client.post(url, {"decision_note": "Nama harus sesuai NIB", "_reject": "1"})
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.REJECTED
    assert Business.objects.get(pk=pending_business.pk).name == pending_business.name


def test_owner_cannot_change_fields_staff_own(staff, pending_business):
    services.businesses_set_status(business_ids=[pending_business.pk], status=BusinessStatus.VERIFIED, actor=staff)
    result = services.business_update_by_owner(
        business=pending_business, actor=pending_business.owner.user, data={"status": "verified", "nib": "9999999999999"}
    )
    assert result is None
    pending_business.refresh_from_db()
    assert pending_business.nib != "9999999999999"


def test_every_change_is_kept_in_the_history_with_who_made_it(client, staff, pending_business):
    client.force_login(staff)
    client.post(reverse("admin:businesses_business_changelist"), {"action": "verify", "_selected_action": [pending_business.pk]})
    latest = pending_business.history.latest()
    assert latest.status == BusinessStatus.VERIFIED and latest.history_user == staff
    page = client.get(reverse("admin:businesses_business_history", args=[pending_business.pk]))
    assert page.status_code == 200 and staff.full_name in page.content.decode()
