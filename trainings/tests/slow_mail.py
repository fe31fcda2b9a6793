"""A mail backend for the killed-worker test: writes each email to a file, slowly, so a kill
lands in the middle of a batch. Used by a separate worker process through TEST_EMAIL_BACKEND."""

import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(0.1)
        return super().send_messages(email_messages)
