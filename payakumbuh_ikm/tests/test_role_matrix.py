"""docs/roles.md, enforced: every row of its table requested as every role, and every id of owner
A's requested as owner B. The table is parsed (role_world.py), so the document cannot say one
thing while the portal does another; and every named URL of the portal must have a row, so a new
page cannot go undocumented.

One world serves the whole module: built once inside a transaction that is rolled back at the
end; each case runs in a savepoint of its own (pytest-django's usual per-test rollback), so a
POST in one case (a cancellation, an approval) is gone before the next."""

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from .role_world import ANSWERS, NOT_TRIED, OTHER, ROLES, ROWS, is_sign_in, world_build

CASES = [
    pytest.param(row, role, id=f"{row['name']}-{row['method']}-{role.replace(' ', '_')}")
    for row in ROWS
    for role in (*ROLES, OTHER)
    if row[role] != NOT_TRIED
]


# --- The world -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_root():
    """Replaces the per-test media folder of the root conftest: the world's files are written
    once, in the module's folder (see ``world``), and every case must find them there."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield world_build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- The cases -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role"), CASES)
def test_every_page_answers_each_role_as_docs_roles_says(client, world, row, role):
    expected = row[role]
    assert expected in ANSWERS, f"docs/roles.md: unknown cell {expected!r} for {row['name']} as {role}"
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    url = reverse(row["name"], kwargs=world["kwargs"].get(row["name"], {}))
    response = client.post(url, {}) if row["method"] == "POST" else client.get(url)

    assert response.status_code != 500
    location = response.get("Location", "")
    if expected == "login":
        assert response.status_code == 302 and is_sign_in(location), (response.status_code, location)
    elif expected == "302":
        assert response.status_code == 302 and not is_sign_in(location), (response.status_code, location)
    else:
        assert response.status_code == int(expected), (response.status_code, location)


def test_every_row_names_its_url_and_path_as_the_portal_routes_it(world):
    for row in ROWS:
        url = reverse(row["name"], kwargs=world["kwargs"].get(row["name"], {}))
        assert "/" + resolve(url).route == row["path"], row["name"]
        assert row["method"] in ("GET", "POST"), row["name"]
        assert all(row[role] in ANSWERS for role in ROLES), row["name"]
        assert row[OTHER] in ANSWERS | {NOT_TRIED}, row["name"]


# Ids under these paths are an owner's: a business, its certification, a registration (or its
# check-in token), a monthly report.
OWNED_PATHS = (
    "/usaha/<",
    "/usaha/sertifikasi/",
    "/pelatihan/pendaftaran/",
    "/pelatihan/hadir/",
    "/pemulihan/usaha/",
    "/pemulihan/laporan/<",
    "/etalase/kelola/<",
    "/etalase/kelola/foto/",
)


def test_every_id_of_an_owner_is_tried_as_another_owner():
    for row in ROWS:
        owned = row["path"].startswith(OWNED_PATHS)
        assert (row[OTHER] != NOT_TRIED) == owned, f"{row['name']} {row['method']}: the other owner column"


def _named_urls(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner != "admin":  # the admin is listed as a few rows, not its every page
                yield from _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_named_url_of_the_portal_has_a_row():
    documented = {row["name"] for row in ROWS}
    assert set(_named_urls(get_resolver().url_patterns)) - documented == set()


@pytest.mark.django_db
def test_no_page_open_to_officials_shows_an_owners_nik_phone_or_email(client, world):
    """Officials read figures and names: whatever the table lets them open, no contact detail
    or NIK (not even masked) of owner A's is in it."""
    owner = world["users"]["owner"].owner_profile
    secrets_of_owner = {"NIK": owner.nik, "NIK (masked)": "*" * 10 + owner.nik[-2:], "email": owner.email}
    secrets_of_owner["phone"] = owner.phone[-8:]  # the same number however it is written
    client.force_login(world["users"]["official"])
    for row in ROWS:
        if row["official"] != "200":
            continue
        response = client.get(reverse(row["name"], kwargs=world["kwargs"].get(row["name"], {})))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        shown = [what for what, value in secrets_of_owner.items() if value in text]
        assert not shown, f"{row['name']} shows an official the owner's {', '.join(shown)}"
