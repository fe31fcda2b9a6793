from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifikasi")

    def ready(self):
        # Register the send tasks in every process (web too): notifications.outbox enqueues
        # them by name rather than importing notifications.tasks, which imports it.
        from . import tasks  # noqa: F401
