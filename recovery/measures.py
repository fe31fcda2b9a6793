"""What every recovery figure means: written once here, read by the summaries that compute them
(``recovery.aggregates``), by every page and file that shows them, and by the glossary page
("Cara membaca angka ini") and ``docs/figures.md`` that explain them.

Who counts in a month (point in time). A business counts in month M when it was verified by the
end of M and had not left the programme (deactivated) before M began: ``in_programme``. Its
reports for M count only then, so deactivating a business today changes no earlier month, and a
business that joined later does not rewrite the months before it joined. A business counts as
*trained* in M when someone of it attended a finished session that started before M:
``trained_before``. The kecamatan, KBLI, 2019 turnover and registered workforce are the
business's current ones: correcting them is a correction of every month it counts in.

What a report counts as. A report returned for correction counts as *reported* (the owner did
report) but none of its numbers count until corrected. Every other report is either *no
activity* or *with activity*; a report with activity is *closed* (temporarily or permanently)
or *open*; an open report is *recovered*, *recovering* or *struggling* by its recovery index
(turnover against the business's 2019 monthly turnover), or *without a baseline* when the
registry holds no 2019 turnover for it (no index, never "recovered").

A month is *provisional* (sementara) while its reporting deadline has not passed or fewer than
``RECOVERY_COMPLETE_SHARE`` of the businesses in the programme have reported: its figures still
move as reports arrive, and every surface says so.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import DateField, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, NullIf, TruncMonth
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trainings.models import Attendance, SessionStatus

from .models import CLOSED_STATUSES, Measure, RawMaterialAccess, ReportStatus

# --- Months ----------------------------------------------------------------------------------


def month_add(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    periods = []
    while start <= end:
        periods.append(start)
        start = month_add(start, 1)
    return periods


def month_of(moment: datetime) -> date:
    """The month (its first day) of ``moment`` in Asia/Jakarta."""
    return timezone.localtime(moment).date().replace(day=1)


def month_start(period: date) -> datetime:
    """Midnight of the month's first day in Asia/Jakarta, as an aware datetime."""
    return timezone.make_aware(datetime.combine(period.replace(day=1), time.min))


# --- Who counts in a month --------------------------------------------------------------------


def in_programme(period: date, prefix: str = "") -> Q:
    """Businesses that count in ``period``: verified by the end of the month and not deactivated
    before it began."""
    return Q(**{f"{prefix}verified_at__lt": month_start(month_add(period, 1))}) & (
        Q(**{f"{prefix}deactivated_at__isnull": True}) | Q(**{f"{prefix}deactivated_at__gte": month_start(period)})
    )


def report_in_programme(prefix: str = "business__") -> Q:
    """``in_programme`` for reports of many months at once: the report's business counted in the
    report's own month (verified by its end, not deactivated before it began)."""
    verified = TruncMonth(f"{prefix}verified_at", output_field=DateField())
    deactivated = TruncMonth(f"{prefix}deactivated_at", output_field=DateField())
    return Q(LessThanOrEqual(verified, F("period"))) & (
        Q(**{f"{prefix}deactivated_at__isnull": True}) | Q(GreaterThanOrEqual(deactivated, F("period")))
    )


def trained_before(period: date) -> QuerySet:
    """Ids of the businesses trained before ``period``: someone of theirs attended a session that
    has finished and started before the month began."""
    return Attendance.objects.filter(
        registration__session__status=SessionStatus.FINISHED, registration__session__starts_at__lt=month_start(period)
    ).values("registration__business_id")


def report_deadline(period: date) -> date:
    """The last day to report ``period`` on time: the RECOVERY_REPORT_DEADLINE_DAY of the month
    after."""
    return month_add(period, 1) + timedelta(days=settings.RECOVERY_REPORT_DEADLINE_DAY - 1)


def is_provisional(period: date, completeness: float | None, today: date | None = None) -> bool:
    """Whether ``period``'s figures are still moving: before its deadline, or too few reports."""
    today = today or timezone.localdate()
    return today <= report_deadline(period) or (completeness or 0) < settings.RECOVERY_COMPLETE_SHARE


# --- What a report counts as ------------------------------------------------------------------

COUNTED = ~Q(status=ReportStatus.RETURNED)
ACTIVITY = Q(no_activity=False) & COUNTED
CLOSED = ACTIVITY & Q(operating_status__in=CLOSED_STATUSES)
OPEN = ACTIVITY & ~Q(operating_status__in=CLOSED_STATUSES)
HAS_BASELINE = Q(business__turnover_2019__gt=0)
# The median index: reports with activity of businesses with a baseline (closed ones included:
# their turnover, usually 0, is part of the picture).
INDEXED = ACTIVITY & HAS_BASELINE
JOBS = F("workers_male") + F("workers_female")
JOBS_REGISTERED = F("business__workers_male") + F("business__workers_female")


def index_expression(prefix: str = ""):
    """A report's recovery index: its turnover over the business's 2019 monthly turnover."""
    return Cast(F(f"{prefix}turnover"), FloatField()) / Cast(NullIf(F(f"{prefix}business__turnover_2019"), 0), FloatField())


def count_conditions() -> dict[str, Q]:
    """What each counted figure counts, as a condition on a report (``reported`` counts every
    report). The names are ``FigureSummary``'s columns. ``turnover_double`` is an alias the
    caller adds (turnover * 2), for "at least half the baseline" without a division."""
    baseline = F("business__turnover_2019")
    open_indexed = OPEN & HAS_BASELINE
    return {
        "returned": Q(status=ReportStatus.RETURNED),
        "no_activity_reports": Q(no_activity=True) & COUNTED,
        "with_activity": ACTIVITY,
        "active": OPEN,
        "closed": CLOSED,
        "recovered": open_indexed & Q(turnover__gte=baseline),
        "recovering": open_indexed & Q(turnover__lt=baseline, turnover_double__gte=baseline),
        "struggling": open_indexed & Q(turnover_double__lt=baseline),
        "no_baseline": OPEN & ~HAS_BASELINE,
        "online": ACTIVITY & Q(online_share__gt=0),
        "raw_difficult": ACTIVITY & Q(raw_materials__in=[RawMaterialAccess.DIFFICULT, RawMaterialAccess.UNAVAILABLE]),
    }


COUNTS = ("reported", *count_conditions())
SUMS = ("jobs", "jobs_registered")


def _share(part, whole) -> float | None:
    return (part or 0) / whole if whole else None


def derive(row: dict) -> dict:
    """Add the ratios to a row of counts (a summary's columns, ``verified`` included)."""
    indexed_open = (row.get("recovered") or 0) + (row.get("recovering") or 0) + (row.get("struggling") or 0)
    row["indexed_open"] = indexed_open
    row["completeness"] = _share(row.get("reported"), row.get("verified"))
    row["share_recovered"] = _share(row.get("recovered"), indexed_open)
    row["share_recovering"] = _share(row.get("recovering"), indexed_open)
    row["share_struggling"] = _share(row.get("struggling"), indexed_open)
    row["share_closed"] = _share(row.get("closed"), row.get("with_activity"))
    row["share_online"] = _share(row.get("online"), row.get("with_activity"))
    row["share_raw_difficult"] = _share(row.get("raw_difficult"), row.get("with_activity"))
    row["jobs_ratio"] = _share(row.get("jobs"), row.get("jobs_registered"))
    return row


# --- The definitions shown to users -----------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    """One figure as users read it. ``unit`` is "usaha" (a count of businesses), "persen" (a
    share, stored as a ratio and shown in percent) or "indeks" (a recovery index, 1.0 = the 2019
    level, shown in percent of 2019)."""

    key: str
    label: Promise
    unit: str
    denominator: Promise
    explanation: Promise

    @property
    def is_percent(self) -> bool:
        return self.unit != "usaha"


DEFINITIONS = {
    d.key: d
    for d in (
        Definition(
            Measure.ACTIVE,
            Measure.ACTIVE.label,
            "usaha",
            _("tidak ada (jumlah usaha)"),
            _(
                "Usaha yang melaporkan kegiatan bulan ini dan tidak tutup. Usaha yang belum melapor tidak "
                "terhitung, karena itu angka bulan yang masih sementara bisa naik."
            ),
        ),
        Definition(
            Measure.SHARE_RECOVERED,
            Measure.SHARE_RECOVERED.label,
            "persen",
            _("usaha buka yang punya omzet dasar 2019"),
            _(
                "Dari usaha yang buka dan punya omzet dasar 2019: yang omzet bulan ini sudah sama atau "
                "melebihi omzet bulanan 2019. Usaha tanpa omzet dasar tidak dinilai; usaha tutup dihitung "
                "terpisah."
            ),
        ),
        Definition(
            Measure.MEDIAN_INDEX,
            Measure.MEDIAN_INDEX.label,
            "indeks",
            _("laporan dengan kegiatan dari usaha yang punya omzet dasar 2019"),
            _(
                "Omzet bulan ini dibagi omzet bulanan 2019, untuk tiap usaha; angka tengahnya (median). "
                "100% berarti omzet sama dengan 2019. Usaha tutup ikut dihitung dengan omzetnya."
            ),
        ),
        Definition(
            Measure.JOBS_RATIO,
            Measure.JOBS_RATIO.label,
            "persen",
            _("tenaga kerja yang tercatat saat pendaftaran, untuk usaha yang sama"),
            _(
                "Jumlah tenaga kerja yang dilaporkan bulan ini, dibanding tenaga kerja yang tercatat di "
                "data pendaftaran usaha yang sama (bukan data 2019, yang tidak dicatat)."
            ),
        ),
        Definition(
            Measure.SHARE_ONLINE,
            Measure.SHARE_ONLINE.label,
            "persen",
            _("usaha yang melaporkan kegiatan bulan ini"),
            _("Dari usaha yang melaporkan kegiatan: yang sebagian penjualannya lewat saluran online."),
        ),
        Definition(
            Measure.SHARE_RAW_DIFFICULT,
            Measure.SHARE_RAW_DIFFICULT.label,
            "persen",
            _("usaha yang melaporkan kegiatan bulan ini"),
            _("Dari usaha yang melaporkan kegiatan: yang bahan bakunya sulit didapat atau tidak tersedia."),
        ),
        Definition(
            Measure.COMPLETENESS,
            Measure.COMPLETENESS.label,
            "persen",
            _("usaha terverifikasi yang terdaftar dalam program pada bulan itu"),
            _(
                "Usaha yang sudah mengirim laporan bulan ini (termasuk yang dikembalikan untuk diperbaiki), "
                "dari usaha yang sudah terverifikasi pada bulan itu dan belum dinonaktifkan."
            ),
        ),
    )
}

# The other columns the pages show, explained in the glossary beside the measures.
TERMS = (
    (
        _("Usaha dalam program"),
        _("Usaha yang sudah terverifikasi sampai akhir bulan itu dan belum dinonaktifkan sebelum bulan itu mulai."),
    ),
    (_("Melapor"), _("Semua laporan bulan itu: dengan kegiatan, tanpa kegiatan, dan yang dikembalikan untuk diperbaiki.")),
    (_("Dikembalikan"), _("Laporan yang diminta diperbaiki: terhitung melapor, tetapi angkanya belum dipakai.")),
    (_("Tutup"), _("Usaha yang melaporkan tutup sementara atau tutup permanen bulan itu.")),
    (
        _("Pulih, memulih, kesulitan"),
        _(
            "Usaha buka dengan omzet dasar 2019: omzet ≥ 100% omzet 2019 (pulih), 50–99% (memulih), di bawah 50% "
            "(kesulitan). Ketiganya berjumlah 100%."
        ),
    ),
    (_("Tanpa omzet dasar"), _("Usaha buka yang tidak punya omzet 2019 di data pendaftaran: tidak punya indeks.")),
    (
        _("Pernah ikut pelatihan"),
        _("Usaha yang salah satu orangnya hadir di sesi pelatihan yang sudah selesai dan dimulai sebelum bulan itu."),
    ),
    (
        _("Sementara"),
        _("Bulan yang batas pelaporannya belum lewat atau kelengkapan laporannya di bawah ambang: angkanya masih bisa berubah."),
    ),
    (_("Angka per"), _("Waktu angka dihitung dari laporan dan data usaha (WIB).")),
)
