"""NIK and NIB as people type them: one way in (accounts.identifiers.identifier_text, then digits
0-9 only), for the sign-up, the admin, the import and the search alike."""

from django.db import models

from accounts.identifiers import IdentifierField

from .validators import digits_only, validate_nib, validate_nik


def nik_normalize(raw: str) -> str:
    """16 ASCII digits from what was typed (full-width digits become 0-9; spaces, dots and dashes
    go), or ValidationError. Other scripts' digits are refused, never read as numbers."""
    value = digits_only(raw)
    validate_nik(value)
    return value


def nib_normalize(raw: str) -> str:
    value = digits_only(raw)
    validate_nib(value)
    return value


class NikFormField(IdentifierField):
    normalize = staticmethod(nik_normalize)


class NibFormField(IdentifierField):
    normalize = staticmethod(nib_normalize)


class NibField(models.CharField):
    """A NIB stored as 13 digits 0-9; its form field normalises what people type."""

    default_validators = [validate_nib]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": NibFormField, "max_length": 20, **kwargs})
