"""Password-reset email goes through the outbox like every other message: queued in the
request, sent by the worker, retried while the mail server is down, recorded when it gives up.

Before, Django's PasswordResetForm sent it inside the request and, when SMTP failed, logged the
error and showed "sent" anyway: the person waited for an email that never came, and nobody knew.
"""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts.roles import Role
from accounts.services import TOKEN_PLACEHOLDER, user_create
from notifications.models import Channel, Message, MessageStatus
from notifications.services import TemporaryFailure, message_deliver
from payakumbuh_ikm.tests.waiting import wait_until

PASSWORD = "rendang-lamak-2026"
NEW_PASSWORD = "Sanjai-pedas-77"


@pytest.fixture
def owner_user(db):
    return user_create(full_name="Yusnimar", phone="+6281266000001", email="yus@contoh.id", password=PASSWORD, role=Role.OWNER)


def _smtp_down(settings):
    """A real SMTP client against a port where nothing listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2


def _link_path(body: str) -> str:
    link = next(line for line in body.splitlines() if "/akun/atur-sandi/" in line).strip()
    return link[link.index("/akun/") :]


@pytest.mark.django_db
def test_a_reset_request_queues_one_outbox_row_without_a_usable_link(client, owner_user):
    response = client.post(reverse("accounts:password_reset"), {"email": "YUS@contoh.id"})
    assert response.status_code == 302
    [message] = Message.objects.all()
    assert (message.channel, message.recipient, message.status) == (Channel.EMAIL, "yus@contoh.id", MessageStatus.QUEUED)
    assert message.key.startswith(f"password-reset:{owner_user.pk}:")
    # Staff read the outbox in the admin: what is stored opens nothing.
    assert TOKEN_PLACEHOLDER in message.body
    page = client.get(_link_path(message.body), follow=True)
    assert "new_password1" not in page.content.decode()
    assert mail.outbox == []  # nothing sent inside the request


@pytest.mark.django_db
def test_every_spelling_of_one_address_shares_one_reset_limit(client, owner_user, settings):
    # Three requests an hour per address (RATELIMIT_PASSWORD_RESET_EMAIL): capitals and
    # full-width letters are the same inbox, not three more buckets.
    settings.RATELIMIT_PASSWORD_RESET_EMAIL, settings.RATELIMIT_PASSWORD_RESET_IP = "3/h", "100/h"
    for spelling in ("yus@contoh.id", "YUS@contoh.id", "ｙｕｓ@contoh.id"):
        assert client.post(reverse("accounts:password_reset"), {"email": spelling}).status_code == 302
    refused = client.post(reverse("accounts:password_reset"), {"email": "ＹＵＳ@ｃｏｎｔｏｈ.ｉｄ"})
    assert refused.status_code == 200 and "Terlalu banyak permintaan" in refused.content.decode()
    assert Message.objects.count() == 3


@pytest.mark.django_db
def test_the_delivered_email_carries_a_link_that_resets_the_password(client, owner_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "yus@contoh.id"})
    assert Message.objects.get().status == MessageStatus.SENT
    [email] = mail.outbox
    assert email.to == ["yus@contoh.id"] and TOKEN_PLACEHOLDER not in email.body
    form_page = client.get(_link_path(email.body), follow=True)
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    owner_user.refresh_from_db()
    assert owner_user.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_smtp_down_keeps_the_email_queued_with_the_error_for_a_retry(client, owner_user, settings):
    client.post(reverse("accounts:password_reset"), {"email": "yus@contoh.id"})
    message = Message.objects.get()
    _smtp_down(settings)
    with pytest.raises(TemporaryFailure):
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert message.last_error
    assert TOKEN_PLACEHOLDER in message.body  # the failed attempt left no token behind


@pytest.mark.django_db
def test_a_link_for_an_account_deactivated_meanwhile_is_not_sent(client, owner_user):
    client.post(reverse("accounts:password_reset"), {"email": "yus@contoh.id"})
    owner_user.is_active = False
    owner_user.save()
    message = message_deliver(message_id=Message.objects.get().pk)
    assert message.status == MessageStatus.FAILED and mail.outbox == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_smtp_down_is_retried_by_the_worker_then_recorded_as_failed(client, owner_user, settings, celery_worker):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0
    _smtp_down(settings)
    with transaction.atomic():
        response = client.post(reverse("accounts:password_reset"), {"email": "yus@contoh.id"})
    assert response.status_code == 302
    assert wait_until(lambda: Message.objects.get().status == MessageStatus.FAILED, timeout=30)
    message = Message.objects.get()
    assert message.attempts == 6  # the first try and five retries
    assert "refused" in message.last_error.lower() or "connect" in message.last_error.lower()
