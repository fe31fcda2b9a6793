"""Every monthly report the dashboard counts, one row each, as a streamed CSV.

A province has half a million businesses and years of months: millions of rows. They are never
held in memory: a PostgreSQL server-side cursor (``iterator(chunk_size=...)`` on ``values_list``,
no model instances) feeds a generator that writes a block of CSV per chunk, and
``StreamingHttpResponse`` sends each block as it is written. The cursor is opened inside a
transaction: outside one, Django declares it WITH HOLD, and PostgreSQL then builds the whole
result before the first row comes back.

Names, places and figures only, never a NIK or a contact; every cell is written by
``safetext.cells`` (control characters stripped, text a spreadsheet could run as a formula
behind an apostrophe); UTF-8 with a BOM so that Excel reads the Indonesian text right.
"""

import io
from collections.abc import Iterator

from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import TruncDate
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from accounts.decorators import role_required
from accounts.roles import Role
from businesses.reference import kbli_divisions
from safetext import cells

from . import measures, selectors
from .forms import DashboardFilterForm
from .models import MonthlyReport, OperatingStatus, RawMaterialAccess, ReportStatus

# Rows fetched from the cursor, and written as one block of CSV, at a time: large enough that
# the round trips and the WSGI writes do not dominate, small enough that memory stays flat.
CHUNK_ROWS = 2000

FIELDS = (
    "period",
    "business__nib",
    "business__name",
    "business__kelurahan__kecamatan__name",
    "business__kelurahan__name",
    "business__kbli__version",
    "business__kbli__code",
    "status",
    "no_activity",
    "turnover",
    "business__turnover_2019",
    "workers_male",
    "workers_female",
    "production_volume",
    "production_unit",
    "online_share",
    "operating_status",
    "raw_materials",
    "problem_note",
)


def header() -> list[str]:
    return [
        _("Bulan"),
        _("NIB"),
        _("Nama usaha"),
        _("Kecamatan"),
        _("Kelurahan"),
        _("Sektor"),
        _("Status laporan"),
        _("Tidak ada kegiatan"),
        _("Omzet (Rp)"),
        _("Omzet 2019 (Rp)"),
        _("Tenaga kerja laki-laki"),
        _("Tenaga kerja perempuan"),
        _("Volume produksi"),
        _("Satuan produksi"),
        _("Porsi penjualan online (persen)"),
        _("Status operasi"),
        _("Akses bahan baku"),
        _("Masalah lain"),
        _("Tanggal kirim"),
    ]


def report_rows(*, start, end, scope: selectors.Scope) -> QuerySet:
    """The reports the figures count, of the businesses in ``scope``, from ``start`` to ``end``
    (first days of months): those of a business in the programme in the report's own month
    (``measures.in_programme``, point in time: a business deactivated since keeps its earlier
    reports), as tuples of ``FIELDS`` and the local day of sending, by business then month: the
    order of the unique index on (business, period), so PostgreSQL can start sending at once
    instead of sorting first."""
    reports = MonthlyReport.objects.filter(measures.report_in_programme(), period__gte=start, period__lte=end).annotate(
        submitted_day=TruncDate("submitted_at")
    )
    return scope.businesses(reports, "business__").order_by("business_id", "period").values_list(*FIELDS, "submitted_day")


def _rows(rows: QuerySet) -> Iterator[list[tuple]]:
    """Blocks of CSV rows (tuples of cells) from the server-side cursor, ``CHUNK_ROWS`` a block.

    A million rows repeat a few dozen months, sectors and days: each is formatted once and
    looked up after that. ``csv_lines`` writes every cell through ``safetext.cells``."""
    sectors = kbli_divisions()
    statuses = {key: str(label) for key, label in ReportStatus.choices}
    operating = {key: str(label) for key, label in OperatingStatus.choices}
    operating[""] = ""
    materials = {key: str(label) for key, label in RawMaterialAccess.choices}
    materials[""] = ""
    yes_no = {True: _("ya"), False: _("tidak")}
    months, days, divisions = {}, {}, {}

    def month(period) -> str:
        text = months[period] = f"{period:%Y-%m}"
        return text

    def day(value) -> str:
        text = days[value] = f"{value:%Y-%m-%d}"
        return text

    def sector(version, code) -> str:
        division = code[:2] if code else ""
        text = divisions[version, code] = f"{division} {sectors.get((version, division), '')}".strip()
        return text

    block = []
    with transaction.atomic():  # a plain server-side cursor, not WITH HOLD (see above)
        for (
            period,
            nib,
            name,
            kecamatan,
            kelurahan,
            kbli_version,
            kbli_code,
            status,
            no_activity,
            turnover,
            baseline,
            male,
            female,
            volume,
            unit,
            online,
            operating_status,
            raw,
            note,
            submitted,
        ) in rows.iterator(chunk_size=CHUNK_ROWS):
            block.append(
                (
                    months.get(period) or month(period),
                    nib,
                    name,
                    kecamatan,
                    kelurahan,
                    divisions.get((kbli_version, kbli_code)) or sector(kbli_version, kbli_code),
                    statuses.get(status, status),
                    yes_no[no_activity],
                    turnover,
                    baseline,
                    male,
                    female,
                    volume,
                    unit,
                    online,
                    operating.get(operating_status, operating_status),
                    materials.get(raw, raw),
                    note,
                    days.get(submitted) or day(submitted),
                )
            )
            if len(block) >= CHUNK_ROWS:
                yield block
                block = []
    if block:
        yield block


def csv_lines(rows: QuerySet) -> Iterator[bytes]:
    """The BOM and header at once, then one block of CSV per ``CHUNK_ROWS`` rows."""
    buffer = io.StringIO()
    writer = cells.CsvWriter(buffer)
    writer.writerow(header())
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for block in _rows(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(block)
        yield buffer.getvalue().encode("utf-8")


@role_required(Role.STAFF, Role.OFFICIAL)
def reports_csv(request):
    """Every report behind the dashboard's figures for the same query string (months, kecamatan,
    sector), one row each, streamed."""
    start, end, scope = DashboardFilterForm(request.GET or None).values()
    response = StreamingHttpResponse(
        csv_lines(report_rows(start=start, end=end, scope=scope)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="laporan-bulanan-{start:%Y-%m}-{end:%Y-%m}.csv"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
