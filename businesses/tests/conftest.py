import pytest
from django.contrib.auth.models import Group

from accounts.roles import NIK_VIEWER_GROUP

from .factories import BusinessFactory, OwnerFactory, UserFactory


@pytest.fixture
def staff(reference):
    return UserFactory(role="staf", email="staf@contoh.id")


@pytest.fixture
def nik_viewer(reference):
    user = UserFactory(role="staf", email="verifikator@contoh.id")
    user.groups.add(Group.objects.get(name=NIK_VIEWER_GROUP))
    return user


@pytest.fixture
def official(reference):
    return UserFactory(role="pejabat", email="pejabat@contoh.id")


@pytest.fixture
def owner(reference):
    return OwnerFactory()


@pytest.fixture
def business(owner):
    return BusinessFactory(owner=owner)


@pytest.fixture
def other_business(reference):
    return BusinessFactory()
