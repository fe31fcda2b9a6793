from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShowcaseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "showcase"
    verbose_name = _("Etalase IKM")

    def ready(self):
        from notifications.services import message_body_filler_register

        from .inquiries import INQUIRY_KEY_PREFIX, inquiry_body

        # The buyer's words go into the owner's message as it leaves, never into the outbox.
        message_body_filler_register(key_prefix=INQUIRY_KEY_PREFIX, fill=inquiry_body)
