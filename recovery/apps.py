from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = _("Pemulihan")

    def ready(self):
        from . import receivers  # noqa: F401 - connects the registry's and trainings' signals
