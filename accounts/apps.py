from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Akun dan peran")

    def ready(self):
        from notifications.services import message_body_filler_register

        from .services import PASSWORD_RESET_KEY_PREFIX, password_reset_body

        message_body_filler_register(key_prefix=PASSWORD_RESET_KEY_PREFIX, fill=password_reset_body)
