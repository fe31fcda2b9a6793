"""The strict import every spreadsheet importer of the portal is built on (django-import-export
4.x underneath): Indonesian column names matched whatever their case and spacing, the template's
example row and blank rows skipped, one bad row and nothing is saved, every refusal naming the
row and the column, and progress reported while the rows are read.

A subclass sets the class attributes below, its fields and Meta, and may write in bulk
(``persist``) instead of row by row: then every row is validated first, in Python, against
reference tables and existing keys each read in one query, and nothing is written unless every
row is valid.
"""

from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export import resources
from import_export.results import RowResult

from .formats import ImportFileError
from .parsing import code, normalise_header, sheet_row, text

# Rows the preview page shows; the others are counted, not kept.
PREVIEW_ROWS = 200
# How often (in rows) the import says how far it got.
PROGRESS_EVERY = 250

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    return None


class StrictImportResource(resources.ModelResource):
    """What every importer shares. A subclass sets:

    - ``import_columns``: the columns a file must have; ``known_columns``: those it may have
      (export-only ones too); ``header_aliases``: other names people write for them;
    - ``example_column`` and ``example_value``: the template's example row, always skipped;
    - ``data_sheet``: the sheet of a workbook that holds the rows;
    - ``preview_columns``: the columns the preview page shows, ``masked_columns``: a function
      per column that hides part of its value there (NIKs);
    - ``extra_error_columns``: model attributes that are not a field's attribute, with the
      column staff have to fix.
    """

    import_columns: tuple[str, ...] = ()
    known_columns: tuple[str, ...] = ()
    header_aliases: dict[str, str] = {}
    example_column = "nib"
    example_value = "0000000000000"
    data_sheet: str | None = None
    preview_columns: tuple[str, ...] = ()
    masked_columns: dict[str, Callable[[str], str]] = {}
    extra_error_columns: dict[str, str] = {}

    def __init__(self, *args, progress: Progress | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.progress = progress or _no_progress
        self.preview: list[dict] = []
        self._total_rows = 0

    # --- Whole-file checks ---

    @classmethod
    def headers_problem(cls, headers: list) -> str | None:
        """Why a file with these headers cannot be imported, or None."""
        if not headers or not any(text(h) for h in headers):
            return _("Berkas kosong: tidak ada judul kolom. Pakai templat impor dari halaman ini.")
        headers = [normalise_header(h, cls.header_aliases) for h in headers]
        missing = [c for c in cls.import_columns if c not in headers]
        if missing:
            known = set(cls.known_columns or cls.import_columns)
            unknown = [h for h in headers if h and h not in known]
            message = _("Kolom berikut tidak ada di baris judul: %(missing)s.") % {"missing": ", ".join(missing)}
            if unknown:
                message += " " + _("Kolom yang tidak dikenal: %(unknown)s.") % {"unknown": ", ".join(unknown)}
            return message + " " + _("Baris pertama harus berisi nama kolom seperti di templat impor.")
        doubled = sorted({h for h in headers if h and headers.count(h) > 1})
        if doubled:
            return _("Kolom ini muncul lebih dari sekali: %(columns)s.") % {"columns": ", ".join(doubled)}
        return None

    @classmethod
    def dataset_problem(cls, dataset) -> str | None:
        """Why this dataset cannot be imported at all (headers, no rows), or None.

        Normalises the headers in place ("Nama Usaha" -> nama_usaha).
        """
        problem = cls.headers_problem(list(dataset.headers or ()))
        if problem:
            return problem
        dataset.headers = [normalise_header(h, cls.header_aliases) for h in dataset.headers]
        if not len(dataset):
            return _("Berkas hanya berisi judul kolom, tanpa baris data.")
        return None

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """As import-export's, but a file with wrong headers stops before its rows are read,
        and one invalid row rolls the whole import back (never a partial import)."""
        problem = self.dataset_problem(dataset)
        if problem:
            result = self.get_result_class()()
            result.total_rows = len(dataset)
            self.handle_import_error(result, ImportFileError(problem), raise_errors)
            return result
        self._total_rows = len(dataset)
        self.preview = []
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    # --- Rows ---

    def is_skipped(self, row) -> bool:
        """The template's example row and blank rows are never imported."""
        return code(row.get(self.example_column)) == self.example_value or not any(text(v) for v in row.values())

    def import_row(self, row, instance_loader, **kwargs):
        number = kwargs.get("row_number") or 0
        if number % PROGRESS_EVERY == 0:
            self.progress(number, self._total_rows)
        if self.is_skipped(row):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if len(self.preview) < PREVIEW_ROWS and row_result.import_type in (
            RowResult.IMPORT_TYPE_NEW,
            RowResult.IMPORT_TYPE_UPDATE,
        ):
            self.preview.append(
                {
                    "row": sheet_row(kwargs.get("row_number") or 0),
                    "type": row_result.import_type,
                    "cells": [self.preview_cell(column, row.get(column)) for column in self.preview_columns],
                }
            )

    def preview_cell(self, column: str, value) -> str:
        shown = text(value)
        mask = self.masked_columns.get(column)
        return mask(shown) if mask and shown else shown

    def errors_by_column(self, errors: dict) -> dict:
        """Model errors are keyed by attribute; staff see the column they have to fix."""
        columns = {f.attribute: name for name, f in self.fields.items()} | self.extra_error_columns
        by_column = {}
        for key, messages in errors.items():
            column = key if key == NON_FIELD_ERRORS else columns.get(key, key)
            if isinstance(messages, ValidationError):
                messages = [messages]
            for message in messages:
                shown = message.messages if isinstance(message, ValidationError) else [str(message)]
                by_column.setdefault(column, []).extend(shown)
        return by_column

    def get_import_fields(self):
        return [f for f in super().get_import_fields() if not f.readonly]


def result_messages(result) -> list[str]:
    """Every problem of an import result as one Indonesian line naming the row and column."""
    lines = [str(error.error) for error in result.base_errors]
    for invalid in result.invalid_rows:
        for column, messages in invalid.error_dict.items():
            for message in messages:
                if column == NON_FIELD_ERRORS:
                    lines.append(_("Baris %(row)s: %(message)s") % {"row": sheet_row(invalid.number), "message": message})
                else:
                    lines.append(
                        _("Baris %(row)s, kolom %(column)s: %(message)s")
                        % {"row": sheet_row(invalid.number), "column": column, "message": message}
                    )
    for error_row in result.error_rows:
        for error in error_row.errors:
            lines.append(_("Baris %(row)s: %(message)s") % {"row": sheet_row(error_row.number), "message": error.error})
    return lines
