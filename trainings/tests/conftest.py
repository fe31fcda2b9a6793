import pytest
from django.contrib.auth.models import Group

from accounts.roles import GROUP_NAMES

from .factories import TrainingSessionFactory


@pytest.fixture
def roles(db):
    """The role groups. Migrations create them, but a transactional test before this one may
    have flushed the database."""
    for name in GROUP_NAMES.values():
        Group.objects.get_or_create(name=name)


@pytest.fixture
def session(reference):
    return TrainingSessionFactory()
