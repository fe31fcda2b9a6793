"""Report files: the list of monthly reports and exports, background exports with their
progress, and the downloads. Files are streamed only after checking who asks (never a public
media URL); to anyone but staff and officials these pages do not exist (404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import Role, role_of

from . import report_files
from .forms import ReportScheduleForm
from .models import ReportFileStatus


def _report_files(request):
    if role_of(request.user) not in (Role.STAFF, Role.OFFICIAL):
        raise Http404
    return report_files.report_files_visible_to(request.user)


def _report_file(request, pk: int):
    report_file = _report_files(request).filter(pk=pk).first()
    if report_file is None:
        raise Http404
    return report_file


@login_required
@require_GET
def report_file_list(request):
    """The city's monthly reports, each month's latest revision first with the earlier ones
    beneath it, and the exports this user may download, newest first."""
    _report_files(request)  # 404 for anyone but staff and officials
    return render(request, "recovery/report_files/reportfile_list.html", report_files.report_files_page(user=request.user))


@login_required
@require_POST
def export_start(request):
    """Start a background export of what the dashboard shows for its query string."""
    _report_files(request)  # 404 for anyone but staff and officials
    report_file = report_files.export_start(actor=request.user, query=request.POST.get("query", ""))
    messages.info(request, _("Ekspor sedang dibuat. Halaman ini menunjukkan kemajuannya."))
    return redirect("recovery:export-status", pk=report_file.pk)


def _status_data(report_file) -> dict:
    done = report_file.status == ReportFileStatus.DONE
    return {
        "status": report_file.status,
        "status_label": str(report_file.get_status_display()),
        "progress": report_file.progress,
        "done": done,
        "failed": report_file.status == ReportFileStatus.FAILED,
        "download_url": reverse("recovery:report-file-download", args=[report_file.pk, "xlsx"]) if done else None,
    }


@login_required
@require_GET
def export_status(request, pk: int):
    """The export's progress; static/js/report-progress.js refreshes it until the file is ready."""
    report_file = _report_file(request, pk)
    return render(
        request,
        "recovery/report_files/reportfile_status.html",
        {"report_file": report_file, "state": _status_data(report_file)},
    )


@login_required
@require_GET
def export_status_json(request, pk: int):
    response = JsonResponse(_status_data(_report_file(request, pk)))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def report_file_download(request, pk: int, fmt: str):
    report_file = _report_file(request, pk)
    stored = {"xlsx": report_file.file, "pdf": report_file.pdf}.get(fmt)
    if report_file.status != ReportFileStatus.DONE or not stored:
        raise Http404
    content_type = report_files.XLSX_CONTENT_TYPE if fmt == "xlsx" else "application/pdf"
    filename = report_files.download_name(report_file, fmt)
    response = FileResponse(stored.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _staff_or_official(request) -> None:
    if role_of(request.user) not in (Role.STAFF, Role.OFFICIAL):
        raise Http404


@login_required
def report_schedule(request):
    """When the monthly report is built, who receives it, and the Excel attachment limit."""
    _staff_or_official(request)
    schedule = report_files.report_schedule()
    initial = {
        "day_of_month": schedule.day_of_month,
        "excel_attach_max_kb": schedule.excel_attach_max_kb,
        "recipients": list(schedule.recipients.values_list("pk", flat=True))
        if schedule.pk and not schedule._state.adding
        else [],
    }
    form = ReportScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report_files.report_schedule_save(
                day_of_month=form.cleaned_data["day_of_month"],
                recipient_ids=[u.pk for u in form.cleaned_data["recipients"]],
                excel_attach_max_kb=form.cleaned_data["excel_attach_max_kb"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Jadwal dan penerima laporan bulanan disimpan."))
            return redirect("recovery:report-files")
    return render(request, "recovery/report_files/reportschedule_form.html", {"form": form, "schedule": schedule})


@login_required
@require_POST
def report_build_now(request):
    """ "Buat sekarang": build the latest closed month's report in the background now, whatever
    the schedule's day (the job is idempotent: a report already built with unchanged figures is
    not built again; changed figures make a new revision)."""
    _staff_or_official(request)
    period = report_files.report_build_now()
    messages.info(
        request,
        _(
            "Laporan %(month)s sedang dibuat di latar belakang; muat ulang halaman ini sebentar lagi. Bila laporannya "
            "sudah ada dan angkanya tidak berubah, tidak ada berkas baru."
        )
        % {"month": report_files.month_label(period)},
    )
    return redirect("recovery:report-files")
