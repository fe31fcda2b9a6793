from django.apps import AppConfig


class PayakumbuhIkmConfig(AppConfig):
    """The project's own app (shared template tags, the public page cache)."""

    name = "payakumbuh_ikm"

    def ready(self):
        from payakumbuh_ikm import public_cache  # noqa: PLC0415

        public_cache.connect_signals()
