"""Import of monthly reports in the admin, for Disnakerin staff: the same upload checks,
preview, row errors and all-or-nothing as the registry's business import
(``businesses.admin_import``). MonthlyReportAdmin inherits MonthlyReportImportMixin; importing
needs recovery.change_monthlyreport (staff)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from import_export.admin import ImportMixin
from import_export.forms import ImportForm

from businesses.resources import ImportFileError, detect_format, result_messages

from .resources import IMPORT_FORMATS, IMPORT_PERMISSION, MonthlyReportResource, import_template_xlsx

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MonthlyReportImportForm(ImportForm):
    """The upload step: refuses files that are too big, not a spreadsheet, or lack the expected
    columns, with a reason staff can act on, before import-export reads any row."""

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
        problem = MonthlyReportResource.dataset_problem(dataset)
        if problem:
            self.add_error("import_file", problem)
            return cleaned_data
        cleaned_data["format"] = str(next(i for i, f in enumerate(self.formats) if issubclass(format_class, f)))
        return cleaned_data


class MonthlyReportImportMixin(ImportMixin):
    resource_classes = (MonthlyReportResource,)
    import_form_class = MonthlyReportImportForm
    import_template_name = "recovery/reports/admin_import.html"
    import_error_display = ("message",)

    def get_import_formats(self):
        return IMPORT_FORMATS

    def has_import_permission(self, request):
        return request.user.has_perm(IMPORT_PERMISSION)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

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
        response = HttpResponse(import_template_xlsx(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = 'attachment; filename="templat-impor-laporan-bulanan.xlsx"'
        return response

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            # The upload waits in storage between preview and confirmation; it is gone after a
            # second click or a clean-up.
            messages.error(request, _("Berkas yang akan diimpor sudah tidak ada. Unggah ulang berkasnya."))
            return self._import_page(request, result=None)

    def process_result(self, result, request):
        # import-export reports success even when the confirmed import was rolled back (the data
        # changed after the preview, e.g. a report was approved meanwhile); show the reasons.
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request, _("Impor dibatalkan, tidak ada data yang disimpan. Perbaiki baris berikut, lalu unggah ulang.")
            )
            return self._import_page(request, result=result)
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        totals = result.totals
        messages.success(
            request,
            _("Impor selesai: %(new)d laporan baru, %(updated)d diganti (menunggu pemeriksaan), %(skipped)d baris dilewati.")
            % {"new": totals["new"], "updated": totals["update"], "skipped": totals["skip"]},
        )

    def _import_page(self, request, result):
        form = self.get_import_form_class(request)(self.get_import_formats(), self.get_import_resource_classes(request))
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": _("Impor"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "result": result,
            "result_messages": result_messages(result) if result is not None else [],
            "fields_list": [
                (MonthlyReportResource.get_display_name(), [f.column_name for f in MonthlyReportResource().get_import_fields()])
            ],
            "import_error_display": self.import_error_display,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)
