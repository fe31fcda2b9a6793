import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.models import Message
from notifications.services import PermanentFailure, message_queue

from .identifiers import email_normalize_or_none, phone_normalize
from .roles import GROUP_NAMES, Role


@transaction.atomic
def user_create(
    *,
    full_name: str,
    password: str | None,
    role: Role,
    email: str | None = None,
    phone: str | None = None,
    is_staff: bool = False,
    extra_groups: tuple[str, ...] = (),
):
    """Create a user in one role. ``phone`` and ``email`` go through accounts.identifiers (the
    manager normalises the email), so every caller stores them in their one form."""
    user = get_user_model().objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        phone=phone_normalize(phone) if phone else None,
        is_staff=is_staff or role == Role.STAFF,
    )
    names = [GROUP_NAMES[role], *extra_groups]
    user.groups.set(Group.objects.filter(name__in=names))
    return user


# Password-reset emails go through the outbox (sent by the worker, retried, failures shown to
# staff). The token is made as the email leaves (password_reset_body), never stored: the outbox
# is readable in the admin, and a stored link would let its readers take over any account.
PASSWORD_RESET_KEY_PREFIX = "password-reset:"  # nosec B105  # an outbox key prefix, not a password
TOKEN_PLACEHOLDER = "tautan-dibuat-saat-dikirim"  # nosec B105  # stands where the token goes


def password_reset_users(*, email: str):
    """The active accounts with this email that have a password to reset. Exact match on the
    normalised address: email__iexact is PostgreSQL's UPPER(), which also folds look-alikes
    (UPPER('ı') = 'I')."""
    address = email_normalize_or_none(email)
    if address is None:
        return []
    users = get_user_model().objects.filter(email=address, is_active=True)
    return [user for user in users if user.has_usable_password()]


@transaction.atomic
def password_reset_request(*, email: str) -> list[Message]:
    """Queue a password-reset email for each account with ``email``; nothing for an unknown one
    (the page says the same either way). Written in the active language; each request is a
    message of its own (the rate limits decide how many there may be)."""
    queued = []
    for user in password_reset_users(email=email):
        context = {
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": TOKEN_PLACEHOLDER,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject = "".join(render_to_string("accounts/email/password_reset_subject.txt", context).splitlines())
        body = render_to_string("accounts/email/password_reset.txt", context)
        queued += message_queue(
            key=f"{PASSWORD_RESET_KEY_PREFIX}{user.pk}:{uuid.uuid4().hex}", subject=subject, body=body, email=user.email
        )
    return queued


def password_reset_body(message: Message) -> str:
    """The queued body with a fresh token in its link, for the account the key names, if that
    account may still reset its password at the address the message goes to."""
    user_id = int(message.key.removeprefix(PASSWORD_RESET_KEY_PREFIX).split(":", 1)[0])
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or (user.email or "").lower() != message.recipient.lower():
        raise PermanentFailure("Akun tidak lagi aktif atau emailnya sudah berubah; tautan tidak dikirim.")
    return message.body.replace(f"/{TOKEN_PLACEHOLDER}/", f"/{default_token_generator.make_token(user)}/")


def sign_in_failures_purge() -> int:
    """Delete sign-in failures (django-axes' failure log) older than SIGNIN_FAILURE_LOG_DAYS: the
    holds read only the last SIGNIN_FAILURE_WINDOW_MINUTES, staff read a few weeks back, and
    identifiers that name no account would otherwise pile up. Safe to run twice."""
    from datetime import timedelta

    from axes.models import AccessFailureLog
    from django.conf import settings
    from django.utils import timezone

    cutoff = timezone.now() - timedelta(days=settings.SIGNIN_FAILURE_LOG_DAYS)
    count, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
    return count
