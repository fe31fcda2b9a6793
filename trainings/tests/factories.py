from datetime import timedelta

import factory
from django.utils import timezone

from businesses.tests.factories import BusinessFactory, VerifiedBusinessFactory  # noqa: F401 - re-exported
from trainings.models import Mode, Registration, RegistrationStatus, SessionStatus, Topic, TrainingSession


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topik uji {n}")
    slug = factory.Sequence(lambda n: f"topik-uji-{n}")
    description = "Pemasaran lewat marketplace"


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    topic = factory.SubFactory(TopicFactory)
    title = factory.Sequence(lambda n: f"Jualan di marketplace, angkatan {n}")
    trainer = "Uni Rina, Rumah Kreatif BUMN"
    mode = Mode.IN_PERSON
    venue = "Aula Disnakerin, Jl. Veteran No. 70, Payakumbuh"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    capacity = 30
    status = SessionStatus.PUBLISHED


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(TrainingSessionFactory)
    business = factory.SubFactory(VerifiedBusinessFactory)
    participant_name = factory.LazyAttribute(lambda o: o.business.owner.name)
    status = RegistrationStatus.CONFIRMED
