"""Sessions end when idle: 30 minutes for anyone who holds a permission (staff, NIK checkers,
officials), 7 days for owners; and a password change ends the user's other sessions.

Before, every session lasted 14 days whatever its user could read, so a NIK checker's office
computer left signed in showed full NIKs to whoever sat down at it for two weeks.

Idle time is made by moving the session's last-activity stamp back in the stored session (the
real database session), then asking for a page as the browser would.
"""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.sessions import IDLE_LIMIT, LAST_SEEN

pytestmark = pytest.mark.django_db

PASSWORD = "rahasia-ikm-123"  # businesses.tests.factories.UserFactory's
MINUTE, DAY = 60, 24 * 60 * 60
SIGNED_OUT_NOTE = "Anda otomatis keluar karena tidak ada aktivitas"


def _idle(client, seconds: int) -> None:
    """As if the last request had been ``seconds`` earlier."""
    session = client.session
    session[LAST_SEEN] -= seconds
    session.save()


def _signed_in(client, url: str) -> bool:
    response = client.get(url)
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


SUMMARY, MINE, ADMIN = reverse("businesses:summary"), reverse("businesses:mine"), reverse("admin:index")


@pytest.mark.parametrize(("who", "page"), [("staff", SUMMARY), ("nik_viewer", ADMIN), ("official", SUMMARY)])
def test_a_session_of_someone_with_permissions_ends_after_thirty_idle_minutes(client, request, who, page):
    client.force_login(request.getfixturevalue(who))
    _idle(client, 29 * MINUTE)
    assert _signed_in(client, page)
    _idle(client, 31 * MINUTE)
    assert not _signed_in(client, page)
    assert "_auth_user_id" not in client.session
    login_page = client.get(reverse("accounts:login"))
    assert SIGNED_OUT_NOTE in login_page.content.decode()


def test_an_owner_session_lasts_days_not_minutes(client, owner):
    client.force_login(owner.user)
    _idle(client, 31 * MINUTE)
    assert _signed_in(client, MINE)
    _idle(client, 6 * DAY)
    assert _signed_in(client, MINE)
    _idle(client, 8 * DAY)
    assert not _signed_in(client, MINE)


def test_activity_keeps_a_staff_session_alive(client, staff):
    client.force_login(staff)
    for _ in range(6):  # two hours, a page every 20 minutes
        _idle(client, 20 * MINUTE)
        assert _signed_in(client, SUMMARY)


def test_the_limits_are_settings(client, staff, owner, settings):
    settings.SESSION_IDLE_MINUTES_STAFF = 5
    settings.SESSION_IDLE_DAYS_OWNER = 1
    client.force_login(staff)
    _idle(client, 6 * MINUTE)
    assert not _signed_in(client, SUMMARY)
    client.force_login(owner.user)
    _idle(client, 25 * 60 * MINUTE)
    assert not _signed_in(client, MINE)


def test_the_session_expires_on_the_server_and_in_the_cookie_too(client, staff):
    """A session nobody uses again ends in the database as well (and its cookie with it)."""
    response = client.post(reverse("accounts:login"), {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[IDLE_LIMIT] == 30 * MINUTE
    stored = Session.objects.get(session_key=client.session.session_key)
    assert stored.expire_date <= timezone.now() + timedelta(minutes=30)
    assert response.cookies["sessionid"]["max-age"] == 30 * MINUTE


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(client, staff):
    from django.test import Client

    other = Client()
    client.force_login(staff)
    other.force_login(staff)
    new = "Sanjai-pedas-77-baru"
    response = client.post(
        reverse("admin:password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert _signed_in(client, SUMMARY)
    assert not _signed_in(other, SUMMARY)


def test_resetting_the_password_ends_every_session_of_the_account(client, owner, django_capture_on_commit_callbacks):
    from django.core import mail
    from django.test import Client

    phone, laptop = Client(), Client()
    phone.force_login(owner.user)
    laptop.force_login(owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": owner.user.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/akun/atur-sandi/" in line).strip()
    form_page = client.get(link[link.index("/akun/") :], follow=True)
    new = "Sanjai-pedas-77-baru"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert not _signed_in(phone, MINE) and not _signed_in(laptop, MINE)
