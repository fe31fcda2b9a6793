import pytest

from .factories import TrainingSessionFactory


@pytest.fixture
def session(reference):
    return TrainingSessionFactory()
