"""Password guessing (accounts/lockout.py): an account from one address after 10 wrong passwords;
an account from everywhere after 40 in an hour, and an address after 100, for browsers new to it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import DEVICE_COOKIE
from accounts.roles import Role
from accounts.services import user_create

pytestmark = pytest.mark.django_db
PASSWORD = "rendang-lamak-2026"
LOGIN = "accounts:login"


@pytest.fixture
def owner_user():
    return user_create(full_name="Yusnimar", phone="+6281266000001", email="yus@contoh.id", password=PASSWORD, role=Role.OWNER)


@pytest.fixture
def other_owner_user():
    return user_create(full_name="Rajo", phone="+6281266000002", password=PASSWORD, role=Role.OWNER)


def _sign_in(client, username, password, ip="203.0.113.10"):
    return client.post(reverse(LOGIN), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _guess(client, username, times, *, ips=None):
    for i in range(times):
        ip = ips[i % len(ips)] if ips else f"198.51.100.{i + 1}"
        _sign_in(client, username, f"tebakan-{i}", ip=ip)


def _new_browser():
    return Client()


def _known_browser(username, ip="192.0.2.10"):
    """A browser that has signed in to the account before (and signed out again)."""
    browser = Client()
    assert _sign_in(browser, username, PASSWORD, ip=ip).status_code == 302
    browser.post(reverse("accounts:logout"))  # Client.logout() would drop every cookie
    assert "_auth_user_id" not in browser.session and DEVICE_COOKIE in browser.cookies
    return browser


def test_ten_wrong_passwords_hold_the_account_from_that_address_only(client, owner_user):
    # Written three ways from one address: one account, one counter.
    identifiers = ["0812-6600-0001", "+62 812 6600 0001", "YUS@contoh.ID"]
    for i in range(10):
        response = _sign_in(client, identifiers[i % 3], "salah-lagi", ip="203.0.113.10")
        assert response.status_code == (200 if i < 9 else 429)
    response = _sign_in(client, "0812 6600 0001", PASSWORD, ip="203.0.113.10")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Terlalu banyak percobaan masuk" in page and "coba lagi setelah pukul" in page
    assert int(response["Retry-After"]) == 15 * 60
    # The owner elsewhere is not held.
    assert _sign_in(_new_browser(), "yus@contoh.id", PASSWORD, ip="192.0.2.99").status_code == 302


def test_a_strangers_failures_from_other_addresses_do_not_lock_the_owner_out(client, owner_user):
    # Audit finding 4: ten wrong passwords from anywhere used to hold the owner for 15 minutes.
    _guess(client, "0812-6600-0001", 12, ips=["198.51.100.66"])
    _guess(client, "yus@contoh.id", 15, ips=["198.51.100.1", "198.51.100.2", "198.51.100.3"])
    owner_browser = _new_browser()
    response = _sign_in(owner_browser, "0812-6600-0001", PASSWORD, ip="192.0.2.10")
    assert response.status_code == 302 and owner_browser.session["_auth_user_id"] == str(owner_user.pk)


def test_forty_failures_an_hour_hold_new_browsers_but_never_the_owners_own(client, owner_user):
    owners_phone = _known_browser("0812-6600-0001", ip="192.0.2.10")
    # Forty guesses from eight addresses, five each: no address reaches its own hold.
    _guess(client, "0812-6600-0001", 40, ips=[f"198.51.100.{i}" for i in range(1, 9)])
    assert AccessFailureLog.objects.filter(username="+6281266000001").count() == 40
    # The ceiling: a browser new to the account is held, whatever its address, password right or not.
    stranger = _new_browser()
    response = _sign_in(stranger, "0812-6600-0001", PASSWORD, ip="203.0.113.200")
    assert response.status_code == 429 and "_auth_user_id" not in stranger.session
    assert "perangkat yang belum pernah dipakai" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 60 * 60
    # Refused guesses are not recorded: the hold does not lengthen itself.
    assert AccessFailureLog.objects.filter(username="+6281266000001").count() == 40
    # The owner's own phone signs in, from home or from a new address.
    response = _sign_in(owners_phone, "yus@contoh.id", PASSWORD, ip="192.0.2.77")
    assert response.status_code == 302 and owners_phone.session["_auth_user_id"] == str(owner_user.pk)


def test_a_new_password_voids_the_remembered_browsers(client, owner_user):
    owners_phone = _known_browser("0812-6600-0001")
    owner_user.set_password("kata-sandi-baru-2026")
    owner_user.save()
    _guess(client, "0812-6600-0001", 40, ips=[f"198.51.100.{i}" for i in range(1, 9)])
    assert _sign_in(owners_phone, "0812-6600-0001", "kata-sandi-baru-2026", ip="192.0.2.10").status_code == 429


def test_the_account_wide_hold_ends_when_its_hour_has_passed(client, owner_user):
    _guess(client, "0812-6600-0001", 40, ips=[f"198.51.100.{i}" for i in range(1, 9)])
    assert _sign_in(_new_browser(), "0812-6600-0001", PASSWORD, ip="192.0.2.5").status_code == 429
    AccessFailureLog.objects.update(attempt_time=timezone.now() - timedelta(minutes=61))
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=61))
    assert _sign_in(_new_browser(), "0812-6600-0001", PASSWORD, ip="192.0.2.5").status_code == 302


def test_every_spelling_of_an_account_counts_on_one_counter(client, owner_user):
    # Audit finding 4: the phone form and the email were two counters (and each spelling of the
    # email a third, fourth...), about 360 guesses an hour instead of 40.
    spellings = [
        "0812-6600-0001",
        "+62 812 6600 0001",
        "\uff10\uff18\uff11\uff12\uff16\uff16\uff10\uff10\uff10\uff10\uff10\uff11",  # full-width digits
        "yus@contoh.id",
        "YUS@Contoh.ID",
        "\uff59\uff55\uff53\uff20\uff43\uff4f\uff4e\uff54\uff4f\uff48\uff0e\uff49\uff44",  # full-width letters
        "y\u00fcs@contoh.id",  # a look-alike: counted here, and it signs in as nobody
    ]
    for i, spelling in enumerate(spellings):
        _sign_in(client, spelling, "salah", ip=f"198.51.100.{i + 1}")
    assert list(AccessFailureLog.objects.values_list("username", flat=True).distinct()) == ["+6281266000001"]


def test_a_dotless_i_look_alike_neither_signs_in_nor_gets_a_counter_of_its_own(client):
    # On PostgreSQL email__iexact is UPPER(a) = UPPER(b), and UPPER('ı') = 'I': "pemılık@contoh.id"
    # signed in as pemilik@contoh.id, counted apart from it.
    user = user_create(full_name="Pemilik", email="pemilik@contoh.id", phone="+6281266000003", password=PASSWORD, role=Role.OWNER)
    response = _sign_in(client, "pem\u0131l\u0131k@contoh.id", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    _sign_in(client, "0812-6600-0003", "salah")
    assert set(AccessFailureLog.objects.values_list("username", flat=True)) == {user.phone}
    assert AccessAttempt.objects.get().failures_since_start == 2


def test_the_address_hold_ends_after_the_cool_off(client, owner_user):
    _guess(client, "0812-6600-0001", 10, ips=["203.0.113.10"])
    assert _sign_in(client, "0812-6600-0001", PASSWORD, ip="203.0.113.10").status_code == 429
    # As if the cool-off (15 minutes) had passed since the last failure.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=16))
    response = _sign_in(client, "0812-6600-0001", PASSWORD, ip="203.0.113.10")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(owner_user.pk)


def test_one_address_guessing_many_accounts_holds_only_browsers_new_to_them(client, owner_user, other_owner_user):
    # An office or a carrier's shared address: a hundred failures an hour hold new browsers there,
    # never a colleague's phone that has signed in before.
    colleague = _known_browser("0812-6600-0002", ip="203.0.113.66")
    for i in range(100):
        _sign_in(client, f"0812-7700-{i:04d}", "salah", ip="203.0.113.66")
    assert _sign_in(_new_browser(), "0812-6600-0001", PASSWORD, ip="203.0.113.66").status_code == 429
    assert _sign_in(colleague, "0812-6600-0002", PASSWORD, ip="203.0.113.66").status_code == 302
    # ... and the same account from another address signs in.
    assert _sign_in(_new_browser(), "0812-6600-0001", PASSWORD, ip="203.0.113.67").status_code == 302


def test_a_right_password_clears_the_count(client, owner_user):
    _guess(client, "0812-6600-0001", 9, ips=["192.0.2.1"])
    assert _sign_in(client, "0812-6600-0001", PASSWORD, ip="192.0.2.1").status_code == 302
    client.logout()
    _guess(client, "0812-6600-0001", 9, ips=["192.0.2.1"])
    assert _sign_in(client, "0812-6600-0001", PASSWORD, ip="192.0.2.1").status_code == 302


def test_address_comes_from_the_trusted_proxy_entry_of_x_forwarded_for(client, owner_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy is the same for everyone (REMOTE_ADDR); the client's address is what it appended.
    for i in range(10):
        client.post(
            reverse(LOGIN),
            {"username": "0812-6600-0001", "password": "salah"},
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


def test_old_failures_are_purged_and_a_second_purge_deletes_nothing(client, owner_user, settings):
    from accounts.services import sign_in_failures_purge

    _guess(client, "0812-6600-0001", 3)
    AccessFailureLog.objects.filter(pk__in=AccessFailureLog.objects.values("pk")[:2]).update(
        attempt_time=timezone.now() - timedelta(days=settings.SIGNIN_FAILURE_LOG_DAYS + 1)
    )
    assert sign_in_failures_purge() == 2
    assert sign_in_failures_purge() == 0
    assert AccessFailureLog.objects.count() == 1


def test_passwords_need_ten_characters_and_must_not_be_common_or_numeric():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["Sanjai-77", "password123", "8127364519"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("rendang-lamak-2026")
