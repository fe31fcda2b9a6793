import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.roles import GROUP_NAMES, NIK_VIEWER_GROUP, Role, role_of
from accounts.services import user_create
from notifications.models import Message

pytestmark = pytest.mark.django_db
PASSWORD = "rendang-lamak-2026"


@pytest.fixture
def owner_user():
    return user_create(full_name="Yusnimar", phone="+6281266000001", email="Yus@Contoh.id", password=PASSWORD, role=Role.OWNER)


@pytest.mark.parametrize("identifier", ["yus@contoh.id", "YUS@contoh.ID", "0812-6600-0001", "+62 812 6600 0001", "6281266000001"])
def test_sign_in_with_email_or_whatsapp_written_any_way(client, owner_user, identifier):
    response = client.post(reverse("accounts:login"), {"username": identifier, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner_user.pk)


def test_wrong_password_gets_an_indonesian_message(client, owner_user):
    response = client.post(reverse("accounts:login"), {"username": "0812-6600-0001", "password": "salah"})
    assert response.status_code == 200
    assert "kata sandi salah" in response.content.decode()


def test_inactive_user_cannot_sign_in(client, owner_user):
    owner_user.is_active = False
    owner_user.save()
    client.post(reverse("accounts:login"), {"username": "yus@contoh.id", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, owner_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends after the commit
        response = client.post(reverse("accounts:password_reset"), {"email": "yus@contoh.id"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/akun/atur-sandi/" in line).strip()
    path = link[link.index("/akun/") :]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "Sanjai-pedas-77", "new_password2": "Sanjai-pedas-77"})
    assert done.status_code == 302
    owner_user.refresh_from_db()
    assert owner_user.check_password("Sanjai-pedas-77")


def test_password_reset_for_unknown_email_reveals_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "tidakada@contoh.id"})
    assert response.status_code == 302 and mail.outbox == [] and not Message.objects.exists()


def test_password_reset_requests_are_rate_limited_per_email_and_per_address(client, owner_user, settings):
    settings.RATELIMIT_PASSWORD_RESET_EMAIL = "2/h"
    settings.RATELIMIT_PASSWORD_RESET_IP = "4/h"
    url = reverse("accounts:password_reset")
    for _ in range(2):
        assert client.post(url, {"email": "yus@contoh.id"}).status_code == 302
    refused = client.post(url, {"email": "YUS@contoh.id"})  # the same inbox, written otherwise
    assert refused.status_code == 200 and "Terlalu banyak permintaan" in refused.content.decode()
    assert Message.objects.count() == 2
    # Another email from the same address passes until the address's own limit.
    assert client.post(url, {"email": "lain@contoh.id"}).status_code == 302
    refused = client.post(url, {"email": "lagi@contoh.id"})
    assert "Terlalu banyak permintaan" in refused.content.decode() and Message.objects.count() == 2


def test_roles_are_created_by_migration_with_their_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(GROUP_NAMES.values()) | {NIK_VIEWER_GROUP} <= names
    staff = Group.objects.get(name=GROUP_NAMES[Role.STAFF])
    assert staff.permissions.filter(codename="change_business").exists()
    assert not staff.permissions.filter(codename="view_full_nik").exists()
    assert Group.objects.get(name=NIK_VIEWER_GROUP).permissions.filter(codename="view_full_nik").exists()
    # Officials read figures through the portal's pages; the only thing they write is targets.
    official = Group.objects.get(name=GROUP_NAMES[Role.OFFICIAL]).permissions
    assert {f"{p.content_type.app_label}.{p.codename}" for p in official.all()} <= {
        "recovery.view_target",
        "recovery.add_target",
        "recovery.change_target",
    }
    assert not Group.objects.get(name=GROUP_NAMES[Role.OWNER]).permissions.exists()


def test_role_of_reads_the_group(owner_user):
    assert role_of(owner_user) == Role.OWNER
    staff = user_create(full_name="Staf", email="staf@contoh.id", password=PASSWORD, role=Role.STAFF)
    assert role_of(staff) == Role.STAFF and staff.is_staff


@pytest.mark.parametrize(
    ("groups", "superuser", "role"),
    [
        ([Role.OWNER], False, Role.OWNER),
        ([Role.OFFICIAL], False, Role.OFFICIAL),
        ([Role.STAFF], False, Role.STAFF),
        ([Role.OWNER, Role.OFFICIAL], False, Role.OFFICIAL),
        ([Role.OWNER, Role.STAFF, Role.OFFICIAL], False, Role.STAFF),
        ([], False, None),
        ([], True, Role.STAFF),
    ],
)
def test_the_session_user_comes_with_the_role_role_of_finds_in_one_query(groups, superuser, role, django_assert_num_queries):
    from accounts.backends import EmailOrPhoneBackend
    from accounts.models import User

    user = User.objects.create(full_name="Peran", email="peran@contoh.id", is_superuser=superuser)
    user.groups.set(Group.objects.filter(name__in=[GROUP_NAMES[r] for r in groups]))
    user.groups.add(Group.objects.get_or_create(name=NIK_VIEWER_GROUP)[0])  # a group that is no role
    assert role_of(User.objects.get(pk=user.pk)) == role
    with django_assert_num_queries(1):
        signed_in = EmailOrPhoneBackend().get_user(user.pk)
        assert signed_in == user and role_of(signed_in) == role
    assert EmailOrPhoneBackend().get_user(user.pk + 1000) is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert EmailOrPhoneBackend().get_user(user.pk) is None


def test_a_user_needs_an_email_or_a_phone():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Isi email atau nomor WhatsApp"):
        user_create(full_name="Tanpa kontak", password=PASSWORD, role=Role.OWNER)
