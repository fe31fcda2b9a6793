"""Every cell the portal writes into a spreadsheet or a CSV file goes through here: a test
(payakumbuh_ikm/tests/test_inert_cells.py) walks the code so that no other module makes a
workbook, a CSV writer or a cell of its own.

One rule for every cell, in this order:

1. Strip the characters a cell cannot hold: every control character but tab and line breaks
   (XML 1.0 forbids C0, so openpyxl refuses them and the download answered 500; DEL and C1 are
   invisible). Stripping comes first, so that "\\x01=HYPERLINK(...)" cannot hide its "=" from
   step 2.
2. Text that a spreadsheet would run as a formula (OWASP "CSV injection": it starts, after any
   spaces, with = + - @ tab or carriage return, or the full-width ＝ ＋ － ＠ that Excel's
   Japanese and Chinese input methods turn into them) gets a leading apostrophe: shown as typed,
   run never. A signed whole or decimal number (a phone number in +62 form, -5) cannot run
   anything and stays as it is.
3. In a workbook, text is a text cell ("s"), whatever openpyxl would guess ("#N/A" would be an
   error value).

Numbers, dates and booleans stay what they are. Imports undo step 2 with ``unescape``, so an
exported file imports back unchanged.
"""

import csv
import io
import re
from datetime import date
from decimal import Decimal

from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORMULA_FIRST = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_PASS_THROUGH = (int, float, Decimal, date)  # bool is an int; datetime is a date

_illegal = ILLEGAL.search
_strip = ILLEGAL.sub
_number = _NUMBER.fullmatch


def text(value) -> str:
    """``value`` as text that no spreadsheet runs (steps 1 and 2 above); None is ""."""
    if value.__class__ is not str:
        value = "" if value is None else str(value)
    if not value:
        return value
    if _illegal(value):
        value = _strip("", value)
        if not value:
            return value
    first = value[0]
    if first == " ":
        first = value.lstrip(" ")[:1]
    if first in FORMULA_FIRST and not _number(value):
        return "'" + value
    return value


def value(value):
    """A cell's value: numbers, dates and booleans as they are, None as "", anything else as
    ``text``."""
    if value.__class__ is str:
        return text(value)
    if value is None:
        return ""
    if isinstance(value, _PASS_THROUGH):
        return value
    return text(str(value))


_value = value  # for the methods below, whose argument is called value as in openpyxl


def unescape(cell: str) -> str:
    """What ``text`` was given, for a cell it wrote: the apostrophe it added is dropped, one
    typed by a person ("'08") is kept."""
    if cell[:1] == "'" and text(cell[1:]) == cell:
        return cell[1:]
    return cell


# --- CSV -------------------------------------------------------------------------------------


# What needs no work: numbers, empty cells, and text whose first character cannot start a
# formula (control characters are looked for in the written block at once: see CsvWriter).
_PLAIN = frozenset({int, float, Decimal, type(None)})
_RISKY_FIRST = FORMULA_FIRST | {" "}


class CsvWriter:
    """``csv.writer`` whose every cell is a ``value``. CRLF line ends, as Excel writes them.

    A streamed export writes millions of cells, so the common cell costs no call: a cell is
    passed to ``value`` only when it could start a formula or is not plain text or a number,
    and each block is searched once for control characters, and written again cell by cell
    through ``value`` in the rare block that has one."""

    def __init__(self, out, **kwargs):
        kwargs.setdefault("lineterminator", "\r\n")
        self._out = out
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, **kwargs)

    def writerow(self, row):
        return self.writerows([row])

    def writerows(self, rows):
        rows = rows if isinstance(rows, list) else list(rows)
        buffer, cell, plain, risky = self._buffer, value, _PLAIN, _RISKY_FIRST
        buffer.seek(0)
        buffer.truncate()
        self._writer.writerows(
            [[v if v.__class__ in plain or (v.__class__ is str and v[:1] not in risky) else cell(v) for v in row] for row in rows]
        )
        if _illegal(buffer.getvalue()):
            buffer.seek(0)
            buffer.truncate()
            self._writer.writerows([[cell(v) for v in row] for row in rows])
        return self._out.write(buffer.getvalue())


def csv_bytes(rows) -> bytes:
    """Rows as CSV in UTF-8 with a BOM: without it Excel reads the file as Windows-1252."""
    out = io.StringIO()
    CsvWriter(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- Workbooks -------------------------------------------------------------------------------


def _cell(sheet, content):
    """``content`` ready to append: a text cell where openpyxl would guess otherwise; None
    stays an empty cell."""
    if content is None:
        return None
    if isinstance(content, Cell):
        if isinstance(content.value, str):
            content.value = text(content.value)
            content.data_type = "s"
        return content
    content = value(content)
    if content.__class__ is str and content in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value=content)
        cell.data_type = "s"  # text, not an error value
        return cell
    return content


class _Sheet(Worksheet):
    def append(self, iterable):
        super().append([_cell(self, content) for content in iterable])

    def cell(self, row, column, value=None):
        cell = super().cell(row, column)
        if value is not None:
            cell.value = _value(value.value if isinstance(value, Cell) else value)
            if isinstance(cell.value, str):
                cell.data_type = "s"
        return cell

    def __setitem__(self, key, value):
        self.cell(self[key].row, self[key].column, value)


class _WriteOnlySheet(WriteOnlyWorksheet):
    def append(self, row):
        super().append([_cell(self, content) for content in row])


class Workbook(_OpenpyxlWorkbook):
    """An openpyxl workbook whose sheets write every value through ``value``: ``append``,
    ``cell(row, column, value)`` and ``sheet["A1"] = ...`` all do."""

    def __init__(self, *, write_only: bool = False):
        super().__init__(write_only=write_only)
        if not write_only:
            self._sheets[0] = _Sheet(self)

    def create_sheet(self, title=None, index=None):
        sheet = _WriteOnlySheet(parent=self, title=title) if self.write_only else _Sheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet

    def to_bytes(self) -> bytes:
        stream = io.BytesIO()
        self.save(stream)
        return stream.getvalue()


def styled(sheet, content, **style):
    """A cell of ``sheet`` holding ``content`` (through ``value``) with ``style`` (font=...), to
    append to a row; a write-only sheet styles cells only this way."""
    cell = WriteOnlyCell(sheet, value=value(content))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell
