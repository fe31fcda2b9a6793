from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from accounts.audit import audit_record
from accounts.decorators import role_required
from accounts.models import AuditAction
from accounts.roles import Role, role_of
from businesses.models import BusinessStatus
from payakumbuh_ikm.public_cache import public_page
from payakumbuh_ikm.shortcuts import or_404
from showcase.figures import dashboard_interest

from . import charts, exports, measures, selectors, services
from .forms import DashboardFilterForm, NudgeForm, PeriodFilterForm, ReportForm, ReturnForm, TargetForm
from .models import MonthlyReport, ReportStatus


def _errors_to_form(error: ValidationError, form) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@role_required(Role.OWNER)
def owner_reports(request):
    """The owner's businesses, each with last month's report status and a link to report."""
    return render(
        request,
        "recovery/report_mine.html",
        {"businesses": selectors.businesses_for_owner(user=request.user), "period": selectors.period_default()},
    )


@dataclass
class MissingMonth:
    """A month without a report, between the first report and last month: a row of its own (and
    a gap in the chart), so that February is never followed by April as if nothing were missing."""

    period: date
    missing: bool = True
    index: None = None
    city_median: None = None
    city_provisional: bool = False


def _with_missing_months(reports: list[MonthlyReport], *, until: date) -> list:
    """``reports`` (newest first) with a MissingMonth for every month without one, from the
    first report to ``until``."""
    if not reports:
        return []
    by_period = {report.period: report for report in reports}
    months, month = [], max(until, reports[0].period)
    while month >= reports[-1].period:
        months.append(by_period.get(month) or MissingMonth(period=month))
        month = selectors.month_add(month, -1)
    return months


@role_required(Role.OWNER, Role.STAFF, Role.OFFICIAL)
def business_reports(request, pk: int):
    """A business's monthly reports and its recovery index against the city median."""
    business = or_404(selectors.business_for_reports(user=request.user, pk=pk))
    role = role_of(request.user)
    reports = selectors.reports_of_business(business=business)
    period = selectors.period_default()
    months = _with_missing_months(reports, until=period)
    chart = charts.business_chart(months)
    return render(
        request,
        "recovery/business_reports.html",
        {
            "business": business,
            "reports": reports,
            "months": months,
            "chart": chart,
            "chart_specs": {"business": chart["spec"]},
            "can_report": role in (Role.OWNER, Role.STAFF) and business.status == BusinessStatus.VERIFIED,
            "period": period,
        },
    )


@role_required(Role.OWNER, Role.STAFF)
def report_form(request, pk: int):
    """Write or correct one month's report (``?periode=YYYY-MM``, default last month). Staff use
    the same form to enter a report for an owner."""
    business = or_404(selectors.business_for_reports(user=request.user, pk=pk))
    if business.status != BusinessStatus.VERIFIED:
        messages.error(request, _("Laporan bulanan dapat dikirim setelah usaha terverifikasi."))
        return redirect("recovery:business", pk=business.pk)
    period = selectors.period_or_default(request.GET.get("periode"))
    existing = selectors.report_for_period(business=business, period=period)
    if existing is not None and existing.is_locked:
        messages.info(request, _("Laporan bulan ini sudah disetujui dan tidak dapat diubah lagi."))
        return redirect("recovery:report-detail", pk=existing.pk)
    instance = existing or MonthlyReport(business=business, period=period)
    form = ReportForm(request.POST or None, instance=instance, initial={"period": period})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_submit(
                business=business,
                period=data["period"],
                data=data,
                actor=request.user,
                confirmed_unusual=data["confirmed_unusual"],
            )
        except ValidationError as error:
            _errors_to_form(error, form)
            form.show_confirm = form.show_confirm or form.has_error("confirmed_unusual")
        else:
            messages.success(
                request,
                _("Laporan %(month)s untuk %(name)s terkirim. Terima kasih!")
                % {"month": services.month_label(report.period), "name": business.name},
            )
            return redirect("recovery:business", pk=business.pk)
    return render(
        request, "recovery/report_form.html", {"form": form, "business": business, "period": period, "existing": existing}
    )


@role_required(Role.OWNER, Role.STAFF, Role.OFFICIAL)
def report_detail(request, pk: int):
    report = or_404(selectors.report_detail(user=request.user, pk=pk))
    role = role_of(request.user)
    return render(
        request,
        "recovery/report_detail.html",
        {
            "report": report,
            "business": report.business,
            "can_edit": role in (Role.OWNER, Role.STAFF) and not report.is_locked,
            "can_review": role == Role.STAFF and report.status == ReportStatus.SUBMITTED,
            "return_form": ReturnForm(),
        },
    )


@require_POST
@role_required(Role.STAFF)
def report_approve(request, pk: int):
    report = or_404(selectors.report_detail(user=request.user, pk=pk))
    try:
        services.report_approve(report_id=report.pk, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Laporan disetujui dan dikunci."))
    return redirect("recovery:report-detail", pk=report.pk)


@require_POST
@role_required(Role.STAFF)
def report_return(request, pk: int):
    report = or_404(selectors.report_detail(user=request.user, pk=pk))
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.report_return(report_id=report.pk, actor=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Laporan dikembalikan; pemilik diberi tahu."))
            return redirect("recovery:report-detail", pk=report.pk)
    else:
        messages.error(request, " ".join(form.errors.get("note", [])))
    return redirect("recovery:report-detail", pk=report.pk)


@role_required(Role.STAFF)
def completeness(request):
    """Who reported a month, who reported no activity, and the follow-up list of those who have
    not (with their phone), optionally for one kecamatan."""
    filters = PeriodFilterForm(request.GET or None)
    period, kecamatan = filters.values()
    lists = selectors.completeness(period=period, kecamatan_id=kecamatan.pk if kecamatan else None)
    lists = {name: list(queryset) for name, queryset in lists.items()}
    # Shown by kecamatan, each a group that opens (the city's whole list was 13,650 px tall).
    lists["missing_by_kecamatan"] = _by_kecamatan(lists["missing"], lambda b: b.kelurahan.kecamatan.name)
    lists["reported_by_kecamatan"] = _by_kecamatan(lists["reported"], lambda r: r.business.kelurahan.kecamatan.name)
    deadline = measures.report_deadline(period)
    return render(
        request,
        "recovery/completeness.html",
        {
            "filter": filters,
            "period": period,
            "kecamatan": kecamatan,
            "deadline": deadline,
            "deadline_passed": timezone.localdate() > deadline,
            **lists,
        },
    )


def _by_kecamatan(rows: list, kecamatan_of) -> list[tuple[str, list]]:
    """(kecamatan name, its rows), kecamatan in name order, rows in the order given."""
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(kecamatan_of(row), []).append(row)
    return sorted(groups.items())


@role_required(Role.STAFF)
@require_POST
@ratelimit(key="user", rate=lambda _group, _request: settings.RATELIMIT_NUDGE, method="POST", block=False)
def completeness_nudge(request):
    """Staff's "Ingatkan" (one business) and "Ingatkan semua" (the list shown): remind the owners
    now, each at most once a day; who pressed it is recorded in the audit trail."""
    form = NudgeForm(request.POST)
    back = reverse("recovery:completeness")
    if not form.is_valid():
        messages.error(request, _("Pengingat tidak dapat dikirim: bulan atau usaha tidak dikenal."))
        return redirect(back)
    data = form.cleaned_data
    back += "?" + urlencode(
        {"periode": f"{data['periode']:%Y-%m}", **({"kecamatan": data["kecamatan"].pk} if data["kecamatan"] else {})}
    )
    if getattr(request, "limited", False):
        messages.error(request, _("Terlalu banyak pengingat dalam satu jam. Coba lagi nanti."))
        return redirect(back)
    reminded = services.reminders_nudge(
        period=data["periode"],
        actor=request.user,
        business_id=data["usaha"],
        kecamatan_id=data["kecamatan"].pk if data["kecamatan"] else None,
    )
    audit_record(request=request, action=AuditAction.NUDGE, object_type="usaha", object_ids=reminded)
    if reminded:
        messages.success(
            request,
            ngettext(
                "%(n)d pemilik diingatkan lewat WhatsApp dan email.",
                "%(n)d pemilik diingatkan lewat WhatsApp dan email.",
                len(reminded),
            )
            % {"n": len(reminded)},
        )
    else:
        messages.info(request, _("Tidak ada yang perlu diingatkan: semua sudah melapor atau sudah diingatkan hari ini."))
    return redirect(back)


@role_required(Role.STAFF, Role.OFFICIAL)
def figures(request):
    """The city's recovery figures for one month, by kecamatan, by sector and over a year, as
    tables (the dashboard draws them as charts, over any months and filters)."""
    filters = PeriodFilterForm(request.GET or None, with_kecamatan=False, default=selectors.latest_complete_period)
    period, _kecamatan = filters.values()
    data = selectors.figures(start=selectors.month_add(period, -11), end=period)
    return render(
        request,
        "recovery/figures.html",
        {
            "filter": filters,
            "period": period,
            "city": data["city"],
            "by_kecamatan": data["by_kecamatan"],
            "by_sector": data["by_sector"],
            "series": data["series"],
            "newest": data["newest"],
            "freshness": data["freshness"],
        },
    )


def glossary(request):
    """What every figure means, its denominator and unit: "Cara membaca angka ini"."""
    return render(
        request,
        "recovery/glossary.html",
        {
            "definitions": list(measures.DEFINITIONS.values()),
            "terms": measures.TERMS,
            "complete_percent": round(settings.RECOVERY_COMPLETE_SHARE * 100),
            "deadline_day": settings.RECOVERY_REPORT_DEADLINE_DAY,
        },
    )


def _dashboard_request(request):
    filters = DashboardFilterForm(request.GET or None)
    start, end, scope = filters.values()
    return filters, selectors.figures(start=start, end=end, scope=scope)


def _filter_labels(filters: DashboardFilterForm, data: dict) -> dict[str, str]:
    """The filters in words, for the export's first section."""
    cleaned = getattr(filters, "cleaned_data", {})
    kecamatan = cleaned.get("kecamatan")
    sector = dict(filters.fields["sektor"].choices).get(cleaned.get("sektor") or "")
    return {
        _("Dari bulan"): f"{data['start']:%Y-%m}",
        _("Sampai bulan"): f"{data['end']:%Y-%m}",
        _("Kecamatan"): kecamatan.name if kecamatan else _("Semua kecamatan"),
        _("Sektor"): str(sector) if sector else _("Semua sektor"),
    }


@role_required(Role.STAFF, Role.OFFICIAL)
def dashboard(request):
    """The recovery dashboard: headline figures of the last month chosen with their targets,
    the months' trends, kecamatan and sector, training against recovery; filtered by months,
    kecamatan and sector in the URL, which the export links carry along."""
    filters, data = _dashboard_request(request)
    dashboard_charts = charts.dashboard_charts(data)
    return render(
        request,
        "recovery/dashboard.html",
        {
            "filter": filters,
            "data": data,
            "charts": dashboard_charts,
            "chart_specs": {key: chart["spec"] for key, chart in dashboard_charts.items()},
            "query": request.GET.urlencode(),
            "window": selectors.WINDOW,
            # "Minat pembeli" (recovery/partials/buyer_interest.html): the showcase's figures.
            "interest": dashboard_interest(
                start=data["start"], end=data["end"], kecamatan_id=data["scope"].kecamatan_id, division=data["scope"].division
            ),
        },
    )


@role_required(Role.STAFF, Role.OFFICIAL)
def dashboard_export(request, fmt: str):
    """The figures the dashboard shows for the same query string, as CSV or Excel."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filters, data = _dashboard_request(request)
    sections = exports.dashboard_sections(data, _filter_labels(filters, data))
    name = f"angka-pemulihan-{data['start']:%Y-%m}-{data['end']:%Y-%m}"
    if fmt == "csv":
        response = HttpResponse(exports.dashboard_csv(sections), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.dashboard_xlsx(sections),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@role_required(Role.STAFF, Role.OFFICIAL)
def targets(request):
    """The city's targets with the actual figure each is measured against, and the form that
    sets one (or replaces the value of one already set for that measure and month)."""
    form = TargetForm(request.POST or None, initial={"measure": request.GET.get("ukuran")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = services.target_set(
                measure=data["measure"], period=data["period"], value=data["value"], actor=request.user, note=data["note"]
            )
        except ValidationError as error:
            _errors_to_form(error, form)
        else:
            messages.success(
                request,
                _("Target %(measure)s untuk %(month)s disimpan.")
                % {"measure": target.get_measure_display(), "month": services.month_label(target.period)},
            )
            return redirect("recovery:targets")
    return render(request, "recovery/targets.html", {"form": form, **selectors.targets_page()})


@public_page
@require_GET
def report_form_blank(request):
    """The blank monthly report form as a printable PDF (``paper_form``): for field visits and
    owners without a smartphone. It holds no data, so it is public."""
    from django.utils import translation

    from .paper_form import blank_report_pdf

    response = HttpResponse(blank_report_pdf(translation.get_language() or "id"), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="formulir-laporan-bulanan-ikm.pdf"'
    return response
