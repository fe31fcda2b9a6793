"""The rows a preview read, stored for the import in place of the upload: the same headers and
cells, each of the same type, whatever a spreadsheet's cells hold."""

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
import tablib
from openpyxl import Workbook

from spreadsheets.formats import XLSXFormat, rows_dump, rows_load

NAIVE = datetime(2021, 3, 4, 5, 6, 7, 89)  # noqa: DTZ001 - a spreadsheet's datetimes are naive
CELLS = ["Rendang Uni Ita", "", None, 0, 12_000_000, 1.0, 2.5, True, False, "123", "=1+1", "émoji 🌶", '{"t": "date"}',
         NAIVE, datetime(2021, 3, 4, tzinfo=UTC), date(2020, 12, 31), time(8, 30, 15),
         timedelta(days=2, seconds=3, microseconds=4), -timedelta(hours=1)]  # fmt: skip


def _same(loaded, original):
    assert loaded.headers == original.headers
    assert [list(r) for r in loaded] == [list(r) for r in original]
    assert [[type(v) for v in r] for r in loaded] == [[type(v) for v in r] for r in original]


def test_every_kind_of_cell_comes_back_the_same_and_of_the_same_type():
    dataset = tablib.Dataset(tuple(CELLS), tuple(reversed(CELLS)), headers=[f"kolom_{n}" for n in range(len(CELLS))])
    _same(rows_load(rows_dump(dataset)), dataset)


def test_the_rows_of_an_xlsx_with_dates_times_and_durations_come_back_as_openpyxl_read_them():
    book = Workbook()
    sheet = book.active
    sheet.append(["nama", "tanggal", "jam", "lama", "jumlah", "pecahan", "ya"])
    when = datetime(2021, 5, 1, 9, 0)  # noqa: DTZ001 - a spreadsheet's datetimes are naive
    sheet.append(["Galamai", when, time(7, 45), timedelta(hours=30), 40_000_000, 0.25, True])
    sheet["C2"].number_format = "hh:mm"
    sheet["D2"].number_format = "[h]:mm:ss"
    stream = io.BytesIO()
    book.save(stream)
    read = XLSXFormat().create_dataset(stream.getvalue())
    assert {type(v) for v in read[0]} >= {datetime, time, timedelta, int, float, bool}

    _same(rows_load(rows_dump(read)), read)


def test_a_cell_of_a_type_no_spreadsheet_gives_is_refused_not_turned_into_text():
    with pytest.raises(TypeError, match="object"):
        rows_dump(tablib.Dataset((object(),), headers=["x"]))
