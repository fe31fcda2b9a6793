"""Import and export of businesses in the admin, for Disnakerin staff.

BusinessAdmin inherits BusinessImportExportMixin. Import needs businesses.add_business, export
businesses.view_business; whether NIKs are exported in full is decided per request by the
resource (businesses.view_full_nik).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ExportMixin, ImportExportMixin, ImportMixin
from import_export.forms import ImportForm, SelectableFieldsExportForm

from accounts.models import AuditAction
from safetext.forms import ControlCharacterFormMixin

from .models import Business
from .nik_access import nik_reads_record
from .resources import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    BusinessResource,
    ImportFileError,
    detect_format,
    import_template_xlsx,
    result_messages,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SpreadsheetImportForm(ControlCharacterFormMixin, ImportForm):
    """The upload step: refuses, with a reason staff can act on, files that are too big, not a
    spreadsheet, or lack the expected columns of ``resource_class``, before import-export tries
    to read them. The format is recognised from the file's content, so its choice is optional.
    Shared by every spreadsheet import of the portal (businesses here, monthly reports in
    recovery): a subclass names its resource.
    """

    resource_class = None

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        field = self.fields["import_file"]
        field.label = _("Berkas (.xlsx atau .csv)")
        field.help_text = _("Paling besar %(size)s.") % {"size": filesizeformat(settings.IMPORT_MAX_BYTES)}
        field.widget.attrs["accept"] = ".xlsx,.csv"
        self.fields["format"].required = False
        self.fields["format"].help_text = _("Boleh dikosongkan: format dikenali dari isi berkas.")

    def clean(self):
        cleaned_data = super().clean()
        upload = cleaned_data.get("import_file")
        if upload is None:
            return cleaned_data
        if upload.size > settings.IMPORT_MAX_BYTES:
            self.add_error(
                "import_file",
                _("Berkas terlalu besar (%(size)s). Paling besar %(max)s; bagi menjadi beberapa berkas.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(settings.IMPORT_MAX_BYTES)},
            )
            return cleaned_data
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        try:
            format_class = detect_format(data)
            dataset = format_class().create_dataset(data)
        except ImportFileError as error:
            self.add_error("import_file", str(error))
            return cleaned_data
        problem = self.resource_class.dataset_problem(dataset)
        if problem:
            self.add_error("import_file", problem)
            return cleaned_data
        cleaned_data["format"] = str(next(i for i, f in enumerate(self.formats) if issubclass(format_class, f)))
        return cleaned_data


class BusinessImportForm(SpreadsheetImportForm):
    resource_class = BusinessResource


class BusinessExportForm(ControlCharacterFormMixin, SelectableFieldsExportForm):
    """Columns are offered under the names they have in the file (nik_pemilik), not
    import-export's title-cased field names ("Nik Pemilik")."""

    def _get_field_label(self, resource, field_name):
        return resource.fields[field_name].column_name

    class Media:
        # import-export's "Select all" box uses an inline onchange, which the CSP blocks; this binds it.
        js = ("js/export-select-all.js",)


class SpreadsheetImportMixin(ImportMixin):
    """The admin's import for staff, shared by every spreadsheet import: a template workbook to
    download, upload checks (the form), a preview, and a confirmed import that either saves
    every row or none, showing the refused rows instead of import-export's success message.

    A subclass sets resource_classes (one resource), import_form_class, import_template_name,
    import_permission, template_workbook (a function returning .xlsx bytes),
    template_download_name and success_message (with %(new)d, %(updated)d, %(skipped)d).
    """

    # Shown under each refused row: the message only (tracebacks are for the server log).
    import_error_display = ("message",)
    import_formats = IMPORT_FORMATS
    import_permission = ""
    template_workbook = None
    template_download_name = ""
    success_message = ""

    def get_import_formats(self):
        return self.import_formats

    def has_import_permission(self, request):
        return request.user.has_perm(self.import_permission)

    def get_import_context_data(self, **kwargs):
        return {**super().get_import_context_data(**kwargs), "import_max_bytes": settings.IMPORT_MAX_BYTES}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import-template/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{info[0]}_{info[1]}_import_template",
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        """The empty workbook to fill in: header, example row, and a sheet of instructions."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = HttpResponse(type(self).template_workbook(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{self.template_download_name}"'
        return response

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            # The uploaded file waits in storage between preview and confirmation; it is gone
            # if it was already imported (a second click) or cleaned up.
            messages.error(request, _("Berkas yang akan diimpor sudah tidak ada. Unggah ulang berkasnya."))
            return self._import_page(request, result=None)

    def process_result(self, result, request):
        # import-export reports success even when the confirmed import was rolled back (the data
        # changed after the preview); show the reasons instead.
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request, _("Impor dibatalkan, tidak ada data yang disimpan. Perbaiki baris berikut, lalu unggah ulang.")
            )
            return self._import_page(request, result=result)
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        totals = result.totals
        messages.success(
            request, self.success_message % {"new": totals["new"], "updated": totals["update"], "skipped": totals["skip"]}
        )

    def _import_page(self, request, result):
        form = self.get_import_form_class(request)(self.get_import_formats(), self.get_import_resource_classes(request))
        resource = self.resource_classes[0]
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": _("Impor"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "result": result,
            "result_messages": result_messages(result) if result is not None else [],
            "fields_list": [(resource.get_display_name(), [f.column_name for f in resource().get_import_fields()])],
            "import_error_display": self.import_error_display,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)


class BusinessImportExportMixin(SpreadsheetImportMixin, ExportMixin):
    # ImportExportMixin's change list (import and export buttons), built from its two halves.
    import_export_change_list_template = ImportExportMixin.import_export_change_list_template
    resource_classes = (BusinessResource,)
    import_form_class = BusinessImportForm
    export_form_class = BusinessExportForm
    import_template_name = "admin/businesses/business/import.html"
    import_permission = "businesses.add_business"
    template_workbook = import_template_xlsx
    template_download_name = "templat-impor-usaha-ikm.xlsx"
    success_message = gettext_lazy(
        "Impor selesai: %(new)d usaha baru (menunggu verifikasi), %(updated)d diperbarui, %(skipped)d baris dilewati."
    )

    def get_export_formats(self):
        return EXPORT_FORMATS

    def has_export_permission(self, request):
        return request.user.has_perm("businesses.view_business")

    def get_resource_kwargs(self, request, *args, **kwargs):
        # Both get_export_resource_kwargs and get_import_resource_kwargs come through here: the
        # resource shows full NIKs only to users allowed to see them (export and import preview).
        return {**kwargs, "user": request.user}

    def get_data_for_export(self, request, queryset, **kwargs):
        data = super().get_data_for_export(request, queryset, **kwargs)
        # A file with full NIKs leaves the portal: the trail records whose.
        if any("nik" in str(h).lower() for h in data.headers or ()):
            nik_reads_record(
                request=request, action=AuditAction.NIK_EXPORT, owner_ids=queryset.values_list("owner_id", flat=True)
            )
        return data

    def get_export_filename(self, request, queryset, file_format):
        return f"usaha-ikm-{timezone.localdate():%Y-%m-%d}.{file_format.get_extension()}"

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        # import-export keeps every upload in storage for the confirmation step; a file that
        # cannot be confirmed (it holds owners' NIKs) is deleted at once.
        context = getattr(response, "context_data", None) or {}
        result = context.get("result")
        if result is not None and "confirm_form" in context:
            # The preview compares each stored business with the file's row, the stored owner's
            # NIK included (in full for a NIK checker): those owners' NIKs were read.
            shown = [row.object_id for row in result.valid_rows() if row.object_id]
            nik_reads_record(request=request, owner_ids=Business.objects.filter(pk__in=shown).values_list("owner_id", flat=True))
        form = context.get("form")
        if request.method == "POST" and "confirm_form" not in context and form is not None:
            upload = getattr(form, "cleaned_data", {}).get("import_file")
            name = getattr(upload, "tmp_storage_name", None)
            if name:
                self.get_tmp_storage_class()(name=name, **self.get_tmp_storage_class_kwargs()).remove()
        return response
