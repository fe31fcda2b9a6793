"""Indonesian WhatsApp (mobile) numbers, stored in one form: +62 followed by the national number."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-().]")
# Indonesian mobile numbers: 08xx followed by 7 to 11 more digits (10 to 13 digits in all).
_MOBILE = re.compile(r"^\+628\d{7,11}$")


def phone_normalize(raw: str) -> str:
    """Return ``+628...`` for the ways people write a number (0812-..., 62812..., +62 812...).

    Raises ValidationError with an Indonesian message when it cannot be a mobile number.
    """
    value = _SEPARATORS.sub("", str(raw or ""))
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
