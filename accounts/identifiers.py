"""Identifiers people type (WhatsApp number, email; NIK and NIB in businesses/identifiers.py).

Every form, import and sign-in takes them in through ``identifier_text`` first: Unicode NFKC, so a
number typed in full-width digits (``０８１２…``) or an address in full-width letters is the same
identifier as its ASCII spelling, then only ASCII is accepted. Without it ``\\d`` matched any
script's digits and a look-alike of an existing owner (Arabic-Indic ``٠٨١٢…``) was a new person,
and PostgreSQL's case-insensitive match let ``pemılık@…`` (dotless ı) sign in as ``pemilik@…``.
The form fields and model fields here make every form that has such a field normalise the same
way (accounts/tests/test_identifiers.py walks them all).
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def identifier_text(raw) -> str:
    """NFKC-normalised and stripped: the one way in for an identifier, before anything else."""
    return unicodedata.normalize("NFKC", str(raw or "")).strip()


# --- WhatsApp numbers: +62 followed by the national number ------------------------------------

_SEPARATORS = re.compile(r"[\s\-().]")
# Indonesian mobile numbers: 08xx followed by 7 to 11 more digits (10 to 13 digits in all).
# [0-9], not \d: \d is any script's digit.
_MOBILE = re.compile(r"^\+628[0-9]{7,11}$")


def phone_normalize(raw: str) -> str:
    """Return ``+628...`` for the ways people write a number (0812-..., 62812..., +62 812...).

    Raises ValidationError with an Indonesian message when it cannot be a mobile number.
    """
    value = _SEPARATORS.sub("", identifier_text(raw))
    if value.startswith("+62"):
        value = value[3:]
    elif value.startswith("62"):
        value = value[2:]
    elif value.startswith("0"):
        value = value[1:]
    value = "+62" + value
    if not _MOBILE.match(value):
        raise ValidationError(
            _("Nomor WhatsApp tidak valid. Tulis seperti 0812-3456-7890 atau +62 812 3456 7890."),
            code="invalid_phone",
        )
    return value


def phone_normalize_or_none(raw: str) -> str | None:
    try:
        return phone_normalize(raw)
    except ValidationError:
        return None


def validate_phone_stored(value: str) -> None:
    """A stored number is already in its one form (for model fields: imports, admin, services)."""
    if value and not _MOBILE.match(value):
        raise ValidationError(_("Nomor WhatsApp harus disimpan dalam bentuk +628…, hanya angka 0–9."), code="invalid_phone")


# --- Email addresses ----------------------------------------------------------------------------


def email_normalize(raw: str) -> str:
    """NFKC, trimmed, lower case, ASCII only ("" when blank). Raises ValidationError otherwise.

    ASCII only because case-insensitive matching outside ASCII is not one rule: PostgreSQL's
    UPPER('ı') is 'I' where Python's 'ı'.lower() stays 'ı'. A domain with its own letters is
    written in its xn-- form, as mail programs send it.
    """
    value = identifier_text(raw)
    if not value.isascii():
        raise ValidationError(
            _("Email hanya boleh memakai huruf latin tanpa tanda (a–z), angka dan tanda baca biasa."),
            code="invalid_email",
        )
    return value.lower()


def email_normalize_or_none(raw: str) -> str | None:
    try:
        return email_normalize(raw) or None
    except ValidationError:
        return None


def validate_email_stored(value: str) -> None:
    if value and value != email_normalize(value):
        raise ValidationError(_("Email harus disimpan dalam huruf kecil, tanpa huruf khusus."), code="invalid_email")


# --- Form fields: the normaliser runs in to_python, before any validator ------------------------


class IdentifierField(forms.CharField):
    """A text field whose value goes through ``normalize`` (NFKC first) before validation."""

    @staticmethod
    def normalize(value: str) -> str:
        return identifier_text(value)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return self.empty_value
        return self.normalize(value)


class PhoneField(IdentifierField):
    normalize = staticmethod(phone_normalize)


class EmailIdentifierField(IdentifierField, forms.EmailField):
    normalize = staticmethod(email_normalize)


# --- Model fields: every ModelForm (the admin's too) gets the fields above ---------------------


class PhoneNumberField(models.CharField):
    """A WhatsApp number stored as +628…; its form field normalises what people type."""

    default_validators = [validate_phone_stored]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhoneField, **kwargs})


class EmailAddressField(models.EmailField):
    """An email stored NFKC, lower case, ASCII; its form field normalises what people type."""

    default_validators = [*models.EmailField.default_validators, validate_email_stored]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": EmailIdentifierField, **kwargs})
