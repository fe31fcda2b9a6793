"""Password guessing: django-axes holds an account, or an address, after 10 wrong passwords."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from accounts.roles import Role
from accounts.services import user_create

pytestmark = pytest.mark.django_db
PASSWORD = "rendang-lamak-2026"
LOGIN = "accounts:login"


@pytest.fixture
def owner():
    return user_create(full_name="Yusnimar", phone="+6281266000001", email="yus@contoh.id", password=PASSWORD, role=Role.OWNER)


@pytest.fixture
def other_owner():
    return user_create(full_name="Rajo", phone="+6281266000002", password=PASSWORD, role=Role.OWNER)


def _sign_in(client, username, password, ip="203.0.113.10"):
    return client.post(reverse(LOGIN), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _guess(client, username, times, *, ips=None):
    for i in range(times):
        ip = ips[i % len(ips)] if ips else f"198.51.100.{i + 1}"
        _sign_in(client, username, f"tebakan-{i}", ip=ip)


def test_ten_wrong_passwords_lock_the_account_even_with_the_right_password(client, owner):
    # From ten different addresses, written three different ways: still one account.
    identifiers = ["0812-6600-0001", "+62 812 6600 0001", "6281266000001"]
    for i in range(10):
        response = _sign_in(client, identifiers[i % 3], "salah-lagi", ip=f"198.51.100.{i + 1}")
        assert response.status_code == 200 if i < 9 else 429
    response = _sign_in(client, "0812 6600 0001", PASSWORD, ip="192.0.2.99")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Terlalu banyak percobaan masuk" in page and "coba lagi setelah pukul" in page
    assert int(response["Retry-After"]) == 15 * 60


def test_another_account_still_signs_in_while_one_is_locked(client, owner, other_owner):
    _guess(client, "0812-6600-0001", 10)
    response = _sign_in(client, "0812-6600-0002", PASSWORD, ip="192.0.2.50")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other_owner.pk)


def test_email_written_in_capitals_counts_for_the_same_account(client, owner):
    for i in range(10):
        _sign_in(client, "YUS@contoh.ID" if i % 2 else "yus@contoh.id", "salah", ip=f"198.51.100.{i + 1}")
    assert _sign_in(client, "yus@contoh.id", PASSWORD, ip="192.0.2.7").status_code == 429


def test_the_lock_ends_after_the_cool_off(client, owner):
    _guess(client, "0812-6600-0001", 10)
    assert _sign_in(client, "0812-6600-0001", PASSWORD).status_code == 429
    # As if the cool-off (15 minutes) had passed since the last failure.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=16))
    response = _sign_in(client, "0812-6600-0001", PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(owner.pk)


def test_one_address_guessing_many_accounts_is_locked_out(client, owner, other_owner):
    for i in range(10):
        _sign_in(client, f"0812-7700-{i:04d}", "salah", ip="203.0.113.66")
    # Even a real account with its right password is refused from that address ...
    assert _sign_in(client, "0812-6600-0001", PASSWORD, ip="203.0.113.66").status_code == 429
    # ... while the same account from another address signs in.
    assert _sign_in(client, "0812-6600-0001", PASSWORD, ip="203.0.113.67").status_code == 302


def test_a_right_password_clears_the_count(client, owner):
    _guess(client, "0812-6600-0001", 9)
    assert _sign_in(client, "0812-6600-0001", PASSWORD, ip="192.0.2.1").status_code == 302
    client.logout()
    _guess(client, "0812-6600-0001", 9, ips=["192.0.2.200"])
    assert _sign_in(client, "0812-6600-0001", PASSWORD, ip="192.0.2.1").status_code == 302


def test_address_comes_from_the_trusted_proxy_entry_of_x_forwarded_for(client, owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy is the same for everyone (REMOTE_ADDR); the client's address is what it appended.
    for i in range(10):
        client.post(
            reverse(LOGIN),
            {"username": f"0812-7700-{i:04d}", "password": "salah"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, 203.0.113.{i + 1}",
        )
    response = client.post(
        reverse(LOGIN),
        {"username": "0812-6600-0001", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.100",
    )
    assert response.status_code == 302


def test_passwords_need_ten_characters_and_must_not_be_common_or_numeric():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["Sanjai-77", "password123", "8127364519"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("rendang-lamak-2026")
