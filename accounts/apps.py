from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Akun dan peran")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from notifications.services import message_body_filler_register

        from .services import PASSWORD_RESET_KEY_PREFIX, RESET_CODE_KEY_PREFIX, password_reset_body, phone_reset_code_body
        from .sessions import session_start

        message_body_filler_register(key_prefix=PASSWORD_RESET_KEY_PREFIX, fill=password_reset_body)
        message_body_filler_register(key_prefix=RESET_CODE_KEY_PREFIX, fill=phone_reset_code_body)
        # Django's own hook for "someone signed in" (the sign-in view, the admin's, the tests' force_login).
        user_logged_in.connect(session_start, dispatch_uid="accounts.sessions.session_start")
