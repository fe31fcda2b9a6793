"""The dashboard's figures as CSV and Excel: the same ``selectors.figures`` result the page
shows, section by section. Figures only, never a NIK or a contact; every cell is written by
``safetext.cells``, so that no spreadsheet runs text as a formula."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from safetext import cells

from .charts import pct


def _month(period) -> str:
    return f"{period:%Y-%m}"


def figure_columns() -> list[tuple[str, str, bool]]:
    """(key, header, is a ratio) of every figure a row of the dashboard's tables holds; each
    header names its unit."""
    return [
        ("verified", _("Usaha dalam program (usaha)"), False),
        ("reported", _("Melapor (usaha)"), False),
        ("returned", _("Dikembalikan, belum dihitung (usaha)"), False),
        ("with_activity", _("Laporan dengan kegiatan (usaha)"), False),
        ("no_activity_reports", _("Tidak ada kegiatan (usaha)"), False),
        ("active", _("IKM aktif (usaha)"), False),
        ("recovered", _("Pulih (usaha)"), False),
        ("recovering", _("Memulih (usaha)"), False),
        ("struggling", _("Kesulitan (usaha)"), False),
        ("no_baseline", _("Tanpa omzet dasar (usaha)"), False),
        ("closed", _("Tutup (usaha)"), False),
        ("share_recovered", _("Porsi sudah pulih, dari usaha buka dengan omzet dasar (%)"), True),
        ("median_index", _("Median indeks pemulihan (% omzet 2019)"), True),
        ("jobs", _("Tenaga kerja dilaporkan (orang)"), False),
        ("jobs_registered", _("Tenaga kerja di data pendaftaran (orang)"), False),
        ("jobs_ratio", _("Tenaga kerja dibanding data pendaftaran (%)"), True),
        ("share_online", _("Porsi berjualan online, dari laporan dengan kegiatan (%)"), True),
        ("share_raw_difficult", _("Porsi sulit bahan baku, dari laporan dengan kegiatan (%)"), True),
        ("completeness", _("Kelengkapan laporan, dari usaha dalam program (%)"), True),
    ]


def month_label(row: dict) -> str:
    """``YYYY-MM``, marked when the month is still provisional."""
    return _month(row["period"]) + (_(" (sementara)") if row.get("provisional") else "")


def _figure_rows(rows: list[dict], first) -> list[list]:
    columns = figure_columns()
    return [[first(row)] + [pct(row[key]) if ratio else row[key] for key, _h, ratio in columns] for row in rows]


def _status(met, due) -> str:
    if met is None:
        return _("Belum ada data")
    if due:
        return _("Tercapai") if met else _("Tidak tercapai")
    return _("Sudah memenuhi target") if met else _("Belum memenuhi target")


def dashboard_sections(data: dict, filters: dict[str, str]) -> list[tuple[str, list, list[list]]]:
    """(title, header, rows) for each part of the dashboard, in page order."""
    figure_header = [h for _k, h, _r in figure_columns()]
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
    freshness = data["freshness"]
    computed = (
        date_format(timezone.localtime(freshness.computed_at), "j F Y H.i") + " WIB"
        if freshness.computed_at
        else _("belum dihitung")
    )
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
        (
            _("Saringan"),
            [_("Saringan"), _("Nilai")],
            [
                [name, value]
                for name, value in (filters | {_("Angka per"): computed, _("Bulan utama"): month_label(data["city"])}).items()
            ],
        ),
        (
            _("Angka utama %(month)s") % {"month": end},
            [_("Ukuran"), _("Nilai (persen untuk porsi)"), _("Target"), _("Bulan target"), _("Status target")],
            headline,
        ),
        (_("Dari bulan ke bulan"), [_("Bulan"), *figure_header], _figure_rows(data["series"], month_label)),
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
                _("Kelompok"),
                _("Usaha"),
                _("Median porsi online 3 bulan sebelum (%)"),
                _("Median porsi online 3 bulan sesudah (%)"),
                _("Median indeks pemulihan 3 bulan sebelum (% omzet 2019)"),
                _("Median indeks pemulihan 3 bulan sesudah (% omzet 2019)"),
            ],
            [
                [
                    label,
                    before_after[f"{prefix}businesses"],
                    *(
                        pct(before_after[f"{prefix}{key}"])
                        for key in ("online_before", "online_after", "index_before", "index_after")
                    ),
                ]
                for prefix, label in (("", _("Dilatih")), ("comparison_", _("Pembanding (belum dilatih)")))
            ],
        ),
        (
            _("Target kota dan capaian"),
            [_("Ukuran"), _("Bulan target"), _("Target"), _("Bulan capaian"), _("Capaian"), _("Status"), _("Catatan")],
            progress,
        ),
    ]


def dashboard_csv(sections) -> bytes:
    lines = []
    for index, (title, header, rows) in enumerate(sections):
        if index:
            lines.append([])
        lines += [[title], header, *rows]
    return cells.csv_bytes(lines)


def dashboard_xlsx(sections) -> bytes:
    workbook = cells.Workbook()
    workbook.remove(workbook.active)
    used = set()
    for title, header, rows in sections:
        name = cells.text(title)[:31].replace("/", "-").replace(":", "")
        while name in used:
            name = name[:28] + f" {len(used)}"
        used.add(name)
        sheet = workbook.create_sheet(name)
        sheet.append([title])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append(header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 34
        sheet.freeze_panes = "B3"
    return workbook.to_bytes()
