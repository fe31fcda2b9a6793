"""The dashboard's figures as CSV and Excel: the same ``selectors.dashboard`` result the page
shows, section by section. Figures only, never a NIK or a contact; text cells are written so
that no spreadsheet runs them as formulas."""

import csv
import io

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from trainings.exports import cell_text

from .charts import pct


def _month(period) -> str:
    return f"{period:%Y-%m}"


def _figure_columns() -> list[tuple[str, str, bool]]:
    """(key, header, is a ratio) of every figure a row of the dashboard's tables holds."""
    return [
        ("verified", _("Usaha terverifikasi"), False),
        ("reported", _("Melapor"), False),
        ("with_activity", _("Laporan dengan kegiatan"), False),
        ("no_activity_reports", _("Tidak ada kegiatan"), False),
        ("active", _("IKM aktif"), False),
        ("recovered", _("Pulih"), False),
        ("recovering", _("Memulih"), False),
        ("struggling", _("Kesulitan"), False),
        ("closed", _("Tutup"), False),
        ("share_recovered", _("Porsi sudah pulih (%)"), True),
        ("median_index", _("Median indeks pemulihan (%)"), True),
        ("jobs", _("Tenaga kerja dilaporkan"), False),
        ("jobs_baseline", _("Tenaga kerja dasar"), False),
        ("jobs_ratio", _("Tenaga kerja dibanding dasar (%)"), True),
        ("share_online", _("Porsi berjualan online (%)"), True),
        ("share_raw_difficult", _("Porsi sulit bahan baku (%)"), True),
        ("completeness", _("Kelengkapan laporan (%)"), True),
    ]


def _figure_rows(rows: list[dict], first) -> list[list]:
    columns = _figure_columns()
    return [[first(row)] + [pct(row[key]) if ratio else row[key] for key, _h, ratio in columns] for row in rows]


def _status(met, due) -> str:
    if met is None:
        return _("Belum ada data")
    if due:
        return _("Tercapai") if met else _("Tidak tercapai")
    return _("Sudah memenuhi target") if met else _("Belum memenuhi target")


def dashboard_sections(data: dict, filters: dict[str, str]) -> list[tuple[str, list, list[list]]]:
    """(title, header, rows) for each part of the dashboard, in page order."""
    figure_header = [h for _k, h, _r in _figure_columns()]
    end = date_format(data["end"], "F Y")
    headline = [
        [
            str(item["label"]),
            pct(item["value"]) if item["is_percent"] else item["value"],
            float(item["target"].value) if item["target"] else None,
            _month(item["target"].period) if item["target"] else "",
            _status(item["met"], item["due"]) if item["target"] else "",
        ]
        for item in data["headline"]
    ]
    before_after = data["before_after"]
    progress = [
        [
            str(row["target"].get_measure_display()),
            _month(row["target"].period),
            float(row["target"].value),
            _month(row["actual_period"]),
            (pct(row["actual"]) if row["target"].is_percent else row["actual"]),
            _status(row["met"], row["due"]),
            row["target"].note,
        ]
        for row in data["target_progress"]
    ]
    return [
        (_("Saringan"), [_("Saringan"), _("Nilai")], [[name, value] for name, value in filters.items()]),
        (
            _("Angka utama %(month)s") % {"month": end},
            [_("Ukuran"), _("Nilai (persen untuk porsi)"), _("Target"), _("Bulan target"), _("Status target")],
            headline,
        ),
        (_("Dari bulan ke bulan"), [_("Bulan"), *figure_header], _figure_rows(data["series"], lambda r: _month(r["period"]))),
        (
            _("Menurut kecamatan, %(month)s") % {"month": end},
            [_("Kecamatan"), *figure_header],
            _figure_rows(data["by_kecamatan"], lambda r: r["label"]),
        ),
        (
            _("Menurut sektor, %(month)s") % {"month": end},
            [_("Sektor"), *figure_header],
            _figure_rows(data["by_sector"], lambda r: r["label"]),
        ),
        (
            _("Pelatihan, %(month)s") % {"month": end},
            [_("Kelompok"), *figure_header],
            _figure_rows(data["by_training"], lambda r: str(r["label"])),
        ),
        (
            _("Sebelum dan sesudah pelatihan pemasaran online"),
            [
                _("Usaha"),
                _("Porsi online 3 bulan sebelum (%)"),
                _("Porsi online 3 bulan sesudah (%)"),
                _("Indeks pemulihan 3 bulan sebelum (%)"),
                _("Indeks pemulihan 3 bulan sesudah (%)"),
            ],
            [
                [
                    before_after["businesses"],
                    pct(before_after["online_before"]),
                    pct(before_after["online_after"]),
                    pct(before_after["index_before"]),
                    pct(before_after["index_after"]),
                ]
            ],
        ),
        (
            _("Target kota dan capaian"),
            [_("Ukuran"), _("Bulan target"), _("Target"), _("Bulan capaian"), _("Capaian"), _("Status"), _("Catatan")],
            progress,
        ),
    ]


def _safe(value):
    """Numbers stay numbers; text never starts a formula."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return cell_text(value)


def dashboard_csv(sections) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for index, (title, header, rows) in enumerate(sections):
        if index:
            writer.writerow([])
        writer.writerow([_safe(title)])
        writer.writerow([_safe(h) for h in header])
        for row in rows:
            writer.writerow([_safe(value) for value in row])
    # The BOM tells Excel the file is UTF-8 (as the registry's CSV export does).
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def dashboard_xlsx(sections) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for title, header, rows in sections:
        name = cell_text(title)[:31].replace("/", "-").replace(":", "")
        while name in used:
            name = name[:28] + f" {len(used)}"
        used.add(name)
        sheet = workbook.create_sheet(name)
        sheet.append([_safe(title)])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([_safe(h) for h in header])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_safe(value) for value in row])
        for line in sheet.iter_rows(min_row=1):
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever openpyxl guessed
        sheet.column_dimensions["A"].width = 34
        sheet.freeze_panes = "B3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
