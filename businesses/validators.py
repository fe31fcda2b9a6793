"""Indonesian identifiers (formats from businesses/reference/SOURCES.md). No checksums exist."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import identifier_text

# [0-9], not \d: \d is any script's digit (Arabic-Indic, Devanagari...), a look-alike identity.
_NIB = re.compile(r"^[0-9]{13}$")
_NIK = re.compile(r"^[0-9]{16}$")


def digits_only(value) -> str:
    """NFKC (full-width digits become 0-9), without the spaces, dots and dashes between groups."""
    return re.sub(r"[\s.\-]", "", identifier_text(value))


def validate_nib(value: str) -> None:
    if not _NIB.match(value or ""):
        raise ValidationError(_("NIB harus 13 angka (lihat dokumen NIB dari OSS)."), code="invalid_nib")


def validate_nik(value: str) -> None:
    """16 digits: PP KK CC DD MM YY SSSS, DD 01-31 (41-71 for women), MM 01-12, SSSS from 0001."""
    if not _NIK.match(value or ""):
        raise ValidationError(_("NIK harus 16 angka, seperti tertulis di KTP."), code="invalid_nik")
    day, month, serial = int(value[6:8]), int(value[8:10]), int(value[12:16])
    if not (1 <= month <= 12):
        raise ValidationError(_("NIK tidak wajar: angka ke-9 dan ke-10 (bulan lahir) harus 01 sampai 12."), code="invalid_nik")
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise ValidationError(
            _("NIK tidak wajar: angka ke-7 dan ke-8 (tanggal lahir) harus 01–31, atau 41–71 untuk perempuan."),
            code="invalid_nik",
        )
    if value[:2] == "00" or serial == 0:
        raise ValidationError(_("NIK tidak wajar: periksa kembali angka-angkanya di KTP."), code="invalid_nik")


def nik_mask(value: str | None) -> str:
    """1376************01: region of registration and the last two digits only."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


_CERT_FORMATS = {
    # P-IRT: 15 digits, often written "P-IRT No. 1234567890123-45".
    "pirt": (re.compile(r"^[0-9]{15}$"), _("Nomor P-IRT harus 15 angka, contoh 2010137601234-26.")),
    "halal": (
        re.compile(r"^ID[0-9]{6,}$"),
        _("Nomor sertifikat halal dimulai dengan ID diikuti angka, contoh ID13110000123450123."),
    ),
    "bpom_md": (re.compile(r"^MD[0-9]{12}$"), _("Nomor BPOM MD ditulis MD diikuti 12 angka.")),
}


def certificate_number_normalize(kind: str, raw: str) -> str:
    """Return the number in its stored form, or raise a ValidationError naming the expected format."""
    value = re.sub(r"[\s.\-]|^P-?IRT(NO)?", "", identifier_text(raw).upper().replace("NO.", ""))
    if kind not in _CERT_FORMATS:
        return str(raw or "").strip()
    pattern, message = _CERT_FORMATS[kind]
    if not pattern.match(value):
        raise ValidationError(message, code="invalid_certificate_number")
    return value
