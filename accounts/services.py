import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Message
from notifications.services import PermanentFailure, message_queue

from .identifiers import email_normalize_or_none, phone_normalize, phone_normalize_or_none
from .models import PhoneResetCode, User
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


# --- Password reset by a code sent by WhatsApp --------------------------------------------------
#
# For owners who sign in with their number and read WhatsApp, not email. The design:
# - A request makes a PhoneResetCode row and queues a WhatsApp message whose body holds a
#   placeholder, not the code (key "reset-code:<row id>"; the Meta provider sends such keys with
#   the approved authentication template). The code is drawn as the message leaves
#   (phone_reset_code_body, the outbox's body filler) and only its HMAC is stored: staff read
#   the outbox in the admin and backups keep it, so neither may hold a code that opens an account.
#   A new draw on each delivery attempt replaces the last: only the code that left counts.
# - The HMAC is keyed from SECRET_KEY (salted_hmac): a leaked table alone cannot be searched
#   through the million possible codes, as a plain hash could be in a second.
# - A code is valid PHONE_RESET_CODE_MINUTES from the request, for PHONE_RESET_CODE_TRIES tries;
#   a new request or a successful reset ends the user's earlier codes.
# - A number with no account gets a row too (no user, no message), so the code page counts tries,
#   expires and answers exactly as it does for a real account: nothing tells the two apart.
# - The code page takes the number with the code and checks the latest request for it: an owner
#   whose reset staff started (phone_reset_assist) types both on any device.
RESET_CODE_KEY_PREFIX = "reset-code:"
CODE_PLACEHOLDER = "[kode-dibuat-saat-dikirim]"
_CODE_HMAC_SALT = "accounts.PhoneResetCode.code"


def _code_hash(reset_id: int, code: str) -> str:
    return salted_hmac(_CODE_HMAC_SALT, f"{reset_id}:{code}", algorithm="sha256").hexdigest()


def _code_expired(reset: PhoneResetCode) -> bool:
    return timezone.now() >= reset.created_at + timedelta(minutes=settings.PHONE_RESET_CODE_MINUTES)


def _code_spent(reset: PhoneResetCode) -> bool:
    return reset.used_at is not None or reset.attempts >= settings.PHONE_RESET_CODE_TRIES or _code_expired(reset)


def phone_reset_user(*, phone: str):
    """The active account signing in with this number that has a password to reset, or None."""
    number = phone_normalize_or_none(phone)
    if number is None:
        return None
    user = get_user_model().objects.filter(phone=number, is_active=True).first()
    return user if user is not None and user.has_usable_password() else None


def _codes_end(phone: str) -> None:
    PhoneResetCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=timezone.now())


def _code_queue(reset: PhoneResetCode, phone: str) -> None:
    minutes = settings.PHONE_RESET_CODE_MINUTES
    message_queue(
        key=f"{RESET_CODE_KEY_PREFIX}{reset.pk}",
        subject=_("Kode atur ulang kata sandi"),
        body=_(
            "%(code)s adalah kode untuk membuat kata sandi baru di Portal Pemulihan IKM Payakumbuh. "
            "Berlaku %(minutes)s menit. Jangan berikan kode ini kepada siapa pun, termasuk petugas. "
            "Masukkan di %(url)s"
        )
        % {
            "code": CODE_PLACEHOLDER,
            "minutes": minutes,
            "url": settings.SITE_URL.rstrip("/") + reverse("accounts:phone_reset_confirm"),
        },
        phone=phone,
    )


@transaction.atomic
def phone_reset_request(*, phone: str) -> PhoneResetCode:
    """Start a reset for the account signing in with ``phone``: a row, and a WhatsApp message
    with the code if the number has an account (phone_reset_user). Returns the row either way;
    the caller keeps its id in the session and says the same thing whatever the number."""
    number = phone_normalize(phone)
    user = phone_reset_user(phone=number)
    _codes_end(number)
    reset = PhoneResetCode.objects.create(phone=number, user=user, created_at=timezone.now())
    if user is not None:
        _code_queue(reset, user.phone)
    return reset


@transaction.atomic
def phone_reset_assist(*, user: User, actor: User) -> PhoneResetCode | None:
    """Staff (``actor``) start a reset for ``user``: the code goes to the number on record, never to staff.
    None when the account is inactive or has no number. Works also for an account made without
    a password (the owner then sets their first one)."""
    if not user.is_active or not user.phone:
        return None
    _codes_end(user.phone)
    reset = PhoneResetCode.objects.create(phone=user.phone, user=user, started_by=actor, created_at=timezone.now())
    _code_queue(reset, user.phone)
    return reset


def phone_reset_code_body(message: Message) -> str:
    """The queued body with a freshly drawn code, whose HMAC replaces the row's; refused when the
    request is spent or the account no longer signs in with the number the message goes to."""
    reset_id = int(message.key.removeprefix(RESET_CODE_KEY_PREFIX))
    with transaction.atomic():
        reset = PhoneResetCode.objects.select_for_update().filter(pk=reset_id).first()
        user = get_user_model().objects.filter(pk=reset.user_id).first() if reset and reset.user_id else None
        if reset is None or user is None or _code_spent(reset):
            raise PermanentFailure("Kode atur ulang sudah tidak berlaku sebelum terkirim; tidak dikirim.")
        if (
            not user.is_active
            or user.phone != reset.phone
            or user.phone != message.recipient
            or not (reset.started_by_id or user.has_usable_password())
        ):
            raise PermanentFailure("Akun tidak lagi aktif atau nomornya sudah berubah; kode tidak dikirim.")
        code = f"{secrets.randbelow(10**6):06d}"
        reset.code_hash = _code_hash(reset.pk, code)
        reset.save(update_fields=["code_hash"])
    return message.body.replace(CODE_PLACEHOLDER, code)


class ResetCodeRefused(Exception):
    """The code was not accepted; ``message`` says why, in the active language."""

    def __init__(self, message: str, *, spent: bool):
        super().__init__(message)
        self.message, self.spent = message, spent


@dataclass
class _Outcome:
    user: object = None
    spent: bool = False
    tries_left: int = 0


def _code_check(phone: str, code: str, password: str) -> _Outcome:
    with transaction.atomic():
        reset = PhoneResetCode.objects.select_for_update().filter(phone=phone).order_by("-created_at", "-pk").first()
        if reset is None or _code_spent(reset):
            return _Outcome(spent=True)
        user = get_user_model().objects.filter(pk=reset.user_id, is_active=True, phone=phone).first() if reset.user_id else None
        if user is not None and reset.code_hash and constant_time_compare(reset.code_hash, _code_hash(reset.pk, code)):
            user.set_password(password)
            user.save(update_fields=["password"])
            _codes_end(phone)
            return _Outcome(user=user)
        reset.attempts += 1
        reset.save(update_fields=["attempts"])
        return _Outcome(
            spent=reset.attempts >= settings.PHONE_RESET_CODE_TRIES, tries_left=settings.PHONE_RESET_CODE_TRIES - reset.attempts
        )


def phone_reset_confirm(*, phone: str, code: str, password: str):
    """Set ``password`` if ``code`` is the one last sent to ``phone`` (normalised); returns the user.

    Raises ResetCodeRefused otherwise: a wrong code (a try counted and committed, the message
    says how many are left), or a request expired, used or out of tries (ask for a new code).
    The new password changes the session hash, so every session of the user ends (Django
    checks it on each request). ``password`` must have passed the password validators.
    """
    outcome = _code_check(phone, code, password)
    if outcome.user is not None:
        return outcome.user
    if outcome.spent:
        raise ResetCodeRefused(
            _("Kode ini sudah tidak berlaku: lewat waktunya, sudah dipakai, atau terlalu sering salah. Minta kode baru."),
            spent=True,
        )
    left = outcome.tries_left
    raise ResetCodeRefused(
        ngettext(
            "Kode salah. Periksa pesan WhatsApp dan coba lagi: sisa %(left)d percobaan.",
            "Kode salah. Periksa pesan WhatsApp dan coba lagi: sisa %(left)d percobaan.",
            left,
        )
        % {"left": left},
        spent=False,
    )


def phone_reset_codes_purge() -> int:
    """Delete reset-code requests older than PHONE_RESET_CODE_KEEP_DAYS: each is dead ten
    minutes after it was asked, and the rows of numbers with no account would otherwise keep
    what strangers typed. Safe to run twice; returns how many rows went."""
    cutoff = timezone.now() - timedelta(days=settings.PHONE_RESET_CODE_KEEP_DAYS)
    count, _deleted = PhoneResetCode.objects.filter(created_at__lt=cutoff).delete()
    return count


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
