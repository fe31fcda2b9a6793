"""What staff add or edit in the admin is saved by businesses.services, so that file holds every
way an owner or a business changes."""

from unittest import mock

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from businesses import services
from businesses.models import Business, BusinessStatus, Owner

from .factories import BusinessFactory, OwnerFactory

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


@pytest.mark.parametrize(("model", "change", "service"), [
    (Business, False, "business_create_by_staff"),
    (Owner, False, "owner_save_by_staff"),
    (Owner, True, "owner_save_by_staff"),
])  # fmt: skip
def test_the_admin_saves_through_the_service(staff, model, change, service):
    obj = BusinessFactory.build(owner=OwnerFactory(user=None)) if model is Business else OwnerFactory.build(user=None)
    with mock.patch.object(services, service) as called:
        admin.site._registry[model].save_model(_request(staff), obj, form=mock.Mock(changed_data=[]), change=change)
    assert called.call_args.kwargs[model._meta.model_name] is obj


def test_a_business_added_by_staff_is_pending(staff):
    owner = OwnerFactory(user=None)
    business = BusinessFactory.build(owner=owner)
    services.business_create_by_staff(business=business, actor=staff)
    assert Business.objects.get(pk=business.pk).status == BusinessStatus.PENDING


def test_an_owner_saved_by_staff_is_checked_first(staff):
    taken = OwnerFactory(user=None)
    owner = OwnerFactory.build(user=None, nik=taken.nik)
    with pytest.raises(ValidationError):
        services.owner_save_by_staff(owner=owner, actor=staff)
    assert Owner.objects.count() == 1
