"""NIK at rest: encrypted with a key from the environment, looked up by a keyed hash.

The database (and so every dump and backup) holds only Fernet tokens (AES-128-CBC with an
HMAC-SHA256, the `cryptography` package's authenticated recipe) and an HMAC-SHA256 digest of each
NIK under a second key; neither key is ever in the database. Equality look-ups and the
uniqueness of a NIK go through the digest (``nik_hash``); the value itself is only decrypted on
the way out of the database.

Rotation: put a new key first in NIK_ENCRYPTION_KEYS (old keys after it still decrypt), run
``manage.py nik_rotate`` to re-encrypt every row under the new key, then drop the old key.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("NIK_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.NIK_ENCRYPTION_KEYS))


def nik_encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def nik_decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured("A NIK cannot be decrypted with NIK_ENCRYPTION_KEYS (a key was dropped too early?)") from error


def nik_rotate_token(token: str) -> str:
    """The same NIK encrypted under the first (newest) key."""
    return fernet().rotate(token.encode()).decode()


def nik_digest(value: str) -> str:
    """Deterministic, keyed: equal NIKs give equal digests, and without NIK_HASH_KEY nobody can
    test the 16-digit space against the column."""
    return hmac.new(settings.NIK_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedNikField(models.TextField):
    """Plain text in Python, a Fernet token in the database. Only ``isnull`` can be looked up
    (a token is different each time it is made): filter on the model's ``nik_hash`` instead."""

    def from_db_value(self, value, expression, connection):
        return value if value in (None, "") else nik_decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value in (None, "") else nik_encrypt(value)

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def formfield(self, **kwargs):
        from .identifiers import NikFormField

        # A one-line input (not the TextField's textarea) that normalises what is typed.
        kwargs.pop("widget", None)
        return models.Field.formfield(self, **{"form_class": NikFormField, "max_length": 20, **kwargs})


class NikHashField(models.CharField):
    """The keyed digest of the instance's ``source`` field, recomputed on every save and bulk
    insert (both call pre_save)."""

    def __init__(self, *args, source: str = "nik", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.source)
        digest = nik_digest(value) if value else None
        setattr(model_instance, self.attname, digest)
        return digest
