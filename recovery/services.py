"""Every way a monthly report changes: submitted (by its owner or by staff), approved, returned;
and the monthly reminder to owners who have not reported. Each change also marks its month's
dashboard summaries stale and has a worker refresh them after the commit (``figures_changed``)."""

import logging
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from businesses.models import Business, BusinessStatus, contactable
from notifications.services import message_queue
from payakumbuh_ikm.enqueue import enqueue_on_commit

from . import aggregates, selectors
from .models import ACTIVITY_REQUIRED, MonthlyReport, ReportStatus, Target

logger = logging.getLogger(__name__)

# What a report form may set; status, review and audit fields are the services' own.
REPORT_FIELDS = (
    "no_activity",
    "turnover",
    "workers_male",
    "workers_female",
    "production_volume",
    "production_unit",
    "online_share",
    "channel_shop",
    "channel_marketplace",
    "channel_social_media",
    "channel_whatsapp",
    "operating_status",
    "raw_materials",
    "market_city",
    "market_province",
    "market_other_provinces",
    "market_export",
    "health_masks",
    "health_handwashing",
    "health_distancing",
    "health_cleaning",
    "problem_sales",
    "problem_raw_materials",
    "problem_distribution",
    "problem_capital",
    "problem_production",
    "problem_other",
    "problem_note",
)


def month_label(period: date) -> str:
    return date_format(period, "F Y")


def figures_changed(*, periods: list[date], business_ids: list[int] | None = None, moved: bool = False) -> None:
    """What the figures of ``periods`` count changed in the current transaction, for
    ``business_ids`` (a report, or through ``receivers`` a business or an attendance; None:
    businesses unknown, as an import): mark those months' summaries stale and the
    before-and-after figures stale with those businesses' entries (committed with the change),
    and refresh both in a worker once the transaction commits: the months recomputed, the
    before-and-after patched for those businesses only (``aggregates.before_after_refresh``).
    Refreshing twice gives the same rows, so a duplicate task is harmless. ``moved``: the
    businesses may have left the kecamatan or KBLI division they were counted in."""
    from .tasks import summaries_refresh_task  # tasks import this module

    aggregates.summaries_mark_changed(periods, business_ids, moved=moved)
    months = sorted({f"{period:%Y-%m}" for period in periods})
    # Left stale when the broker is unreachable: the beat's sweep refreshes the month.
    enqueue_on_commit(summaries_refresh_task, months, True)


def _locked_message(report: MonthlyReport) -> ValidationError:
    return ValidationError(
        _("Laporan %(month)s sudah disetujui dan dikunci; hubungi Disnakerin bila ada yang perlu diubah.")
        % {"month": month_label(report.period)},
        code="locked",
    )


@transaction.atomic
def report_submit(
    *, business: Business, period: date, data: dict[str, Any], actor: User, confirmed_unusual: bool = False
) -> MonthlyReport:
    """Save ``business``'s report for ``period`` (any day of the month), creating it or replacing
    the earlier answer, and put it up for review again.

    Preconditions: the caller has checked that ``actor`` may report for ``business`` (its owner, or
    staff). Refused with ValidationError, saving nothing, when the business is not verified, the
    month's report is already approved, a hard check fails (ranges, required fields, the month),
    or the turnover is unusual against last month's and ``confirmed_unusual`` is not set (the
    error is on ``confirmed_unusual`` with code ``unconfirmed``).
    """
    # The business row lock serialises two submissions of the same month (two tabs, owner and
    # staff at once); the unique constraint stays the last word.
    business = Business.objects.select_for_update().get(pk=business.pk)
    if business.status != BusinessStatus.VERIFIED:
        raise ValidationError(_("Laporan bulanan dapat dikirim setelah usaha terverifikasi."), code="not_verified")
    period = period.replace(day=1)
    report = MonthlyReport.objects.filter(business=business, period=period).first()
    if report is not None and report.is_locked:
        raise _locked_message(report)
    if report is None:
        report = MonthlyReport(business=business, period=period)
    for field in REPORT_FIELDS:
        if field in data:
            setattr(report, field, data[field])
    if report.no_activity:
        # "Nothing happened" carries no figures: clear any typed before the box was ticked.
        for field in ACTIVITY_REQUIRED:
            setattr(report, field, "" if field in ("operating_status", "raw_materials") else None)
        report.production_volume = None
    if not report.problem_other:
        report.problem_note = ""
    # Not the business: it exists (locked above), and under that lock the month's report was
    # looked up, so neither its existence nor the month's uniqueness needs asking again; the
    # unique constraint stays the last word (IntegrityError below).
    report.full_clean(exclude=["business"])

    warning = (
        None
        if report.no_activity
        else selectors.report_turnover_warning(business_id=business.pk, period=period, turnover=report.turnover)
    )
    if warning and not confirmed_unusual:
        raise ValidationError({"confirmed_unusual": ValidationError(warning, code="unconfirmed")})
    report.unusual_confirmed = bool(warning)
    report.status = ReportStatus.SUBMITTED
    report.return_note = ""
    report.submitted_by = actor
    report.submitted_at = timezone.now()
    report.reviewed_by, report.reviewed_at = None, None
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as error:
        raise ValidationError(_("Laporan bulan ini baru saja dikirim dari tempat lain. Muat ulang halaman.")) from error
    figures_changed(periods=[period], business_ids=[business.pk])
    return report


@transaction.atomic
def report_approve(*, report_id: int, actor: User) -> MonthlyReport:
    """Approve a submitted report, which locks it. A report returned for correction must be
    corrected first; one already approved is refused."""
    report = MonthlyReport.objects.select_for_update().get(pk=report_id)
    if report.status == ReportStatus.APPROVED:
        raise _locked_message(report)
    if report.status == ReportStatus.RETURNED:
        raise ValidationError(_("Laporan ini sedang dikembalikan untuk diperbaiki; tunggu perbaikannya."), code="returned")
    report.status = ReportStatus.APPROVED
    report.reviewed_by, report.reviewed_at = actor, timezone.now()
    report.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    # No figure depends on approval (submitted and approved reports count alike), so the
    # dashboard summaries stay as they are: a bulk approval queues no refreshes.
    return report


@transaction.atomic
def report_return(*, report_id: int, actor: User, note: str) -> MonthlyReport:
    """Return a submitted report to its owner for correction with ``note``, and tell the owner
    (after the commit). An approved report is locked and cannot be returned."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Tuliskan apa yang perlu diperbaiki.")})
    report = MonthlyReport.objects.select_for_update().select_related("business__owner").get(pk=report_id)
    if report.status == ReportStatus.APPROVED:
        raise _locked_message(report)
    if report.status == ReportStatus.RETURNED:
        raise ValidationError(_("Laporan ini sudah dikembalikan dan menunggu perbaikan."), code="returned")
    report.status = ReportStatus.RETURNED
    report.return_note = note
    report.reviewed_by, report.reviewed_at = actor, timezone.now()
    report.save(update_fields=["status", "return_note", "reviewed_by", "reviewed_at"])
    figures_changed(periods=[report.period], business_ids=[report.business_id])  # a returned report leaves the figures
    business, owner = report.business, report.business.owner
    values = {"name": business.name, "month": month_label(report.period), "note": note}
    # One message per return: a report returned, corrected and returned again is told each time.
    message_queue(
        key=f"recovery-return:{report.pk}:{report.reviewed_at.isoformat()}",
        subject=_("Laporan %(month)s %(name)s perlu diperbaiki") % values,
        body=_(
            "Disnakerin mengembalikan laporan bulanan %(name)s untuk %(month)s. Catatan: %(note)s\n"
            "Perbaiki laporan di portal, lalu kirim kembali."
        )
        % values,
        email=owner.email or None,
        phone=owner.phone,
    )
    return report


def _reminder_values(business: Business, period: date) -> dict:
    """What a late-report reminder names: the business, the month, and the link straight to that
    month's form (from a phone not signed in yet it lands on sign-in, then on the form)."""
    form = reverse("recovery:report-form", args=[business.pk]) + f"?periode={period:%Y-%m}"
    return {"name": business.name, "month": month_label(period), "url": settings.SITE_URL.rstrip("/") + form}


@transaction.atomic
def reminders_send(*, period: date | None = None) -> int:
    """Remind the owner of every verified business without a report for ``period`` (default:
    last month). Safe to run twice: the outbox key ``recovery-reminder:<business>:<YYYY-MM>``
    lets each business be reminded once a month. Returns how many messages were queued."""
    period = (period or selectors.period_default()).replace(day=1)
    queued = 0
    for business in (
        selectors.businesses_not_reported(period=period)
        .filter(status=BusinessStatus.VERIFIED)  # still in the programme today
        .filter(contactable("owner__"))  # not an owner who withdrew consent
        .select_related("owner")
        .order_by("pk")
        .iterator()
    ):
        owner = business.owner
        values = _reminder_values(business, period)
        queued += len(
            message_queue(
                key=f"recovery-reminder:{business.pk}:{period:%Y-%m}",
                subject=_("Laporan bulanan %(name)s untuk %(month)s belum masuk") % values,
                body=_(
                    "Mohon isi laporan bulanan %(name)s untuk %(month)s di Portal IKM Payakumbuh: %(url)s\n"
                    "Bila bulan itu tidak ada kegiatan, pilih “Tidak ada kegiatan bulan ini”."
                )
                % values,
                email=owner.email or None,
                phone=owner.phone,
            )
        )
    return queued


@transaction.atomic
def reminders_nudge(*, period: date, actor: User, business_id: int | None = None, kecamatan_id: int | None = None) -> list[int]:
    """Staff's "Ingatkan": remind now the owners of the verified businesses without a report for
    ``period`` (one business, one kecamatan's, or every one), by WhatsApp and email, with the
    link to the month's form. Each owner is reminded at most once a day for a month however
    often staff press it (the outbox key carries the day). Returns the ids of the businesses
    reminded now. Preconditions: ``actor`` is staff (the view checks)."""
    period = period.replace(day=1)
    today = timezone.localdate()
    missing = (
        selectors.businesses_not_reported(period=period).filter(status=BusinessStatus.VERIFIED).filter(contactable("owner__"))
    )
    if business_id is not None:
        missing = missing.filter(pk=business_id)
    if kecamatan_id is not None:
        missing = missing.filter(kelurahan__kecamatan_id=kecamatan_id)
    reminded = []
    for business in missing.select_related("owner").order_by("pk").iterator():
        values = _reminder_values(business, period)
        queued = message_queue(
            key=f"recovery-nudge:{business.pk}:{period:%Y-%m}:{today:%Y-%m-%d}",
            subject=_("Laporan bulanan %(name)s untuk %(month)s belum masuk") % values,
            body=_(
                "Disnakerin Kota Payakumbuh mengingatkan: laporan bulanan %(name)s untuk %(month)s belum kami "
                "terima. Isi di %(url)s\nBila bulan itu tidak ada kegiatan, pilih “Tidak ada kegiatan bulan ini”."
            )
            % values,
            email=business.owner.email or None,
            phone=business.owner.phone,
        )
        if queued:
            reminded.append(business.pk)
    return reminded


@transaction.atomic
def target_set(*, measure: str, period: date, value, actor: User, note: str = "") -> Target:
    """Set the city's target for ``measure`` by the month of ``period`` (any day of it), or
    replace the value of the one already set for that month; the history keeps the earlier
    value and who set it. Preconditions: ``actor`` is staff or an official (the view checks).
    Refused with ValidationError for an unknown measure, a month before 2020, a negative value
    or a percentage above 100."""
    period = period.replace(day=1)
    target = Target.objects.select_for_update().filter(measure=measure, period=period).first()
    if target is None:
        target = Target(measure=measure, period=period)
    target.value = value
    target.note = note.strip()
    target.set_by = actor
    target.set_at = timezone.now()
    target.full_clean()
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as error:
        raise ValidationError(_("Target ini baru saja ditetapkan dari tempat lain. Muat ulang halaman.")) from error
    return target
