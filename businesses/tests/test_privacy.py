"""NIK is masked everywhere for anyone without businesses.view_full_nik; officials see no contacts."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FULL = "1376011505800001"
MASKED = "1376**********01"


@pytest.fixture
def business(reference):
    from .factories import BusinessFactory, OwnerFactory

    return BusinessFactory(owner=OwnerFactory(nik=FULL))


@pytest.mark.parametrize("url_name", ["businesses:list", "admin:businesses_owner_changelist"])
def test_staff_lists_show_a_masked_nik(client, staff, business, url_name):
    client.force_login(staff)
    body = client.get(reverse(url_name)).content.decode()
    assert MASKED in body and FULL not in body


def test_staff_pages_show_a_masked_nik(client, staff, business):
    client.force_login(staff)
    for url in (
        reverse("businesses:detail", args=[business.pk]),
        reverse("admin:businesses_business_change", args=[business.pk]),
        reverse("admin:businesses_owner_change", args=[business.owner.pk]),
    ):
        body = client.get(url).content.decode()
        assert FULL not in body, url
        assert MASKED in body, url


def test_nik_viewer_sees_the_full_nik(client, nik_viewer, business):
    client.force_login(nik_viewer)
    assert FULL in client.get(reverse("businesses:detail", args=[business.pk])).content.decode()
    assert FULL in client.get(reverse("admin:businesses_owner_changelist")).content.decode()
    assert FULL in client.get(reverse("admin:businesses_business_change", args=[business.pk])).content.decode()


def test_staff_without_permission_cannot_overwrite_nik_through_the_owner_form(client, staff, business):
    client.force_login(staff)
    url = reverse("admin:businesses_owner_change", args=[business.owner.pk])
    client.post(url, {"name": "Baru", "nik": "3171017101000001", "phone": "081277778888", "email": ""})
    business.owner.refresh_from_db()
    assert business.owner.nik == FULL and business.owner.name == "Baru"


def test_officials_see_names_but_no_nik_or_contacts(client, official, business):
    client.force_login(official)
    for url in (reverse("businesses:list"), reverse("businesses:detail", args=[business.pk])):
        body = client.get(url).content.decode()
        assert business.name in body
        assert FULL not in body and MASKED not in body and business.owner.phone not in body


def test_owner_sees_own_nik_masked(client, business):
    client.force_login(business.owner.user)
    body = client.get(reverse("businesses:detail", args=[business.pk])).content.decode()
    assert MASKED in body and FULL not in body
