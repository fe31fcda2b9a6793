"""Password reset by a 6-digit code sent by WhatsApp, for owners who sign in with their number.

Real PostgreSQL and Redis (the rate limits); the WhatsApp message leaves through the outbox and
the console provider (the quick start's), whose printed text is what the owner would read.
"""

import io
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent, PhoneResetCode
from accounts.roles import Role
from accounts.services import CODE_PLACEHOLDER, user_create
from notifications.models import Channel, Message, MessageStatus
from notifications.providers.console import ConsoleProvider
from notifications.providers.meta import MetaCloudProvider
from notifications.services import message_deliver

PASSWORD = "rendang-lamak-2026"
NEW_PASSWORD = "Sanjai-pedas-77"
NUMBER = "+6281266000001"
TYPED = "０８１２-６６００-０００１"  # full-width digits, as some phone keyboards type them
UNKNOWN = "0812-6600-0999"
PROXY = "10.0.0.1"
LIMITED = "Terlalu banyak permintaan kode"
SPENT = "Kode ini sudah tidak berlaku"


@pytest.fixture
def owner_user(db):
    return user_create(full_name="Yusnimar", phone=NUMBER, password=PASSWORD, role=Role.OWNER)


@pytest.fixture
def console(settings, monkeypatch):
    """WhatsApp on, through the console provider; returns what it printed."""
    settings.WHATSAPP_PROVIDER = "console"
    out = io.StringIO()
    monkeypatch.setattr(ConsoleProvider, "stream", out)
    return out


@pytest.fixture
def clock(monkeypatch):
    """Move time forward without sleeping: ``clock.forward(minutes=...)``."""

    class Clock:
        offset = timedelta()

        def forward(self, **delta):
            self.offset += timedelta(**delta)

    state, real_now = Clock(), timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + state.offset)
    return state


def _request(client, phone, **extra):
    return client.post(reverse("accounts:phone_reset"), {"phone": phone}, **extra)


def _confirm(client, code, phone=NUMBER, password=NEW_PASSWORD):
    data = {"phone": phone, "code": code, "password1": password, "password2": password}
    return client.post(reverse("accounts:phone_reset_confirm"), data)


def _deliver_code(console) -> str:
    """Send the queued code message as the worker would; the code as the owner reads it."""
    message = Message.objects.get(channel=Channel.WHATSAPP, status=MessageStatus.QUEUED)
    assert message_deliver(message_id=message.pk).status == MessageStatus.SENT
    printed = console.getvalue().split(f"({message.key})")[-1]
    return re.search(r"\b(\d{6})\b", printed).group(1)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


# --- Asking for a code: one message for a known number, the same answer for any number ---------


@pytest.mark.django_db
def test_a_known_number_gets_one_code_and_an_unknown_one_the_same_answer(client, owner_user, django_user_model):
    from django.test import Client

    known = _request(client, TYPED)
    stranger = Client()
    unknown = _request(stranger, UNKNOWN)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:phone_reset_confirm")
    [message] = Message.objects.all()
    assert (message.channel, message.recipient, message.status) == (Channel.WHATSAPP, NUMBER, MessageStatus.QUEUED)
    assert message.key.startswith("reset-code:")
    # The next page reads the same, but for the number filled in.
    page_known = client.get(known["Location"]).content.decode().replace(NUMBER, "N")
    page_unknown = stranger.get(unknown["Location"]).content.decode().replace("+6281266000999", "N")
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", page_known) == strip.sub("", page_unknown)
    # A wrong code is answered the same way too: a try counted, four left.
    for other, phone in ((client, NUMBER), (stranger, "+6281266000999")):
        answer = _confirm(other, "123456", phone=phone)
        assert answer.status_code == 200 and "sisa 4 percobaan" in answer.content.decode()
    assert PhoneResetCode.objects.filter(attempts=1).count() == 2


@pytest.mark.django_db
def test_a_number_without_an_account_is_sent_nothing_and_an_invalid_one_is_refused(client):
    assert _request(client, UNKNOWN).status_code == 302
    refused = _request(client, "12345")
    assert refused.status_code == 200 and "Nomor WhatsApp tidak valid" in refused.content.decode()
    assert not Message.objects.exists()


# --- The code is never stored in clear --------------------------------------------------------


@pytest.mark.django_db
def test_the_code_is_stored_only_as_an_hmac_never_in_the_outbox(client, owner_user, console):
    _request(client, NUMBER)
    code = _deliver_code(console)
    message = Message.objects.get()
    assert code not in message.body and CODE_PLACEHOLDER in message.body
    reset = PhoneResetCode.objects.get()
    assert len(reset.code_hash) == 64 and code not in reset.code_hash
    # Nowhere in either row, whatever the column.
    with connection.cursor() as cursor:
        for table, pk in ((Message._meta.db_table, message.pk), (PhoneResetCode._meta.db_table, reset.pk)):
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t WHERE id = %s", [pk])
            assert code not in cursor.fetchone()[0]
    # Meta's authentication template gets the code as its parameter (it takes the first number).
    outgoing = Message(key=message.key, subject=message.subject, body=message.body.replace(CODE_PLACEHOLDER, code))
    assert MetaCloudProvider.template(outgoing)["components"][0]["parameters"][0]["text"] == code


# --- Expiry, tries -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_code_expires_ten_minutes_after_the_request(client, owner_user, console, clock):
    _request(client, NUMBER)
    code = _deliver_code(console)
    clock.forward(minutes=9, seconds=59)
    assert "sisa 4 percobaan" in _confirm(client, _wrong(code)).content.decode()
    clock.forward(seconds=1)
    late = _confirm(client, code)
    assert late.status_code == 200 and SPENT in late.content.decode() and "Minta kode baru" in late.content.decode()
    owner_user.refresh_from_db()
    assert owner_user.check_password(PASSWORD)


@pytest.mark.django_db
def test_five_wrong_tries_lock_the_code(client, owner_user, console):
    _request(client, NUMBER)
    code = _deliver_code(console)
    for left in (4, 3, 2, 1):
        assert f"sisa {left} percobaan" in _confirm(client, _wrong(code)).content.decode()
    assert SPENT in _confirm(client, _wrong(code)).content.decode()
    assert SPENT in _confirm(client, code).content.decode()  # the right one, too late
    owner_user.refresh_from_db()
    assert owner_user.check_password(PASSWORD) and PhoneResetCode.objects.get().attempts == 5
    # A new code works again (and the old one stays dead).
    _request(client, NUMBER)
    fresh = _deliver_code(console)
    assert _confirm(client, fresh).status_code == 302


@pytest.mark.django_db
def test_a_password_the_validators_refuse_costs_no_try(client, owner_user, console):
    _request(client, NUMBER)
    code = _deliver_code(console)
    weak = _confirm(client, code, password="12345678")
    assert weak.status_code == 200 and PhoneResetCode.objects.get().attempts == 0
    assert _confirm(client, code).status_code == 302


@pytest.mark.django_db
def test_a_new_request_ends_the_earlier_code_and_a_late_delivery_sends_no_dead_code(client, owner_user, console, clock):
    _request(client, NUMBER)
    first = _deliver_code(console)
    _request(client, NUMBER)
    second = _deliver_code(console)
    assert first != second  # (one chance in a million that this is not what it checks)
    assert "sisa 4 percobaan" in _confirm(client, first).content.decode()  # the earlier code opens nothing
    owner_user.refresh_from_db()
    assert owner_user.check_password(PASSWORD)
    assert _confirm(client, second).status_code == 302
    # A worker that comes back after the code's ten minutes fails the row instead of sending it.
    _request(client, NUMBER)
    clock.forward(minutes=10)
    late = Message.objects.get(status=MessageStatus.QUEUED)
    assert message_deliver(message_id=late.pk).status == MessageStatus.FAILED
    assert "tidak berlaku" in Message.objects.get(pk=late.pk).last_error


@pytest.mark.django_db
def test_old_requests_are_purged_daily_and_a_second_run_deletes_nothing(client, owner_user, clock):
    from accounts.tasks import phone_reset_codes_purge_task

    _request(client, NUMBER)
    _request(client, UNKNOWN)
    clock.forward(days=2)
    _request(client, NUMBER)  # today's stays
    assert phone_reset_codes_purge_task.delay().get() == 2
    assert phone_reset_codes_purge_task.delay().get() == 0
    assert PhoneResetCode.objects.count() == 1


# --- Rate limits -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_spelling_of_one_number_shares_one_request_limit(client, owner_user, settings):
    settings.RATELIMIT_PASSWORD_RESET_PHONE, settings.RATELIMIT_PASSWORD_RESET_IP = "3/h", "100/h"
    for spelling in (NUMBER, "0812-6600-0001", TYPED):
        assert _request(client, spelling).status_code == 302
    refused = _request(client, "62 812 6600 0001")
    assert refused.status_code == 200 and LIMITED in refused.content.decode()
    assert Message.objects.count() == 3
    # Another number is counted on its own.
    assert _request(client, UNKNOWN).status_code == 302


@pytest.mark.django_db
def test_the_request_limit_counts_each_visitor_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATELIMIT_PASSWORD_RESET_IP, settings.RATELIMIT_PASSWORD_RESET_PHONE = "3/h", "100/h"

    def through(address, spoofed=""):
        return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{spoofed}, {address}" if spoofed else address}

    for i in range(6):
        assert _request(client, f"08126601{i:04d}", **through(f"203.0.113.{i + 1}")).status_code == 302
    for i in range(3):
        assert _request(client, f"08126602{i:04d}", **through("198.51.100.50", spoofed=f"192.0.2.{i}")).status_code == 302
    refused = _request(client, "081266029999", **through("198.51.100.50", spoofed="192.0.2.99"))
    assert refused.status_code == 200 and LIMITED in refused.content.decode()
    # The email form shares the address budget: one limit per visitor for both ways of asking.
    email = client.post(reverse("accounts:password_reset"), {"email": "x@contoh.id"}, **through("198.51.100.50"))
    assert email.status_code == 200


@pytest.mark.django_db
def test_the_reset_pages_stay_within_a_few_queries(client, owner_user, console, django_assert_max_num_queries):
    # Measured: request page 0, request 13, code page 1, wrong code 6, right code 10.
    with django_assert_max_num_queries(2):
        client.get(reverse("accounts:phone_reset"))
    with django_assert_max_num_queries(15):
        _request(client, NUMBER)
    with django_assert_max_num_queries(3):
        client.get(reverse("accounts:phone_reset_confirm"))
    code = _deliver_code(console)
    with django_assert_max_num_queries(8):
        _confirm(client, _wrong(code))
    with django_assert_max_num_queries(12):
        assert _confirm(client, code).status_code == 302


# --- Staff start a reset from the admin --------------------------------------------------------


@pytest.mark.django_db
def test_staff_send_a_code_from_the_admin_without_ever_seeing_it(client, django_user_model, owner_user, console):
    admin_user = django_user_model.objects.create_superuser("admin@contoh.id", "rahasia-ikm-123", full_name="Admin")
    admin_client = client
    admin_client.force_login(admin_user)
    changelist = reverse("admin:accounts_user_changelist")
    answer = admin_client.post(changelist, {"action": "phone_reset_send", "_selected_action": [owner_user.pk]}, follow=True)
    assert "Kode dikirim lewat WhatsApp" in answer.content.decode()
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_ids) == (admin_user, AuditAction.RESET_ASSISTED, [owner_user.pk])
    assert PhoneResetCode.objects.get().started_by == admin_user
    code = _deliver_code(console)
    for url in (
        changelist,
        reverse("admin:accounts_user_change", args=[owner_user.pk]),
        reverse("admin:notifications_message_changelist"),
        reverse("admin:notifications_message_change", args=[Message.objects.get().pk]),
    ):
        page = admin_client.get(url)
        assert page.status_code == 200 and code not in page.content.decode(), url
    # The owner, on their own phone, types the number and the code.
    from django.test import Client

    assert _confirm(Client(), code).status_code == 302
    owner_user.refresh_from_db()
    assert owner_user.check_password(NEW_PASSWORD)


# --- The whole flow ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_request_read_the_whatsapp_code_set_a_password_and_sign_in(client, owner_user, console):
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(owner_user)  # a session left open on another phone
    started = time.monotonic()
    forgot = client.get(reverse("accounts:password_reset"))
    assert reverse("accounts:phone_reset") in forgot.content.decode()
    asked = _request(client, TYPED)
    code_page = client.get(asked["Location"])
    assert NUMBER in code_page.content.decode()  # the number is filled in
    code = _deliver_code(console)
    assert f"WhatsApp ke {NUMBER}" in console.getvalue()
    done = client.post(
        reverse("accounts:phone_reset_confirm"),
        {"phone": NUMBER, "code": f"{code[:3]} {code[3:]}", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("accounts:login")
    assert "Kata sandi baru sudah tersimpan" in done.content.decode()
    signed_in = client.post(reverse("accounts:login"), {"username": "0812 6600 0001", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302 and client.session.get(SESSION_KEY) == str(owner_user.pk)
    print(f"reset flow: {time.monotonic() - started:.2f} s")
    # The other session ended with the password change; the code is spent.
    assert elsewhere.get(reverse("accounts:home")).url.startswith(reverse("accounts:login"))
    assert SPENT in _confirm(Client(), code, password="Lain-lagi-2027x").content.decode()
