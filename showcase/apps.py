from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShowcaseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "showcase"
    verbose_name = _("Etalase IKM")
