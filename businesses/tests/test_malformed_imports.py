"""Import files malformed in the ways real offices (and attackers) produce them: each gets a
clear answer in Indonesian through the admin upload, saves nothing, and is read within bounded
memory. The big and hostile files are made here, in tmp_path, never committed.

Memory is measured in a separate Python process (its peak resident size, VmHWM, which
includes Django and openpyxl themselves) running the upload form exactly as the admin does.
"""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
import tablib
from django.conf import settings as django_settings
from openpyxl import Workbook

from businesses.models import Business, Owner
from businesses.resources import IMPORT_COLUMNS, IMPORT_MAX_ROWS, CSVFormat, XLSXFormat

from .helpers import csv_bytes, form_errors, ready, row, upload, xlsx
from .hostile_files import SHEET, entity_bomb, rezip, xlsx_parts, zeros_deflate

pytestmark = pytest.mark.django_db

MEMORY_BOUND_MB = 200
REPO = Path(__file__).resolve().parents[2]


# --- Making the files ------------------------------------------------------------------------


def zip_bomb_honest() -> bytes:
    """A workbook whose sheet declares 2 GB of XML, packed into about 2 MB."""
    return rezip(xlsx_parts(xlsx([row(1)])), {SHEET: (zeros_deflate(2048), 0, 2048 * 2**20)})


def zip_bomb_lying() -> bytes:
    """The same 2 GB stream, but its header declares 40 KB: nothing may read past that."""
    return rezip(xlsx_parts(xlsx([row(1)])), {SHEET: (zeros_deflate(1024), 0, 40 * 1024)})


def docx_like() -> bytes:
    """A real Office zip (content types and all) that is a document, not a workbook."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", "<document/>")
    return stream.getvalue()


def merged_header() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(IMPORT_COLUMNS))
    sheet.append([row(1)[h] for h in IMPORT_COLUMNS])
    sheet.merge_cells("A1:C1")  # "nib", "nama_usaha", "produk" become one cell
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def merged_data_cells() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(IMPORT_COLUMNS))
    sheet.append([row(1)[h] for h in IMPORT_COLUMNS])
    sheet.merge_cells("B2:E2")  # name, product, KBLI and kelurahan merged into one cell
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def xlsx_with_formula(cached_value: str | None) -> bytes:
    """tk_laki_laki as a stored formula; with the value Excel computed, or (a file written by a
    script) without one."""
    column = IMPORT_COLUMNS.index("tk_laki_laki") + 1
    content = xlsx([row(1, tk_laki_laki="=1+0")])
    parts = xlsx_parts(content)
    letter = openpyxl.utils.get_column_letter(column)
    sheet = parts[SHEET]
    assert f'<c r="{letter}2"><f>1+0</f><v /></c>'.encode() in sheet
    if cached_value is not None:
        parts[SHEET] = sheet.replace(b"<f>1+0</f><v />", f"<f>1+0</f><v>{cached_value}</v>".encode())
    return rezip(parts)


def big_csv(rows: int) -> bytes:
    return csv_bytes([row(n) for n in range(1, rows + 1)])


def big_xlsx(path: Path, rows: int) -> bytes:
    """A full-width workbook of ``rows`` rows, its sheet XML written directly (openpyxl would
    take a minute to write 50,000 rows): inline strings and numbers, as other tools write them."""

    def cell(value):
        if isinstance(value, int):
            return f"<c><v>{value}</v></c>"
        return f'<c t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'

    chunks = ["<sheetData>", "<row>" + "".join(cell(h) for h in IMPORT_COLUMNS) + "</row>"]
    for n in range(1, rows + 1):
        values = row(n)
        chunks.append("<row>" + "".join(cell(values[h]) for h in IMPORT_COLUMNS) + "</row>")
    chunks.append("</sheetData>")
    parts = xlsx_parts(xlsx([]))
    sheet = parts[SHEET]
    start, end = sheet.index(b"<sheetData"), sheet.index(b"</sheetData>") + len(b"</sheetData>")
    parts[SHEET] = sheet[:start] + "".join(chunks).encode() + sheet[end:]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path.read_bytes()


# --- Through the admin: a clear answer, nothing saved ----------------------------------------


def refused(client, content: bytes, name: str = "usaha.xlsx") -> str:
    before = (Business.objects.count(), Owner.objects.count())
    response = upload(client, content, name)
    assert response.status_code == 200
    assert not ready(response)
    assert (Business.objects.count(), Owner.objects.count()) == before
    return form_errors(response) or response.content.decode()


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (lambda: b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(2000), "usaha.xlsx", "program (.exe)"),
        (docx_like, "usaha.xlsx", "rusak atau bukan buku kerja"),
        (zip_bomb_honest, "usaha.xlsx", "jauh lebih besar daripada berkasnya"),
        (zip_bomb_lying, "usaha.xlsx", "rusak atau bukan buku kerja"),
        (lambda: entity_bomb(SHEET), "usaha.xlsx", "rusak atau bukan buku kerja"),
        (lambda: entity_bomb("xl/workbook.xml"), "usaha.xlsx", "rusak atau bukan buku kerja"),
        (merged_header, "usaha.xlsx", "Kolom berikut tidak ada di baris judul: nama_usaha, produk"),
        (lambda: csv_bytes([row(1, nama_usaha='=HYPERLINK("http://contoh.id","Klik")')]), "usaha.csv", "berisi rumus"),
        (lambda: csv_bytes([row(1, tk_laki_laki="=1+1")], delimiter=";"), "usaha.csv", "kolom tk_laki_laki berisi rumus"),
        (lambda: xlsx_with_formula(None), "usaha.xlsx", "Sel H2 berisi rumus (=1+0) yang belum pernah dihitung"),
        (lambda: csv_bytes([row(1)], headers=IMPORT_COLUMNS[2:]), "usaha.csv", "Kolom berikut tidak ada di baris judul: nib"),
        (lambda: big_csv(IMPORT_MAX_ROWS + 1), "usaha.csv", "lebih dari 20.000 baris"),
        (lambda: csv_bytes([row(1)]).decode().encode("utf-16-le")[:-1], "usaha.csv", "terpotong atau rusak"),
    ],
    ids=["exe-renamed", "docx-renamed", "zip-bomb", "zip-bomb-lying-header", "entity-bomb-sheet",
         "entity-bomb-workbook", "merged-header", "csv-formula-hyperlink", "csv-formula-number",
         "xlsx-formula-never-computed", "missing-columns", "too-many-rows", "utf16-truncated"],
)  # fmt: skip
def test_a_malformed_file_gets_a_clear_answer_and_saves_nothing(client, staff, make, name, message):
    client.force_login(staff)

    assert message in refused(client, make(), name)


def test_a_20_mb_file_is_refused_by_its_size_before_it_is_read(client, staff):
    client.force_login(staff)
    content = big_csv(200)
    content += b"\n" * (20 * 2**20 - len(content))

    errors = refused(client, content, "usaha.csv")

    assert "Berkas terlalu besar (20,0" in errors or "Berkas terlalu besar (20.0" in errors


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (lambda: csv_bytes([row(1, nama_usaha="Café Galamai")], encoding="cp1252"), "usaha.csv"),
        (lambda: csv_bytes([row(1, nama_usaha="Café Galamai")], encoding="latin-1", delimiter=";"), "usaha.csv"),
        (lambda: csv_bytes([row(1, nama_usaha="Café Galamai")], encoding="utf-16", delimiter="\t"), "usaha.txt"),
        (lambda: csv_bytes([row(1, nama_usaha="Café Galamai")], encoding="utf-16-le", delimiter="\t"), "usaha.txt"),
        (lambda: b"\xef\xbb\xbf" + csv_bytes([row(1, nama_usaha="Café Galamai")], delimiter=";"), "usaha.csv"),
    ],
    ids=["cp1252", "latin-1-semicolon", "utf16-bom-tab", "utf16-no-bom", "utf8-bom-semicolon"],
)
def test_other_encodings_and_delimiters_are_read_correctly_and_saved_only_on_confirmation(client, staff, content, name):
    client.force_login(staff)

    response = upload(client, content(), name)

    assert ready(response), form_errors(response)
    assert "Café Galamai" in response.content.decode()
    assert Business.objects.count() == 0


def test_extra_columns_are_ignored_and_the_known_ones_are_read(client, staff):
    client.force_login(staff)
    headers = ("catatan_petugas", *IMPORT_COLUMNS, "kolom_tambahan")

    response = upload(client, xlsx([row(1, catatan_petugas="cek ulang", kolom_tambahan="lihat catatan")], headers=headers))

    assert ready(response), form_errors(response)
    assert Business.objects.count() == 0


def test_merged_data_cells_are_refused_row_by_row_naming_the_columns(client, staff):
    client.force_login(staff)

    page = refused(client, merged_data_cells())

    assert "kolom kbli" in page and "kolom kode_kelurahan" in page


def test_a_stored_formula_with_the_value_excel_computed_is_read_by_its_value():
    dataset = XLSXFormat().create_dataset(xlsx_with_formula("1"))

    assert dataset["tk_laki_laki"] == [1]


def test_openpyxl_reads_workbook_xml_through_defusedxml():
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse.__module__.startswith("defusedxml")


def test_text_that_our_export_escaped_is_not_taken_for_a_formula():
    content = CSVFormat().export_data(tablib.Dataset(["=1+1", "Galamai"], headers=["produk", "nama_usaha"]))

    assert CSVFormat().create_dataset(content)["produk"] == ["'=1+1"]  # the apostrophe is dropped per cell (_text)


# --- Bounded memory, measured in a process of its own ----------------------------------------

_MEASURE = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from spreadsheets.formats import ImportFileError, detect_format, file_headers
from spreadsheets.services import resource_class

# What an upload goes through: the request's checks (size, format, header row:
# spreadsheets.services.import_job_start), then the preview job's full read of the rows.
path, name = sys.argv[1], sys.argv[2]
with open(path, "rb") as handle:
    data = handle.read()
resource = resource_class("usaha")
valid, errors = True, ""
try:
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError("Berkas terlalu besar. Bagi menjadi beberapa berkas.")
    _format, headers = file_headers(data, data_sheet=resource.data_sheet)
    problem = resource.headers_problem(headers)
    if problem:
        raise ImportFileError(problem)
    detect_format(data)().create_dataset(data, data_sheet=resource.data_sheet)
except ImportFileError as error:
    valid, errors = False, str(error)
# VmHWM: this process's own peak resident size (ru_maxrss would include the forking parent's)
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"valid": valid, "errors": errors, "peak_mb": peak_kb / 1024}))
"""


def measure(path: Path, name: str, max_bytes: int | None = None) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "payakumbuh_ikm.settings.test"}
    if max_bytes:
        env["IMPORT_MAX_BYTES"] = str(max_bytes)
    done = subprocess.run(  # (our own interpreter and script)
        [sys.executable, "-c", _MEASURE, str(path), name],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (lambda path: big_csv(50_000), "usaha.csv", "lebih dari 20.000 baris"),
        (lambda path: big_xlsx(path, 50_000), "usaha.xlsx", "lebih dari 20.000 baris"),
        (lambda path: zip_bomb_honest(), "usaha.xlsx", "jauh lebih besar"),
        (lambda path: zip_bomb_lying(), "usaha.xlsx", "rusak atau bukan buku kerja"),
        (lambda path: entity_bomb(SHEET), "usaha.xlsx", "rusak atau bukan buku kerja"),
        (lambda path: b"x" * (20 * 2**20), "usaha.csv", "Berkas terlalu besar"),
    ],
    ids=["csv-50000-rows", "xlsx-50000-rows", "zip-bomb", "zip-bomb-lying-header", "entity-bomb", "20-mb"],
)
def test_hostile_and_huge_files_are_refused_within_bounded_memory(tmp_path, make, name, message):
    path = tmp_path / name
    content = make(path)
    path.write_bytes(content)
    # The rows limit must hold even where an operator allowed bigger files than the default.
    max_bytes = 30 * 2**20 if "baris" in message else None

    result = measure(path, name, max_bytes)

    assert not result["valid"]
    assert message in result["errors"]
    print(f"{name} {len(content) / 2**20:.1f} MB: peak {result['peak_mb']:.0f} MB")  # shown with -s, for the report
    assert result["peak_mb"] < MEMORY_BOUND_MB


@pytest.mark.slow
def test_the_largest_allowed_file_is_read_within_bounded_memory(tmp_path):
    """20,000 full rows in .xlsx: accepted by the upload checks, within the same bound."""
    path = tmp_path / "usaha.xlsx"
    big_xlsx(path, IMPORT_MAX_ROWS)
    assert path.stat().st_size < django_settings.IMPORT_MAX_BYTES

    result = measure(path, "usaha.xlsx")

    assert result["valid"], result["errors"]
    print(f"20,000 rows {path.stat().st_size / 2**20:.1f} MB: peak {result['peak_mb']:.0f} MB")
    assert result["peak_mb"] < MEMORY_BOUND_MB
