"""NIK at rest: only tokens and keyed digests in the database, and a key that can be rotated."""

import io
import subprocess

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ValidationError
from django.core.management import call_command
from django.db import connection

from businesses.crypto import _fernet, nik_digest
from businesses.models import Owner

from .factories import OwnerFactory

NIK = "1376024107900001"


def _raw(owner_id: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nik, nik_hash FROM businesses_owner WHERE id = %s", [owner_id])
        return cursor.fetchone()


@pytest.mark.django_db
def test_the_database_holds_a_token_and_a_digest_and_python_sees_the_nik():
    owner = OwnerFactory(nik=NIK)
    token, digest = _raw(owner.pk)
    assert NIK not in token and token.startswith("gAAAA")
    assert digest == nik_digest(NIK) and NIK not in digest
    assert Owner.objects.get(pk=owner.pk).nik == NIK
    assert Owner.objects.get(nik_hash=nik_digest(NIK)) == owner


@pytest.mark.django_db
def test_a_plain_nik_lookup_is_refused_instead_of_silently_finding_nothing():
    with pytest.raises(FieldError):
        list(Owner.objects.filter(nik=NIK))


@pytest.mark.django_db
def test_a_second_owner_with_the_same_nik_is_refused_with_a_message():
    OwnerFactory(nik=NIK)
    duplicate = OwnerFactory.build(nik=NIK, user=None)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean(exclude=["user"])
    assert "NIK ini sudah terdaftar" in str(error.value)


@pytest.mark.requires_tools("pg_dump")
@pytest.mark.django_db(transaction=True)
def test_a_database_dump_contains_no_nik():
    niks = [f"13760241079{n:05d}" for n in range(20)]
    for nik in niks:
        OwnerFactory(nik=nik)
    settings = connection.settings_dict
    dump = subprocess.run(
        ["pg_dump", "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432), "-U", settings["USER"],
         "--data-only", settings["NAME"]],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert "businesses_owner" in dump
    assert not [nik for nik in niks if nik in dump]


@pytest.mark.django_db
def test_rotation_re_encrypts_every_nik_under_the_new_key(settings):
    owners = [OwnerFactory(nik=f"13760241079{n:05d}") for n in range(3)]
    old_key = settings.NIK_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.NIK_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("nik_rotate", stdout=io.StringIO())
    only_new = Fernet(new_key.encode())
    for owner in owners:
        token, _ = _raw(owner.pk)
        assert only_new.decrypt(token.encode()).decode() == owner.nik
    # The old key can now go: the owners still read.
    settings.NIK_ENCRYPTION_KEYS = [new_key]
    assert sorted(o.nik for o in Owner.objects.filter(pk__in=[o.pk for o in owners])) == sorted(o.nik for o in owners)
    _fernet.cache_clear()
