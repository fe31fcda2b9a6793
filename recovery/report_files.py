"""Report files: the city's monthly report (Excel and a PDF summary, built by a monthly job and
emailed to officials as a link, built again as a new revision when late reports change the
month's figures) and the dashboard exports people start from the dashboard, built in the
background with their progress on a page.

Files hold figures and business names, never a NIK, phone number or email. Every cell is
written by ``safetext.cells``, so that no spreadsheet runs text as a formula. Files are served only through the
permission-checked views of ``views_report_files``.
"""

import hashlib
import json
import logging
import math
import secrets
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from html import escape

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Substr
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import GROUP_NAMES, Role
from businesses.reference import kbli_divisions
from notifications.services import message_queue
from payakumbuh_ikm.enqueue import enqueue, enqueue_on_commit
from safetext import cells

from . import measures, selectors
from .exports import figure_columns
from .exports import month_label as export_month_label
from .models import (
    CLOSED_STATUSES,
    MonthlyReport,
    ReportFile,
    ReportFileKind,
    ReportFileStatus,
    ReportSchedule,
    ReportStatus,
    SummaryFillState,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A build still "running" this long after it started was lost with its worker: run it again.
logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=2)

Progress = Callable[[int], None]


def _no_progress(percent: int) -> None:
    return None


def pct(value) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def _month(period: date) -> str:
    return f"{period:%Y-%m}"


def month_label(period: date) -> str:
    return date_format(period, "F Y")


# --- Sheets ----------------------------------------------------------------------------------


def _figure_sheet(first_header: str, rows: list[dict]) -> tuple[list, list[list]]:
    columns = figure_columns()
    header = [first_header, *[h for _k, h, _r in columns]]
    body = [[row["label"], *[pct(row[k]) if ratio else row[k] for k, _h, ratio in columns]] for row in rows]
    return header, body


def _computed(freshness: selectors.Freshness) -> str:
    if freshness.computed_at is None:
        return _("belum dihitung")
    return date_format(timezone.localtime(freshness.computed_at), "j F Y H.i") + " WIB"


def summary_rows(city: dict, freshness: selectors.Freshness, revision: int | None = None) -> list[list]:
    """The Ringkasan sheet: one measure per row, with when the figures were computed, the
    revision of a monthly report (none for an export) and whether the month is still
    provisional."""
    return [
        [_("Angka per"), _computed(freshness)],
        *([[_("Revisi laporan"), revision]] if revision else []),
        [_("Status bulan"), _("Sementara: masih bisa berubah") if city["provisional"] else _("Final")],
        [_("Usaha dalam program (usaha)"), city["verified"]],
        [_("Melapor (usaha)"), city["reported"]],
        [_("Dikembalikan, belum dihitung (usaha)"), city["returned"]],
        [_("Tidak ada kegiatan (usaha)"), city["no_activity_reports"]],
        [_("Belum melapor (usaha)"), max(city["verified"] - city["reported"], 0)],
        [_("Kelengkapan laporan, dari usaha dalam program (%)"), pct(city["completeness"])],
        [_("IKM aktif (usaha)"), city["active"]],
        [_("Pulih, indeks ≥ 100% (usaha)"), city["recovered"]],
        [_("Memulih, 50–99% (usaha)"), city["recovering"]],
        [_("Kesulitan, < 50% (usaha)"), city["struggling"]],
        [_("Tanpa omzet dasar (usaha)"), city["no_baseline"]],
        [_("Tutup (usaha)"), city["closed"]],
        [_("Porsi sudah pulih, dari usaha buka dengan omzet dasar (%)"), pct(city["share_recovered"])],
        [_("Median indeks pemulihan (% omzet 2019)"), pct(city["median_index"])],
        [_("Tenaga kerja dilaporkan (orang)"), city["jobs"]],
        [_("Tenaga kerja dibanding data pendaftaran (%)"), pct(city["jobs_ratio"])],
        [_("Porsi berjualan online, dari laporan dengan kegiatan (%)"), pct(city["share_online"])],
        [_("Porsi sulit bahan baku, dari laporan dengan kegiatan (%)"), pct(city["share_raw_difficult"])],
    ]


def completeness_rows(by_kecamatan: list[dict]) -> list[list]:
    return [
        [
            row["label"],
            row["verified"],
            row["with_activity"],
            row["no_activity_reports"],
            row["returned"],
            max(row["verified"] - row["reported"], 0),
            pct(row["completeness"]),
        ]
        for row in by_kecamatan
    ]


def completeness_header() -> list[str]:
    return [
        _("Kecamatan"),
        _("Usaha dalam program (usaha)"),
        _("Melapor dengan kegiatan (usaha)"),
        _("Melapor tidak ada kegiatan (usaha)"),
        _("Dikembalikan, belum dihitung (usaha)"),
        _("Belum melapor (usaha)"),
        _("Kelengkapan laporan (%)"),
    ]


def business_header() -> list[str]:
    return [
        _("NIB"),
        _("Nama usaha"),
        _("Kecamatan"),
        _("Kelurahan"),
        _("Sektor"),
        _("Status laporan"),
        _("Status operasi"),
        _("Indeks pemulihan (%)"),
        _("Kategori"),
    ]


def _category_labels() -> dict[str, str]:
    """The category names, translated once per report (not once per business)."""
    return {
        "returned": _("Dikembalikan (tidak dihitung)"),
        "no_activity": _("Tidak ada kegiatan"),
        "closed": _("Tutup"),
        "recovered": _("Pulih"),
        "recovering": _("Memulih"),
        "struggling": _("Kesulitan"),
    }


def _category(report: dict, baseline: int | None, labels: dict[str, str] | None = None) -> str:
    """The category the figures count the report in (see ``selectors``): returned reports and
    months without activity are in none."""
    labels = labels or _category_labels()
    if report["status"] == ReportStatus.RETURNED:
        return labels["returned"]
    if report["no_activity"]:
        return labels["no_activity"]
    if report["operating_status"] in CLOSED_STATUSES:
        return labels["closed"]
    turnover, baseline = report["turnover"] or 0, baseline or 0
    if turnover >= baseline:
        return labels["recovered"]
    if turnover * 2 >= baseline:
        return labels["recovering"]
    return labels["struggling"]


def business_rows(*, period: date, scope: selectors.Scope) -> list[list]:
    """One row per business in the programme in ``period`` and ``scope`` with its report (two
    queries): the businesses behind the month's figures. Names and places only: no owner, NIK
    or contact."""
    businesses = scope.businesses(selectors.businesses_in_programme(period=period)).annotate(division=Substr("kbli__code", 1, 2))
    reports = {
        business_id: (status, no_activity, operating_status, turnover)
        for business_id, status, no_activity, operating_status, turnover in scope.businesses(
            MonthlyReport.objects.filter(period=period).filter(measures.in_programme(period, "business__")), "business__"
        )
        .values_list("business_id", "status", "no_activity", "operating_status", "turnover")
        .order_by()
    }
    # Labels are lazy translations: turned into text once here, not once per business.
    statuses = {key: str(label) for key, label in ReportStatus.choices}
    operating = {key: str(label) for key, label in MonthlyReport._meta.get_field("operating_status").choices}
    categories = _category_labels()
    not_reported = _("Belum melapor")
    names = kbli_divisions()
    sectors: dict[tuple, str] = {}
    rows = []
    # Tuples, not dicts: one row per verified business, 100,000 at province scale.
    for pk, nib, name, kelurahan, kecamatan, division, version, baseline in businesses.values_list(
        "pk", "nib", "name", "kelurahan__name", "kelurahan__kecamatan__name", "division", "kbli__version", "turnover_2019"
    ).order_by("kelurahan__kecamatan__name", "name", "pk"):
        sector = sectors.get((version, division))
        if sector is None:
            sector = sectors[(version, division)] = f"{division or ''} {names.get((version, division), '')}".strip()
        report = reports.get(pk)
        if report is None:
            status, op, index, category = not_reported, "", None, ""
        else:
            report_status, no_activity, operating_status, turnover = report
            status = statuses.get(report_status, report_status)
            op = operating.get(operating_status, "") if operating_status else ""
            index = pct(turnover / baseline) if baseline and turnover is not None and not no_activity else None
            category = _category(
                {"status": report_status, "no_activity": no_activity, "operating_status": operating_status, "turnover": turnover},
                baseline,
                categories,
            )
        rows.append([nib, name, kecamatan, kelurahan, sector, status, op, index, category])
    return rows


def write_workbook(sheets: list[tuple[str, list, list[list]]], progress: Progress = _no_progress) -> bytes:
    """An .xlsx written row by row (openpyxl write_only: memory stays flat however many
    businesses); ``progress`` hears the percent after each sheet."""
    from openpyxl.styles import Font

    book = cells.Workbook(write_only=True)
    bold = Font(bold=True)
    for number, (title, header, rows) in enumerate(sheets, start=1):
        sheet = book.create_sheet(title[:31])
        sheet.freeze_panes = "B2"
        sheet.append([cells.styled(sheet, text, font=bold) for text in header])
        for row in rows:
            sheet.append(row)
        progress(number * 100 // len(sheets))
    return book.to_bytes()


def monthly_figures(*, period: date, scope: selectors.Scope = selectors.CITY) -> dict:
    """The figures a month's file shows (the month and the 11 before it), read once: every sheet
    and the PDF are written from this one read, so a file never mixes two computations."""
    return selectors.figures(start=selectors.month_add(period, -11), end=period, scope=scope)


def figures_digest(figures: dict) -> str:
    """A fingerprint (SHA-256 of a canonical JSON) of the month's own figures in ``figures``
    (``monthly_figures``): the city, kecamatan and sector figures of its last month, which the
    Ringkasan, Kecamatan, Sektor and Kelengkapan sheets show. Not when they were computed (a
    refresh that changes nothing changes no digest) and not the earlier months of the series
    (a late report for another month does not revise this one)."""
    own = {key: figures[key] for key in ("city", "by_kecamatan", "by_sector")}
    text = json.dumps(own, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def monthly_sheets(
    *, period: date, scope: selectors.Scope = selectors.CITY, figures: dict | None = None, revision: int | None = None
) -> list[tuple[str, list, list[list]]]:
    """The five sheets of a month's report: Ringkasan, Kecamatan, Sektor, Kelengkapan, Usaha,
    from ``figures`` (``monthly_figures``; read here when not given). ``revision``: the
    monthly report's revision, said on the Ringkasan sheet (none for an export)."""
    figures = figures or monthly_figures(period=period, scope=scope)
    city, by_kecamatan, by_sector = figures["city"], figures["by_kecamatan"], figures["by_sector"]
    kecamatan_header, kecamatan_rows = _figure_sheet(_("Kecamatan"), by_kecamatan)
    sector_header, sector_rows = _figure_sheet(_("Sektor"), by_sector)
    return [
        ("Ringkasan", [_("Ukuran"), month_label(period)], summary_rows(city, figures["freshness"], revision)),
        ("Kecamatan", kecamatan_header, kecamatan_rows),
        ("Sektor", sector_header, sector_rows),
        ("Kelengkapan", completeness_header(), completeness_rows(by_kecamatan)),
        ("Usaha", business_header(), business_rows(period=period, scope=scope)),
    ]


# --- Charts for the PDF: plain SVG, drawn here (the PDF runs no script) -----------------------

_COLOURS = ("#1f5f8b", "#d9822b", "#3a9b5c", "#b23b3b")


def id_number(value, decimals: int | None = None) -> str:
    """A number as the PDF writes it everywhere (tables and charts alike), in Indonesian form:
    thousands with a dot, decimals with a comma ("1.234", "45,3"); ``None`` as "—". Integers
    without decimals, other numbers with one unless ``decimals`` says otherwise."""
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if isinstance(value, int) else 1
    with translation.override("id"):
        return number_format(value, decimals, use_l10n=True, force_grouping=True)


def _nice_top(highest: float) -> tuple[float, float]:
    """The axis's top and step: round numbers (a step of 1, 2, 2.5 or 5 times a power of ten),
    about five steps, the top at or above ``highest``: 101.5 gives 125 in steps of 25."""
    highest = max(highest, 1.0)
    raw = highest / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.ceil(highest / step - 1e-9) * step, step


def _ticks(top: float, step: float):
    """The axis's values from 0 to ``top`` in steps of ``step``."""
    tick = 0.0
    while tick <= top + 1e-9:
        yield tick
        tick += step


def _svg_start(*, width: int, height: int, title: str) -> list[str]:
    """The opening of a chart: the drawing's size, its accessible title, and the title written
    above it (escaped)."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]


def svg_bars(*, title: str, labels: list[str], values: list[float | None], unit: str = "%") -> str:
    """Horizontal bars, one per label, on a scale with gridlines, with the value (Indonesian
    number form) written at the end of each bar."""
    width, label_width, bar_height, gap, head = 520, 170, 16, 6, 28
    height = head + len(labels) * (bar_height + gap) + 16
    top, step = _nice_top(max([v for v in values if v is not None] + [100 if unit == "%" else 1]))
    span = width - label_width - 50
    bottom = head + len(labels) * (bar_height + gap)
    parts = _svg_start(width=width, height=height, title=title)
    for tick in _ticks(top, step):
        x = label_width + span * tick / top
        parts.append(f'<line x1="{x:.1f}" y1="{head - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 11}" font-size="9" text-anchor="middle">{escape(id_number(tick, 0 if tick == int(tick) else 1))}{unit}</text>'
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = head + i * (bar_height + gap)
        parts.append(f'<text x="0" y="{y + 12}" font-size="10">{escape(str(label)[:30])}</text>')
        length = 0 if value is None else span * value / top
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{_COLOURS[0]}"/>')
        text = "—" if value is None else f"{id_number(value, 1)}{unit}"
        parts.append(f'<text x="{label_width + length + 4:.1f}" y="{y + 12}" font-size="10">{escape(text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # nosec B308 B703  # every text above is escaped


def svg_lines(*, title: str, labels: list[str], series: list[tuple[str, list[float | None]]]) -> str:
    """Lines over months (percent) on a scale of round steps with gridlines (0% to a round top at
    or above the highest value and 100%), each month named on two lines (month, year) inside
    the drawing, and a legend beneath."""
    width, left, right, top_pad = 520, 44, 24, 24
    plot_h = 160
    legend_rows = 1 + (len(series) - 1) // 3
    height = top_pad + plot_h + 30 + 16 * legend_rows
    plot_w = width - left - right
    values = [v for _n, data in series for v in data if v is not None]
    top, step_y = _nice_top(max(values + [100]))
    step = plot_w / max(len(labels) - 1, 1)

    def point(i, v):
        return left + i * step, top_pad + plot_h - plot_h * v / top

    parts = _svg_start(width=width, height=height, title=title)
    for tick in _ticks(top, step_y):
        y = top_pad + plot_h - plot_h * tick / top
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{"#999" if tick == 0 else "#ddd"}"/>'
        )
        text = id_number(tick, 0 if tick == int(tick) else 1) + "%"
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end">{escape(text)}</text>')
    for i, label in enumerate(labels):
        x, _y = point(i, 0)
        month, _sep, year = str(label).partition(" ")
        parts.append(
            f'<text x="{x:.1f}" y="{top_pad + plot_h + 12}" font-size="8.5" text-anchor="middle">{escape(month)}'
            f'<tspan x="{x:.1f}" dy="10">{escape(year)}</tspan></text>'
        )
    for n, (name, data) in enumerate(series):
        colour = _COLOURS[n % len(_COLOURS)]
        points = [point(i, v) for i, v in enumerate(data) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in points:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>')
        legend_y = top_pad + plot_h + 40 + 16 * (n // 3)
        legend_x = left + (n % 3) * 160
        parts.append(f'<rect x="{legend_x}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{legend_y}" font-size="9">{escape(name[:28])}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # nosec B308 B703  # every text above is escaped


def _refuse_remote(url: str, *args, **kwargs):
    # Everything the PDF shows is in its HTML (charts are inline SVG, fonts the machine's):
    # a URL reaching WeasyPrint could only come from data, and is never fetched.
    raise ValueError(f"report PDFs fetch nothing: {url}")


# The office's name and address on the PDF's letterhead and in the e-mail. settings.OFFICE_NAME
# and OFFICE_ADDRESS where set (the office's name is one setting for the whole portal); these
# defaults otherwise. The address is the one on the contact page, still to be confirmed by the
# office (pages/admin.py says so to staff).
OFFICE_NAME_DEFAULT = "Dinas Tenaga Kerja dan Perindustrian Kota Payakumbuh"
OFFICE_ADDRESS_DEFAULT = "Jl. Veteran No. 70, Kapalo Koto Dibalai, Payakumbuh Utara, Kota Payakumbuh 26211"


def office_name() -> str:
    return getattr(settings, "OFFICE_NAME", "") or OFFICE_NAME_DEFAULT


def office_address() -> str:
    return getattr(settings, "OFFICE_ADDRESS", "") or OFFICE_ADDRESS_DEFAULT


def _pdf_value(value) -> str:
    """A table cell of the PDF: numbers in the same Indonesian form as the charts."""
    if value is None or isinstance(value, bool):
        return "—" if value is None else str(value)
    if isinstance(value, int | float):
        return id_number(value)
    return str(value)


def monthly_pdf(*, period: date, figures: dict | None = None, revision: int = 1) -> bytes:
    """The month's summary as an A4 PDF, in Indonesian (an official document), from ``figures``
    (``monthly_figures``; read here when not given), saying which revision of the month's report
    it is."""
    from weasyprint import HTML  # loaded only in the worker that needs it

    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        figures = figures or monthly_figures(period=period)
        city, by_kecamatan, series = figures["city"], figures["by_kecamatan"], figures["series"]
        months = [date_format(row["period"], "M Y") for row in series]
        charts = [
            svg_lines(
                title=_("Perkembangan 12 bulan (persen)"),
                labels=months,
                series=[
                    (_("Porsi sudah pulih"), [pct(r["share_recovered"]) for r in series]),
                    (_("Median indeks pemulihan"), [pct(r["median_index"]) for r in series]),
                    (_("Kelengkapan laporan"), [pct(r["completeness"]) for r in series]),
                ],
            ),
            svg_bars(
                title=_("Porsi sudah pulih menurut kecamatan"),
                labels=[r["label"] for r in by_kecamatan],
                values=[pct(r["share_recovered"]) for r in by_kecamatan],
            ),
            svg_bars(
                title=_("Kelengkapan laporan menurut kecamatan"),
                labels=[r["label"] for r in by_kecamatan],
                values=[pct(r["completeness"]) for r in by_kecamatan],
            ),
        ]
        html = render_to_string(
            "recovery/report_files/monthly_pdf.html",
            {
                "period": period,
                "month": month_label(period),
                "revision": revision,
                "summary": [(label, _pdf_value(value)) for label, value in summary_rows(city, figures["freshness"], revision)],
                "completeness_header": completeness_header(),
                "completeness": [[_pdf_value(value) for value in row] for row in completeness_rows(by_kecamatan)],
                "charts": charts,
                "made_on": date_format(timezone.localdate(), "j F Y"),
                "as_of": _computed(figures["freshness"]),
                "office_name": office_name(),
                "office_address": office_address(),
                "provisional": city["provisional"],
            },
        )
    return HTML(string=html, url_fetcher=_refuse_remote).write_pdf()


# --- Building and storing ----------------------------------------------------------------


def _set_progress(report_file_id: int) -> Progress:
    def progress(percent: int) -> None:
        ReportFile.objects.filter(pk=report_file_id).update(progress=min(max(percent, 0), 100))

    return progress


def _claim(report_file_id: int) -> bool:
    """Mark a pending (or failed, or lost) build as running; False when another run has it or
    it is done. One UPDATE: two workers cannot both claim it."""
    stale = timezone.now() - STALE_AFTER
    return bool(
        ReportFile.objects.filter(pk=report_file_id)
        .filter(
            Q(status__in=[ReportFileStatus.PENDING, ReportFileStatus.FAILED])
            | Q(status=ReportFileStatus.RUNNING, started_at__lt=stale)
        )
        .update(status=ReportFileStatus.RUNNING, progress=0, error="", started_at=timezone.now())
    )


def _fail(report_file_id: int, error: Exception) -> None:
    ReportFile.objects.filter(pk=report_file_id).update(
        status=ReportFileStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
    )


def _name(prefix: str, period: date, extension: str, revision: int | None = None) -> str:
    # A random part: storage that serves files by name must not let names be guessed.
    revised = f"-r{revision}" if revision else ""
    return f"{prefix}-{period:%Y-%m}{revised}-{secrets.token_hex(8)}.{extension}"


def download_name(report_file: ReportFile, extension: str) -> str:
    """The name a file is downloaded under: a monthly report's says its month and revision
    (laporan-pemulihan-2026-10-r2.xlsx), an export's its last month and number."""
    if report_file.kind == ReportFileKind.MONTHLY:
        return f"laporan-pemulihan-{report_file.period:%Y-%m}-r{report_file.revision}.{extension}"
    return f"ekspor-pemulihan-{report_file.period:%Y-%m}-{report_file.pk}.{extension}"


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def report_schedule():
    """The monthly report's schedule (``ReportSchedule``, one row); its defaults when no one has
    saved it yet (nothing is written on a read)."""
    return ReportSchedule.objects.filter(pk=1).first() or ReportSchedule(pk=1)


@transaction.atomic
def report_schedule_save(*, day_of_month: int, recipient_ids: list[int], excel_attach_max_kb: int, actor: User) -> ReportSchedule:
    """Staff or an official set when the monthly report is built and who receives it. Refused
    (ValidationError) for a day outside 1–28, a size above the limit, or a recipient who is not
    staff or an official with an e-mail address. Preconditions: ``by`` is staff or an official
    (the view checks)."""
    schedule = ReportSchedule.objects.select_for_update().filter(pk=1).first() or ReportSchedule(pk=1)
    schedule.day_of_month, schedule.excel_attach_max_kb, schedule.updated_by = day_of_month, excel_attach_max_kb, actor
    schedule.full_clean()
    allowed = set(report_recipients_choices().filter(pk__in=recipient_ids).values_list("pk", flat=True))
    if allowed != set(recipient_ids):
        raise ValidationError({"recipients": _("Penerima hanya staf Disnakerin atau pejabat kota yang punya alamat e-mail.")})
    schedule.save()
    schedule.recipients.set(sorted(allowed))
    return schedule


def report_recipients_choices():
    """Who may receive the monthly report: active staff and officials with an e-mail address."""
    return (
        get_user_model()
        .objects.filter(groups__name__in=[GROUP_NAMES[Role.OFFICIAL], GROUP_NAMES[Role.STAFF]], is_active=True)
        .exclude(email="")
        .exclude(email__isnull=True)
        .order_by("full_name", "pk")
        .distinct()
    )


def report_recipients():
    """Who the monthly e-mail goes to: the schedule's chosen recipients still allowed, or, when
    none is chosen, every official with an e-mail address."""
    schedule = ReportSchedule.objects.filter(pk=1).first()
    if schedule is not None and schedule.recipients.exists():
        return report_recipients_choices().filter(pk__in=schedule.recipients.values("pk"))
    return officials_with_email()


def officials_with_email():
    return (
        get_user_model()
        .objects.filter(groups__name=GROUP_NAMES[Role.OFFICIAL], is_active=True)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )


# The daily job looks back over this many months for reports whose figures have changed since
# they were built: a late report older than that is not worth a revision of a year-old report.
REVISION_MONTHS = 12


def monthly_report_build(*, period: date) -> ReportFile | None:
    """Build the city's report for ``period`` (Excel and PDF, revision 1), keep it, and email
    each official a link to the download page; then revise the reports of the REVISION_MONTHS
    months up to ``period`` whose figures changed (``monthly_reports_revise``). Safe to run
    twice: the month's row is claimed first (the constraint allows one per revision), a finished
    report is not built again, and each official's email has its own outbox key. Returns
    ``period``'s new report file, or None when it was built already."""
    try:
        with transaction.atomic():
            report_file, _created = ReportFile.objects.get_or_create(kind=ReportFileKind.MONTHLY, period=period, revision=1)
    except IntegrityError:  # another run inserted it between our read and our insert
        report_file = ReportFile.objects.get(kind=ReportFileKind.MONTHLY, period=period, revision=1)
    built = None if report_file.is_done else _monthly_build(report_file)
    monthly_reports_revise(latest=period)
    return built


def monthly_reports_revise(*, latest: date) -> list[ReportFile]:
    """Build a new revision of each monthly report of the REVISION_MONTHS months up to
    ``latest`` whose month's figures (``figures_digest``, after refreshing stale summaries)
    differ from those its latest finished revision was built from, and email officials about
    it; build again a revision that failed or was lost. Safe to run twice and on two workers at
    once: a revision is claimed by inserting its row (the constraint allows one per month and
    revision). When nothing changed it builds nothing and writes nothing. A month whose build
    fails does not hold up the others; the first error is raised at the end. Returns the
    revisions built."""
    first = selectors.month_add(latest, 1 - REVISION_MONTHS)
    files: dict[date, list[ReportFile]] = defaultdict(list)
    window = ReportFile.objects.filter(kind=ReportFileKind.MONTHLY, period__gte=first, period__lte=latest)
    for report_file in window.order_by("period", "-revision"):
        files[report_file.period].append(report_file)
    if not files:
        return []
    _summaries_current(min(files), latest)
    built, errors = [], []
    for period, revisions in files.items():
        try:
            due = _revision_due(period, revisions)
            report_file = _monthly_build(due) if due else None
        except Exception as error:  # recorded on the row by _monthly_build; raised below
            logger.exception("Monthly report %s: revision failed", f"{period:%Y-%m}")
            errors.append(error)
            continue
        if report_file:
            built.append(report_file)
    if errors:
        raise errors[0]
    return built


def _revision_due(period: date, revisions: list[ReportFile]) -> ReportFile | None:
    """The revision of ``period``'s report to build now, inserted when new, or None.
    ``revisions`` are the month's rows, highest revision first."""
    latest = revisions[0]
    done = next((r for r in revisions if r.is_done), None)
    if done is None:
        return latest  # the first build failed or was lost: try it again
    digest = figures_digest(monthly_figures(period=period))
    if not done.figures_digest and not _changed_after(period, done.finished_at):
        # Built before files kept a digest, and nothing marked the month changed since: take
        # today's figures as the ones it shows instead of revising every month on deploy.
        ReportFile.objects.filter(pk=done.pk).update(figures_digest=digest)
        return None
    if digest == done.figures_digest:
        return None
    if not latest.is_done:
        return latest  # a revision already started (by another run, or one that failed)
    try:
        with transaction.atomic():
            return ReportFile.objects.create(kind=ReportFileKind.MONTHLY, period=period, revision=latest.revision + 1)
    except IntegrityError:  # another run claimed this revision first
        return None


def _changed_after(period: date, moment) -> bool:
    changed_at = SummaryFillState.objects.filter(key=f"{period:%Y-%m}").values_list("changed_at", flat=True).first()
    return changed_at is not None and (moment is None or changed_at > moment)


def _monthly_build(report_file: ReportFile) -> ReportFile | None:
    """Build a claimed-by-insert monthly report revision, record the figures it was built from
    and email officials. None when another run has it or it is done."""
    if not _claim(report_file.pk):
        return None
    period, revision = report_file.period, report_file.revision
    progress = _set_progress(report_file.pk)
    try:
        _summaries_current(selectors.month_add(period, -11), period)
        figures = monthly_figures(period=period)
        with translation.override(settings.LANGUAGE_CODE):
            sheets = monthly_sheets(period=period, figures=figures, revision=revision)
            workbook = write_workbook(sheets, lambda p: progress(p * 8 // 10))
            pdf = monthly_pdf(period=period, figures=figures, revision=revision)
        report_file.refresh_from_db()
        report_file.file.save(_name("laporan-pemulihan", period, "xlsx", revision), ContentFile(workbook), save=False)
        report_file.pdf.save(_name("ringkasan-pemulihan", period, "pdf", revision), ContentFile(pdf), save=False)
    except Exception as error:
        _fail(report_file.pk, error)
        raise
    with transaction.atomic():
        report_file.status = ReportFileStatus.DONE
        report_file.progress = 100
        report_file.finished_at = timezone.now()
        report_file.figures_digest = figures_digest(figures)
        report_file.figures_as_of = figures["freshness"].computed_at
        report_file.save(update_fields=["file", "pdf", "status", "progress", "finished_at", "figures_digest", "figures_as_of"])
        _email_officials(report_file)
    return report_file


def _summaries_current(start: date, end: date) -> None:
    """Refresh the summaries of the months ``start``..``end`` that are stale (a change not yet
    refreshed), so that a file is built from current figures (this runs in a worker)."""
    from .aggregates import before_after_refresh, before_after_stale, summaries_refresh, summaries_stale

    stale = [p for p in summaries_stale() if start <= p <= end]
    if stale:
        summaries_refresh(periods=stale, before_after=False)
    if before_after_stale():
        before_after_refresh()


def report_build_now() -> date:
    """Build the latest closed month's report (``tasks.period_closed``) in a worker after the
    commit, now rather than on the schedule's day; returns that month. Idempotent as the daily
    job is: pressing twice builds at most one file per change of the figures."""
    from .tasks import monthly_report_build_task, period_closed  # tasks import this module

    period = period_closed()
    enqueue_on_commit(monthly_report_build_task, f"{period:%Y-%m}")
    return period


def report_attachments(report_file: ReportFile, schedule: ReportSchedule | None = None) -> list[tuple[str, str, str]]:
    """The stored files the monthly e-mail carries: the PDF, and the Excel when it is at most the
    schedule's size limit (a larger one stays behind the e-mail's link)."""
    schedule = schedule or report_schedule()
    files = []
    if report_file.pdf:
        files.append((download_name(report_file, "pdf"), report_file.pdf.name, "application/pdf"))
    if report_file.file and report_file.file.size <= schedule.excel_attach_max_kb * 1024:
        files.append((download_name(report_file, "xlsx"), report_file.file.name, XLSX_CONTENT_TYPE))
    return files


def _email_officials(report_file: ReportFile) -> None:
    """One email per recipient and revision (the outbox key holds both): the first says the
    month's report is ready, a later one that it was revised, and why. The PDF (and the Excel
    under the size limit) goes with it; the link stays, for the earlier revisions and a file
    left out."""
    link = site_url(reverse("recovery:report-files"))
    revision = report_file.revision
    files = report_attachments(report_file)
    with translation.override(settings.LANGUAGE_CODE):
        values = {"month": month_label(report_file.period), "revision": revision, "link": link, "office": office_name()}
        if revision == 1:
            subject = _("Laporan pemulihan IKM %(month)s sudah tersedia") % values
            body = _(
                "Yth. %(name)s,\n\nLaporan pemulihan IKM Kota Payakumbuh untuk %(month)s (Excel dan ringkasan PDF) "
                "sudah tersedia; ringkasan PDF terlampir. Semua berkas dan revisinya dapat diunduh setelah masuk ke "
                "portal:\n%(link)s\n\n%(office)s"
            )
            key = f"recovery-report:{report_file.period:%Y-%m}"
        else:
            subject = _("Laporan pemulihan IKM %(month)s (revisi %(revision)s) sudah tersedia") % values
            body = _(
                "Yth. %(name)s,\n\nLaporan pemulihan IKM Kota Payakumbuh untuk %(month)s telah diperbarui menjadi "
                "revisi %(revision)s (Excel dan ringkasan PDF). Angka bulan itu berubah setelah revisi sebelumnya "
                "dibuat, karena ada laporan usaha yang masuk terlambat atau diperbaiki. Revisi sebelumnya tetap "
                "dapat diunduh. Ringkasan PDF terlampir; semua berkas dapat diunduh setelah masuk ke portal:\n%(link)s\n\n"
                "%(office)s"
            )
            key = f"recovery-report:{report_file.period:%Y-%m}:r{revision}"
        for user in report_recipients():
            text = body % (values | {"name": user.get_full_name() or user.get_username()})
            message_queue(key=f"{key}:{user.pk}", subject=subject, body=text, email=user.email, files=files)


# --- Dashboard exports ------------------------------------------------------------------------


def _filter_values(query: str):
    from .forms import DashboardFilterForm  # forms import selectors, not the other way

    form = DashboardFilterForm(QueryDict(query) if query else None)
    start, end, scope = form.values()
    cleaned = getattr(form, "cleaned_data", {}) if form.is_bound else {}
    kecamatan = cleaned.get("kecamatan")
    sector = dict(form.fields["sektor"].choices).get(cleaned.get("sektor") or "")
    labels = {
        _("Dari bulan"): _month(start),
        _("Sampai bulan"): _month(end),
        _("Kecamatan"): kecamatan.name if kecamatan else _("Semua kecamatan"),
        _("Sektor"): str(sector) if sector else _("Semua sektor"),
    }
    return start, end, scope, labels


def export_start(*, actor: User, query: str) -> ReportFile:
    """Start a dashboard export for the dashboard's query string; the file is built by a worker
    once this transaction commits. ``actor`` is a member of staff or an official."""
    query = QueryDict(query).urlencode()  # only what parses, in a stable form
    _start, end, _scope, labels = _filter_values(query)
    with transaction.atomic():
        report_file = ReportFile.objects.create(
            kind=ReportFileKind.EXPORT,
            period=end,
            created_by=actor,
            filters={"query": query, "labels": {str(k): str(v) for k, v in labels.items()}},
        )
        # Left pending when the broker is unreachable: exports_sweep (beat) enqueues it again.
        enqueue_on_commit(_export_build_task(), report_file.pk)
    return report_file


def _export_build_task():
    from .tasks import export_build_task  # tasks import this module

    return export_build_task


EXPORT_SWEEP_AFTER = timedelta(minutes=2)


def exports_sweep(*, now=None) -> list[int]:
    """Enqueue again every dashboard export whose build never started (its enqueue was lost while
    the broker was down) or whose worker died in the middle (running for longer than
    STALE_AFTER). export_build claims a file with one UPDATE, so an export enqueued twice is
    built once."""
    now = now or timezone.now()
    lost = ReportFile.objects.filter(kind=ReportFileKind.EXPORT).filter(
        Q(status=ReportFileStatus.PENDING, created_at__lt=now - EXPORT_SWEEP_AFTER)
        | Q(status=ReportFileStatus.RUNNING, started_at__lt=now - STALE_AFTER)
    )
    ids = list(lost.order_by("pk").values_list("pk", flat=True)[:200])
    for report_file_id in ids:
        enqueue(_export_build_task(), report_file_id)
    return ids


def export_sheets(*, query: str) -> list[tuple[str, list, list[list]]]:
    """What the dashboard shows for ``query``: the filters, the months, the last month by
    kecamatan, sector and completeness, and the businesses of the last month."""
    start, end, scope, labels = _filter_values(query)
    figures = selectors.figures(start=start, end=end, scope=scope)  # one read for every sheet
    columns = figure_columns()
    series_rows = [
        [export_month_label(r), *[pct(r[k]) if ratio else r[k] for k, _h, ratio in columns]] for r in figures["series"]
    ]
    month_sheets = monthly_sheets(period=end, scope=scope, figures=figures)
    return [
        ("Saringan", [_("Saringan"), _("Nilai")], [[str(k), str(v)] for k, v in labels.items()]),
        ("Per bulan", [_("Bulan"), *[h for _k, h, _r in columns]], series_rows),
        *month_sheets,
    ]


def export_build(*, report_file_id: int) -> ReportFile | None:
    """Build a pending export, reporting progress as each sheet is written. Safe to run twice:
    a build already running or done is left alone."""
    if not _claim(report_file_id):
        return None
    report_file = ReportFile.objects.get(pk=report_file_id)
    progress = _set_progress(report_file_id)
    try:
        _summaries_current(selectors.FIRST_PERIOD, report_file.period)
        with translation.override(settings.LANGUAGE_CODE):
            sheets = export_sheets(query=report_file.filters.get("query", ""))
            progress(30)
            workbook = write_workbook(sheets, lambda p: progress(30 + p * 6 // 10))
        report_file.file.save(_name("ekspor-pemulihan", report_file.period, "xlsx"), ContentFile(workbook), save=False)
    except Exception as error:
        _fail(report_file_id, error)
        raise
    report_file.status = ReportFileStatus.DONE
    report_file.progress = 100
    report_file.finished_at = timezone.now()
    report_file.save(update_fields=["file", "status", "progress", "finished_at"])
    return report_file


# --- Reading ---------------------------------------------------------------------------------


def report_files_visible_to(user: User | AnonymousUser):
    """Staff see every report file; officials the monthly reports and their own exports;
    anyone else nothing."""
    from accounts.roles import role_of

    role = role_of(user)
    files = ReportFile.objects.select_related("created_by")
    if role == Role.STAFF:
        return files
    if role == Role.OFFICIAL:
        return files.filter(Q(kind=ReportFileKind.MONTHLY) | Q(created_by=user))
    return files.none()


def report_files_page(*, user: User | AnonymousUser, limit: int = 200) -> dict:
    """What the report files page lists for ``user``, in one query: the monthly reports grouped
    by month (``monthly_files_by_month``) and the newest exports. Monthly reports come first so
    that many exports never push a month's report or its earlier revisions off the page."""
    monthly_first = Case(When(kind=ReportFileKind.MONTHLY, then=Value(0)), default=Value(1))
    files = list(report_files_visible_to(user).order_by(monthly_first, "-created_at", "-pk")[:limit])
    return {
        "monthly": monthly_files_by_month([f for f in files if f.kind == ReportFileKind.MONTHLY]),
        "exports": [f for f in files if f.kind == ReportFileKind.EXPORT],
    }


def monthly_files_by_month(files: list[ReportFile]) -> list[dict]:
    """Monthly report files grouped by month, newest month first. For each month: ``current``,
    its latest finished revision (the latest attempt while none has finished); ``pending``, a
    newer revision still being built or failed; ``earlier``, the older revisions, newest
    first."""
    by_month: dict[date, list[ReportFile]] = defaultdict(list)
    for report_file in files:
        by_month[report_file.period].append(report_file)
    months = []
    for period in sorted(by_month, reverse=True):
        revisions = sorted(by_month[period], key=lambda f: f.revision, reverse=True)
        current = next((f for f in revisions if f.is_done), revisions[0])
        months.append(
            {
                "period": period,
                "current": current,
                "pending": revisions[0] if revisions[0] is not current else None,
                "earlier": [f for f in revisions if f.revision < current.revision],
            }
        )
    return months
