"""The monthly PDF reads as a document the city would sign: letterhead with the office's name and
address, the period, "angka per", page numbers, round axis steps, whole month labels, and one
Indonesian number form (comma decimals, dot thousands) in charts and tables alike."""

import re
import shutil
import subprocess

import pytest

from recovery import report_files

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "laporan.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_nice_axis_top_and_step():
    assert report_files._nice_top(101.5) == (125, 25)
    assert report_files._nice_top(100) == (100, 20)
    assert report_files._nice_top(37) == (40, 10)
    assert report_files._nice_top(0) == (1, 0.2)


def test_numbers_are_written_the_indonesian_way():
    assert report_files.id_number(1234567) == "1.234.567"
    assert report_files.id_number(45.25) == "45,2" or report_files.id_number(45.25) == "45,3"
    assert report_files.id_number(101.5, 1) == "101,5"
    assert report_files.id_number(None) == "—"


def test_line_chart_has_round_ticks_whole_month_labels_and_comma_decimals():
    svg = report_files.svg_lines(
        title="Uji",
        labels=["Nov 2025", "Des 2025", "Jan 2026"],
        series=[("Porsi", [50.5, 101.5, None])],
    )
    ticks = re.findall(r'text-anchor="end">([^<]+)<', svg)
    assert ticks == ["0%", "25%", "50%", "75%", "100%", "125%"]
    assert ">Nov<tspan" in svg and ">2025</tspan>" in svg and ">2026</tspan>" in svg
    assert "101.5" not in svg and "50.5" not in svg


def test_bar_chart_writes_values_with_a_comma():
    svg = report_files.svg_bars(title="Uji", labels=["Payakumbuh Barat"], values=[66.7])
    assert "66,7%" in svg and "66.7" not in svg


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_monthly_pdf_has_letterhead_period_as_of_page_numbers_and_indonesian_numbers(worked_example, settings, tmp_path):
    settings.OFFICE_NAME = "Dinas Tenaga Kerja dan Perindustrian Kota Payakumbuh"
    text = _text(report_files.monthly_pdf(period=worked_example["period"]), tmp_path)
    assert "PEMERINTAH KOTA PAYAKUMBUH" in text
    assert "DINAS TENAGA KERJA DAN PERINDUSTRIAN KOTA PAYAKUMBUH" in text
    assert "Jl. Veteran" in text
    assert "Dinas Perindustrian dan " + "Tenaga Kerja" not in text  # the words swapped (split: test_office_name)
    month = report_files.month_label(worked_example["period"])
    assert "Periode" in text and month in text
    assert "Angka per" in text
    assert re.search(r"Halaman 1 dari \d", text)
    assert "101.5" not in text and "101,5" not in text
    assert not re.search(r"\d\.\d%", text)  # no dot decimals in any percent
    assert re.search(r"\d,\d", text)  # comma decimals
    assert "(" not in re.sub(r"\([^)]*\)", "", text)  # no cut label such as "Nov 2("
