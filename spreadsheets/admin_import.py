"""The admin's spreadsheet import, shared by every importer: a template workbook to download,
an upload checked in the request (format, size, header row), then the job's page, where a
progress bar follows the preview job, staff confirm, and a second bar follows the import job.

A ModelAdmin inherits SpreadsheetImportMixin and sets import_kind (a key of
SPREADSHEET_IMPORTERS), import_permission, import_template_name (extends
spreadsheets/admin/import.html), template_workbook (a function returning .xlsx bytes),
template_download_name, and success_message and preview_message (with %(new)d, %(updated)d,
%(skipped)d).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixinBase

from safetext.forms import ControlCharacterFormMixin

from . import services
from .formats import ImportFileError
from .models import ImportJob, ImportStatus

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetUploadForm(ControlCharacterFormMixin, forms.Form):
    """The upload step: refuses, with a reason staff can act on, a file that is too big, not a
    spreadsheet, or lacks the expected columns, before any job is queued."""

    import_file = forms.FileField(label="")

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        field = self.fields["import_file"]
        field.label = _("Berkas (.xlsx atau .csv)")
        field.help_text = _("Paling besar %(size)s.") % {"size": filesizeformat(settings.IMPORT_MAX_BYTES)}
        field.widget.attrs["accept"] = ".xlsx,.csv"

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("Berkas terlalu besar (%(size)s). Paling besar %(max)s; bagi menjadi beberapa berkas.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(settings.IMPORT_MAX_BYTES)}
            )
        return upload


def job_state(job: ImportJob) -> dict:
    """What the job's page and its JSON say about where the job is."""
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": services.import_job_progress(job),
        "running": job.is_running,
    }


class SpreadsheetImportMixin(ImportExportMixinBase):
    # import-export's change list with its import button (has_import_permission below).
    import_export_change_list_template = "admin/import_export/change_list_import.html"
    import_kind = ""
    import_permission = ""
    import_template_name = "spreadsheets/admin/import.html"
    import_job_template_name = "spreadsheets/admin/import_job.html"
    template_workbook = None
    template_download_name = ""
    success_message = ""
    preview_message = ""

    def has_import_permission(self, request):
        return request.user.has_perm(self.import_permission)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name=f"{prefix}_import"),
            path("import-template/", view(self.import_template_view), name=f"{prefix}_import_template"),
            path("import/<int:job_id>/", view(self.import_job_view), name=f"{prefix}_import_job"),
            path("import/<int:job_id>/status.json", view(self.import_job_status_view), name=f"{prefix}_import_job_status"),
            path("import/<int:job_id>/confirm/", view(self.import_job_confirm_view), name=f"{prefix}_import_job_confirm"),
            *super().get_urls(),
        ]

    def _url(self, name: str, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def _context(self, request, **kwargs) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Impor"),
            "import_max_bytes": settings.IMPORT_MAX_BYTES,
            **kwargs,
        }

    def import_template_view(self, request):
        """The empty workbook to fill in: header, example row, and a sheet of instructions."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = HttpResponse(type(self).template_workbook(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{self.template_download_name}"'
        return response

    def import_view(self, request):
        """Upload: checked here in milliseconds, then previewed by a job (the job's page)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = SpreadsheetUploadForm(request.POST or None, request.FILES or None, kind=self.import_kind)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            try:
                job = services.import_job_start(
                    kind=self.import_kind, actor=request.user, data=upload.read(), file_name=upload.name
                )
            except ImportFileError as error:
                form.add_error("import_file", str(error))
            else:
                return redirect(self._url("import_job", job.pk))
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], self._context(request, form=form))

    def _job(self, request, job_id: int) -> ImportJob:
        if not self.has_import_permission(request):
            raise PermissionDenied
        # A job (and the personal data of its preview) is its uploader's alone.
        job = ImportJob.objects.filter(pk=job_id, kind=self.import_kind, created_by=request.user).first()
        if job is None:
            raise Http404
        return job

    def import_job_view(self, request, job_id: int):
        """The job's progress, its refusals, its preview with the confirm button, or its result.
        static/js/import-progress.js refreshes it while a job runs; without JavaScript the
        page refreshes itself (noscript) and has a link to do it by hand."""
        job = self._job(request, job_id)
        summary = job.summary or {}
        totals = summary.get("totals") or {}
        counts = {"new": totals.get("new", 0), "updated": totals.get("update", 0), "skipped": totals.get("skip", 0)}
        context = self._context(
            request,
            job=job,
            state=job_state(job),
            summary=summary,
            totals=totals,
            status=ImportStatus,
            success_message=self.success_message % counts,
            preview_message=self.preview_message % counts,
            status_url=self._url("import_job_status", job.pk),
            confirm_url=self._url("import_job_confirm", job.pk),
            upload_url=self._url("import"),
            changelist_url=reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_job_template_name], context)

    def import_job_status_view(self, request, job_id: int):
        response = JsonResponse(job_state(self._job(request, job_id)))
        response["Cache-Control"] = "private, no-store"
        return response

    def import_job_confirm_view(self, request, job_id: int):
        return require_POST(self._confirm)(request, job_id)

    def _confirm(self, request, job_id: int):
        job = self._job(request, job_id)
        if not services.import_job_confirm(job=job):
            messages.error(request, _("Impor ini tidak dapat dikonfirmasi lagi. Unggah ulang berkasnya bila perlu."))
        return redirect(self._url("import_job", job.pk))
