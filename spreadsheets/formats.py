"""Reading an uploaded spreadsheet into a ``tablib.Dataset``: XLSX and CSV as Indonesian offices
produce them (semicolon CSV in Windows-1252, UTF-16 "Teks Unicode", workbooks whose data sheet is
not the active one), with every file-level refusal explained in Indonesian. Shared by every
importer of the portal; writing goes through ``safetext.cells``.
"""

import csv
import io
import itertools
import json
import re
import threading
import zipfile
from datetime import date, datetime, time, timedelta

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from import_export.formats import base_formats

from safetext import cells

from .parsing import text


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message is for staff, in Indonesian."""


def load_read_only(data: bytes, *, data_only: bool = True):
    """openpyxl's read-only workbook, without its size pre-scan.

    openpyxl takes a sheet's size from its <dimension> element; where there is none (files
    written by scripts, openpyxl's own write_only mode) it parses the whole sheet once just to
    find out, before the rows are read: half the time of reading 10,000 rows, and 50 s of an
    upload request on a busy machine. Every caller reads the rows to their end anyway
    (``reset_dimensions``), so the pre-scan is skipped. openpyxl offers no option for it: its
    reader looks the sheet class up in its module, which is swapped for the one call.
    """
    from openpyxl import load_workbook
    from openpyxl.reader import excel
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class UnsizedSheet(ReadOnlyWorksheet):
        def _get_size(self):
            return None

    with _SWAP:
        excel.ReadOnlyWorksheet = UnsizedSheet
        try:
            return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
        finally:
            excel.ReadOnlyWorksheet = ReadOnlyWorksheet


_SWAP = threading.Lock()


# --- File formats ---------------------------------------------------------------------------


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(
        _(
            "Berkas ini bukan lembar kerja yang bisa dibaca. Unggah berkas Excel (.xlsx) atau CSV; "
            "paling mudah, isi templat impor dari halaman ini."
        )
    )


# What an upload may hold, checked before any parser sees it. A real office workbook of
# IMPORT_MAX_ROWS rows unpacks to a few tens of MB and compresses 5-20 times; a zip bomb
# declares parts of gigabytes or ratios in the thousands. Python's zipfile never inflates a
# part beyond the size its header declares (it stops there and fails the CRC), so checking the
# declared sizes bounds what openpyxl can be made to read.
IMPORT_MAX_ROWS = getattr(settings, "IMPORT_MAX_ROWS", 20_000)
XLSX_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_MAX_PARTS = 1000


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("Berkas berisi lebih dari %(max)s baris data. Bagi menjadi beberapa berkas, masing-masing paling banyak %(max)s baris.")
        % {"max": f"{IMPORT_MAX_ROWS:,}".replace(",", ".")}
    )


def _broken_xlsx() -> ImportFileError:
    return ImportFileError(
        _(
            "Berkas .xlsx ini rusak atau bukan buku kerja Excel. Buka di Excel, lalu Simpan Sebagai "
            "“Buku Kerja Excel (.xlsx)”, atau pakai templat impor."
        )
    )


def check_xlsx_archive(data: bytes) -> None:
    """Refuses, before openpyxl opens it, a zip that is not a workbook or unpacks to too much."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise _broken_xlsx() from error
    with archive:
        parts = archive.infolist()
        names = {part.filename for part in parts}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") and n.endswith(".xml") for n in names):
            raise _broken_xlsx()
        if any(part.flag_bits & 0x1 for part in parts):
            raise _password_protected()
        unpacked = sum(part.file_size for part in parts)
        bomb = len(parts) > XLSX_MAX_PARTS or unpacked > XLSX_MAX_UNPACKED_BYTES
        bomb = bomb or any(
            part.file_size > 1024 * 1024 and part.file_size > XLSX_MAX_RATIO * max(part.compress_size, 1) for part in parts
        )
        if bomb:
            raise ImportFileError(
                _(
                    "Isi berkas .xlsx ini jauh lebih besar daripada berkasnya (%(unpacked)s setelah dibuka). "
                    "Berkas seperti ini tidak dibuka. Salin datanya ke templat impor, lalu unggah templat itu."
                )
                % {"unpacked": filesizeformat(unpacked)}
            )


def _password_protected() -> ImportFileError:
    return ImportFileError(
        _("Berkas ini dilindungi kata sandi. Buka di Excel, hapus kata sandinya (Info > Lindungi Buku Kerja), lalu simpan ulang.")
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text whose byte-order mark was lost: every other byte of plain text is zero."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    if not any(sample[1::2]) and all(sample[0::2]):
        return "utf-16-le"
    if not any(sample[0::2]) and all(sample[1::2]):
        return "utf-16-be"
    return None


def detect_format(data: bytes) -> type[base_formats.Format]:
    """XLSXFormat or CSVFormat from the file's content (its name may lie), or ImportFileError."""
    if not data:
        raise ImportFileError(_("Berkas kosong."))
    if data.startswith(b"PK\x03\x04"):
        if b"opendocument" in data[:200]:
            raise ImportFileError(_("Berkas OpenDocument (.ods) tidak didukung. Simpan ulang sebagai Excel (.xlsx) atau CSV."))
        return XLSXFormat
    if data.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in data:
        raise _password_protected()  # an encrypted .xlsx is stored in the old compound-file box
    if data.startswith(b"MZ"):
        raise ImportFileError(_("Berkas ini program (.exe), bukan lembar kerja. Unggah berkas Excel (.xlsx) atau CSV."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("Format .xls (Excel 97–2003) tidak didukung. Buka berkas di Excel, lalu Simpan Sebagai “Buku Kerja Excel (.xlsx)”.")
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(data):  # Excel's "Teks Unicode"
        return CSVFormat
    if b"\x00" in data[:8192]:
        raise _not_a_spreadsheet()
    return CSVFormat


def _drop_trailing_blank(rows: list[list]) -> list[list]:
    while rows and not any(text(v) for v in rows[-1]):
        rows.pop()
    return rows


def _refuse_formulas(rows: list[list]) -> None:
    """A CSV keeps what was typed, not what a formula computed: "=SUM(H2:I2)" would be saved as
    text and run when the file is next opened in Excel. Our own export escapes such text ('=)."""
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, str) and len(value.strip()) > 1 and value.lstrip().startswith("="):
                header = text(rows[0][column]) if number > 1 and column < len(rows[0]) else ""
                raise ImportFileError(
                    _(
                        "Baris %(row)s kolom %(column)s berisi rumus (%(value)s), bukan nilai. Ganti rumus dengan "
                        "hasilnya (Salin, lalu Tempel Khusus > Nilai), lalu simpan ulang."
                    )
                    % {"row": number, "column": header or column + 1, "value": value.strip()[:40]}
                )


def _dataset(rows: list[list]) -> tablib.Dataset:
    rows = _drop_trailing_blank(rows)
    if len(rows) > IMPORT_MAX_ROWS + 1:
        raise _too_many_rows()
    if not rows:
        raise ImportFileError(_("Berkas kosong: tidak ada judul kolom maupun data."))
    headers = [text(h) for h in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    dataset = tablib.Dataset(headers=headers)
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > width and any(text(v) for v in row[width:]):
            raise ImportFileError(
                _(
                    "Baris %(row)s berisi %(cells)s isian, padahal judul kolomnya hanya %(width)s. Mungkin ada "
                    "tanda pemisah (koma atau titik koma) di dalam isian yang tidak diberi tanda kutip."
                )
                % {"row": number, "cells": len(row), "width": width}
            )
        dataset.append(list(row[:width]) + [""] * (width - len(row)))
    return dataset


# A file of the rows as a preview read them (rows_dump): what the import reads back.
ROWS_SUFFIX = ".rows.json"
# The cell types a spreadsheet gives beside JSON's own: a tag and (to, from) JSON.
_TAGGED_CELLS = {
    "datetime": (datetime, datetime.isoformat, datetime.fromisoformat),
    "date": (date, date.isoformat, date.fromisoformat),
    "time": (time, time.isoformat, time.fromisoformat),
    "timedelta": (
        timedelta,
        lambda value: [value.days, value.seconds, value.microseconds],
        lambda parts: timedelta(days=parts[0], seconds=parts[1], microseconds=parts[2]),
    ),
}


def rows_dump(dataset: tablib.Dataset) -> bytes:
    """A dataset read from a file (create_dataset), as JSON that rows_load turns back into the
    same headers and cells, each of the same type: reading it takes a fraction of a second where
    parsing an .xlsx of 10,000 rows takes 6."""
    return json.dumps(
        {"headers": dataset.headers, "rows": [list(row) for row in dataset]},
        default=_cell_to_json,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def rows_load(data: bytes) -> tablib.Dataset:
    """The dataset rows_dump wrote."""
    stored = json.loads(data, object_hook=_cell_from_json)
    return tablib.Dataset(*map(tuple, stored["rows"]), headers=stored["headers"])


def _cell_to_json(value) -> dict:
    # datetime before date: a datetime is a date too.
    for tag, (kind, to_json, _from_json) in _TAGGED_CELLS.items():
        if isinstance(value, kind):
            return {"t": tag, "v": to_json(value)}
    raise TypeError(f"a spreadsheet cell of type {type(value).__name__}")


def _cell_from_json(stored: dict):
    if stored.keys() == {"t", "v"}:
        return _TAGGED_CELLS[stored["t"]][2](stored["v"])
    return stored


class XLSXFormat(base_formats.XLSX):
    """Reads the data sheet (``data_sheet``, else the first) whatever sheet was active; writes
    text cells as text, never formulas. An importer subclasses it to name its data sheet."""

    data_sheet: str | None = None

    def create_dataset(self, in_stream, data_sheet: str | None = None):

        if isinstance(in_stream, str):
            raise _not_a_spreadsheet()
        if not in_stream.startswith(b"PK\x03\x04"):
            detect_format(in_stream)  # raises the precise reason (old .xls, not a spreadsheet)
            raise _not_a_spreadsheet()
        check_xlsx_archive(in_stream)
        rows = self._read_rows(in_stream, data_only=True, data_sheet=data_sheet or self.data_sheet)
        if self._has_formulas(in_stream):
            self._refuse_formulas_without_value(in_stream, rows, data_sheet or self.data_sheet)
        return _dataset(rows)

    @staticmethod
    def _read_rows(data: bytes, *, data_only: bool, cells: bool = False, data_sheet: str | None = None) -> list[list]:
        """The data sheet's rows: values (a formula's as Excel last computed it), or the cells."""
        try:
            book = load_read_only(data, data_only=data_only)
        except Exception as error:  # a zip that is not a workbook fails in many ways, XML bombs too
            raise _broken_xlsx() from error
        try:
            sheets = [s for s in book.worksheets if getattr(s, "iter_rows", None)]
            if not sheets:
                raise _not_a_spreadsheet()
            sheet = next((s for s in sheets if s.title == data_sheet), sheets[0])
            # The read-only reader stops at the size the sheet declares (<dimension>), which tools
            # other than Excel often write wrong: rows past it would be dropped without a word.
            sheet.reset_dimensions()
            rows, blank_run = [], 0
            for row in sheet.iter_rows(values_only=not cells):
                values = [c.value for c in row] if cells else row
                rows.append(list(row))
                blank_run = 0 if any(v not in (None, "") for v in values) else blank_run + 1
                if blank_run > 1000:  # a sheet formatted down to row 1,048,576 holds no more data
                    break
                if len(rows) > IMPORT_MAX_ROWS + 1 + 1000:  # stop reading: memory stays bounded
                    raise _too_many_rows()
        except ImportFileError:
            raise
        except Exception as error:
            raise _broken_xlsx() from error  # a bomb or a lying CRC fails here, once rows are read
        finally:
            book.close()
        return rows

    @staticmethod
    def _has_formulas(data: bytes) -> bool:
        """Whether any worksheet stores a formula (an <f> element), read in chunks."""
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with archive.open(name) as part:
                    tail = b""
                    for chunk in iter(lambda part=part: part.read(1024 * 1024), b""):
                        if re.search(rb"<(\w+:)?f[ >/]", tail + chunk):
                            return True
                        tail = chunk[-16:]
        return False

    def _refuse_formulas_without_value(self, data: bytes, rows: list[list], data_sheet: str | None) -> None:
        """A formula that Excel never computed (a file written by a script) has no value to
        import: the cell would look blank. Such a file is refused, naming the first cell."""
        for row_values, row_cells in zip(
            rows, self._read_rows(data, data_only=False, cells=True, data_sheet=data_sheet), strict=False
        ):
            for value, cell in itertools.zip_longest(row_values, row_cells):
                if cell is not None and getattr(cell, "data_type", None) == "f" and value is None:
                    raise ImportFileError(
                        _(
                            "Sel %(cell)s berisi rumus (%(formula)s) yang belum pernah dihitung, jadi tidak ada "
                            "nilainya. Buka berkas di Excel lalu simpan ulang, atau ganti rumus dengan nilainya."
                        )
                        % {"cell": cell.coordinate, "formula": str(cell.value)[:40]}
                    )

    def export_data(self, dataset, **kwargs):
        from openpyxl.styles import Font

        book = cells.Workbook(write_only=True)
        sheet = book.create_sheet(self.data_sheet or "Data")
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        sheet.append([cells.styled(sheet, title, font=bold) for title in dataset.headers or ()])
        for row in dataset:
            sheet.append(row)
        return book.to_bytes()


class CSVFormat(base_formats.CSV):
    """CSV as Indonesian offices make it: UTF-8 (with or without BOM), Windows-1252 or UTF-16,
    separated by commas, semicolons (Excel with Indonesian regional settings) or tabs."""

    def is_binary(self):
        # Bytes all the way: import-export would otherwise decode with one fixed encoding
        # before we can try the others.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        text = in_stream if isinstance(in_stream, str) else self.decode(in_stream)
        text = text.lstrip("\ufeff")
        first_line = next((line for line in io.StringIO(text) if line.strip()), "")
        delimiter = max((";", ",", "\t"), key=first_line.count) if first_line else ","
        try:
            # Counted first without keeping anything, so that neither 50,000 rows nor millions of
            # blank lines (a few MB of newlines) are ever held in memory as lists.
            last_filled = 0
            for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
                if any(cell.strip() for cell in row):
                    last_filled = number
                    if number > IMPORT_MAX_ROWS + 1001:
                        raise _too_many_rows()
            rows = list(itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), last_filled))
        except csv.Error as error:
            raise ImportFileError(_("Berkas CSV ini tidak dapat dibaca: %(error)s") % {"error": error}) from error
        _refuse_formulas(rows)
        return _dataset(rows)

    @staticmethod
    def decode(data: bytes) -> str:
        if data.startswith(b"PK\x03\x04"):
            raise ImportFileError(_("Berkas ini berkas Excel (.xlsx), bukan CSV."))
        try:
            if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                return data.decode("utf-16")
            if encoding := _utf16_without_bom(data):
                return data.decode(encoding)
        except UnicodeDecodeError as error:
            raise ImportFileError(
                _("Berkas teks Unicode (UTF-16) ini terpotong atau rusak. Simpan ulang sebagai CSV UTF-8 dari Excel.")
            ) from error
        detect_format(data)  # refuses binary files with a clear reason
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        return data.decode("latin-1")  # never fails; the rare bytes cp1252 leaves undefined

    def export_data(self, dataset, **kwargs):
        return cells.csv_bytes([dataset.headers or (), *dataset])


def file_headers(data: bytes, *, data_sheet: str | None = None) -> tuple[type[base_formats.Format], list[str]]:
    """The file's format and its header row, read without its data rows: what the upload
    checks in the request (milliseconds for any size), leaving the rows to the preview job."""
    format_class = detect_format(data)
    if format_class is CSVFormat:
        decoded = CSVFormat.decode(data).lstrip("\ufeff")
        first_line = next((line for line in io.StringIO(decoded) if line.strip()), "")
        if not first_line:
            raise ImportFileError(_("Berkas kosong: tidak ada judul kolom maupun data."))
        delimiter = max((";", ",", "\t"), key=first_line.count)
        try:
            header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
        except csv.Error as error:
            raise ImportFileError(_("Berkas CSV ini tidak dapat dibaca: %(error)s") % {"error": error}) from error
        return format_class, [text(h) for h in header]
    check_xlsx_archive(data)
    try:
        book = load_read_only(data)
    except Exception as error:  # a zip that is not a workbook fails in many ways, XML bombs too
        raise _broken_xlsx() from error
    try:
        sheets = [s for s in book.worksheets if getattr(s, "iter_rows", None)]
        if not sheets:
            raise _not_a_spreadsheet()
        sheet = next((s for s in sheets if s.title == data_sheet), sheets[0])
        sheet.reset_dimensions()
        first = next(sheet.iter_rows(values_only=True, max_row=1), ())
    except ImportFileError:
        raise
    except Exception as error:
        raise _broken_xlsx() from error  # a bomb or a lying CRC fails here, once rows are read
    finally:
        book.close()
    headers = [text(h) for h in first]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise ImportFileError(_("Berkas kosong: tidak ada judul kolom maupun data."))
    return format_class, headers
