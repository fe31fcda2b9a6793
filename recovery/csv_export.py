"""Every monthly report the dashboard counts, one row each, as a streamed CSV.

A province has half a million businesses and years of months: millions of rows. They are never
held in memory: a PostgreSQL server-side cursor (``iterator(chunk_size=...)`` on ``values_list``,
no model instances) feeds a generator that writes a block of CSV per chunk, and
``StreamingHttpResponse`` sends each block as it is written. The cursor is opened inside a
transaction: outside one, Django declares it WITH HOLD, and PostgreSQL then builds the whole
result before the first row comes back.

Names, places and figures only, never a NIK or a contact; text a spreadsheet could run as a
formula gets a leading apostrophe (``reports.safe_cell``); UTF-8 with a BOM so that Excel reads
the Indonesian text right.
"""

import csv
from collections.abc import Iterator

from django.db import transaction
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import role_required
from accounts.roles import Role
from businesses.models import BusinessStatus
from businesses.reference import kbli_divisions

from . import selectors
from .forms import DashboardFilterForm
from .models import MonthlyReport, OperatingStatus, RawMaterialAccess, ReportStatus
from .reports import safe_cell

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
    "submitted_at",
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
    """The reports of verified businesses in ``scope`` from ``start`` to ``end`` (first days of
    months), as tuples of ``FIELDS``, by business then month: the order of the unique index on
    (business, period), so PostgreSQL can start sending at once instead of sorting first."""
    reports = MonthlyReport.objects.filter(business__status=BusinessStatus.VERIFIED, period__gte=start, period__lte=end)
    return scope.businesses(reports, "business__").order_by("business_id", "period").values_list(*FIELDS)


class _Echo:
    """A file whose write hands the text back, so csv.writer can feed a generator."""

    def write(self, text: str) -> str:
        return text


def csv_lines(rows: QuerySet) -> Iterator[bytes]:
    """The BOM and header at once, then one block of CSV per ``CHUNK_ROWS`` rows."""
    sectors = kbli_divisions()
    statuses = {key: str(label) for key, label in ReportStatus.choices}
    operating = {key: str(label) for key, label in OperatingStatus.choices}
    materials = {key: str(label) for key, label in RawMaterialAccess.choices}
    yes_no = {True: safe_cell(True), False: safe_cell(False)}
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield ("\ufeff" + writer.writerow(header())).encode("utf-8")

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
            division = kbli_code[:2] if kbli_code else ""
            sector = sectors.get((kbli_version, division), "")
            block.append(
                writer.writerow(
                    (
                        f"{period:%Y-%m}",
                        safe_cell(nib),
                        safe_cell(name),
                        safe_cell(kecamatan),
                        safe_cell(kelurahan),
                        f"{division} {sector}".strip(),
                        statuses.get(status, status),
                        yes_no[no_activity],
                        turnover,
                        baseline,
                        male,
                        female,
                        volume,
                        safe_cell(unit),
                        online,
                        operating.get(operating_status, ""),
                        materials.get(raw, ""),
                        safe_cell(note),
                        f"{timezone.localtime(submitted):%Y-%m-%d}",
                    )
                )
            )
            if len(block) >= CHUNK_ROWS:
                yield "".join(block).encode("utf-8")
                block = []
    if block:
        yield "".join(block).encode("utf-8")


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
