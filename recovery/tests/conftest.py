import pytest

from businesses.tests.factories import OwnerFactory, UserFactory

from .factories import VerifiedBusinessFactory


@pytest.fixture
def staff(reference):
    return UserFactory(role="staf", email="staf@contoh.id")


@pytest.fixture
def official(reference):
    return UserFactory(role="pejabat", email="pejabat@contoh.id")


@pytest.fixture
def owner(reference):
    return OwnerFactory()


@pytest.fixture
def business(owner):
    """A verified business of ``owner`` (2019 baseline Rp15.000.000 a month, 5 workers)."""
    return VerifiedBusinessFactory(owner=owner)


@pytest.fixture
def other_business(reference):
    return VerifiedBusinessFactory()
