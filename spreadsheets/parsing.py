"""Reading one cell of a spreadsheet staff filled by hand in Excel: every importer of the portal
reads its cells here, generously (1.250.000, Rp 1.250.000, 1250000.0; ya/tidak/x/1/0), and
refuses what it cannot read with a reason in Indonesian. Writing cells is ``safetext.cells``.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from accounts.identifiers import identifier_text
from safetext import cells

SPACES = re.compile(r"\s+")


def text(value) -> str:
    """A cell as trimmed text: Excel gives numbers (2010.0) where people typed codes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).replace("\u00a0", " ").strip()
    # Undo our own export escaping ('=...), so an exported file imports back unchanged.
    return cells.unescape(result)


def code(value) -> str:
    """NIB, NIK: digits (full-width ones too) without the spaces, dots and dashes people type
    between groups."""
    return re.sub(r"[\s.\-]", "", identifier_text(text(value)))


_ID_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+(,\d+)?")  # 1.250.000 or 1.250.000,50
_EN_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")  # 1,250,000 or 1,250,000.50
_PLAIN = re.compile(r"\d+([.,]\d+)?")  # 1250000 or 1250000,5
_MAX_INT = 9_000_000_000_000_000_000  # BigIntegerField holds up to 9.2e18


def parse_integer(value) -> int | None:
    """Whole number (Rupiah, years, workers) from what Indonesian spreadsheets hold.

    Thousands may be grouped with dots (Indonesian) or commas; "Rp" and a trailing ",-" are
    dropped; decimals are rounded. Empty gives None; anything else raises ValueError.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        # ValueError, not TypeError: import-export reports only ValueErrors against the cell.
        raise ValueError(_("Isian ini harus angka, bukan ya/tidak."))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float | Decimal):
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError(_("Isian ini harus angka."))
    else:
        written = text(value)
        if not written:
            return None
        compact = re.sub(r"^rp\.?", "", written.replace(" ", ""), flags=re.IGNORECASE)
        compact = re.sub(r",-+$", "", compact)
        negative = compact.startswith("-")
        compact = compact.lstrip("-")
        if _ID_THOUSANDS.fullmatch(compact):
            compact = compact.replace(".", "").replace(",", ".")
        elif _EN_THOUSANDS.fullmatch(compact):
            compact = compact.replace(",", "")
        elif _PLAIN.fullmatch(compact):
            compact = compact.replace(",", ".")
        else:
            raise ValueError(
                _("“%(value)s” bukan angka. Tulis angka saja, mis. 1.250.000 atau Rp 1.250.000.") % {"value": written}
            )
        try:
            number = Decimal(compact) * (-1 if negative else 1)
        except InvalidOperation as error:
            raise ValueError(_("“%(value)s” bukan angka.") % {"value": written}) from error
    result = int(number.to_integral_value(rounding=ROUND_HALF_UP))
    if abs(result) > _MAX_INT:
        raise ValueError(_("Angka ini terlalu besar."))
    return result


_TRUE = {"ya", "y", "iya", "yes", "true", "benar", "1", "x", "v", "✓", "✔"}
_FALSE = {"tidak", "tdk", "n", "no", "false", "salah", "0", "", "-", "tidak ada", "belum", "belum ada"}


def parse_boolean(value) -> bool | None:
    """True/False for ya/tidak and friends; None when the cell means neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    written = SPACES.sub(" ", text(value).lower())
    if written in _TRUE:
        return True
    if written in _FALSE:
        return False
    return None


def normalise_name(value: str) -> str:
    """A name compared without regard to case and spacing (kelurahan, marketplaces)."""
    return SPACES.sub(" ", value).strip().casefold()


def normalise_header(header, aliases: dict[str, str] | None = None) -> str:
    """ "Nama Usaha" -> nama_usaha; ``aliases`` maps other names people write to ours."""
    name = re.sub(r"[^0-9a-z]+", "_", text(header).lstrip("\ufeff").lower()).strip("_")
    return (aliases or {}).get(name, name)


def sheet_row(data_row_number: int) -> int:
    """import-export counts data rows from 1; in the spreadsheet the header is row 1."""
    return data_row_number + 1
