from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The quick start's demo city, seeded over every app by one command (``seed_demo``). It has
    no models and no app imports it: it sits above them all."""

    name = "demo"
