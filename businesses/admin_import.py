"""Import and export of businesses in the admin, for Disnakerin staff.

BusinessAdmin inherits BusinessImportExportMixin. Import (a background job with progress:
spreadsheets.admin_import) needs businesses.add_business, export businesses.view_business;
whether NIKs are exported in full is decided per request by the resource
(businesses.view_full_nik).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.forms import SelectableFieldsExportForm

from accounts.models import AuditAction
from safetext.forms import ControlCharacterFormMixin
from spreadsheets.admin_import import SpreadsheetImportMixin
from spreadsheets.models import ImportKind

from .nik_access import nik_reads_record
from .resources import EXPORT_FORMATS, BusinessResource, import_template_xlsx


class BusinessExportForm(ControlCharacterFormMixin, SelectableFieldsExportForm):
    """Columns are offered under the names they have in the file (nik_pemilik), not
    import-export's title-cased field names ("Nik Pemilik")."""

    def _get_field_label(self, resource, field_name):
        return resource.fields[field_name].column_name

    class Media:
        # import-export's "Select all" box uses an inline onchange, which the CSP blocks; this binds it.
        js = ("js/export-select-all.js",)


class BusinessImportExportMixin(SpreadsheetImportMixin, ExportMixin):
    # ImportExportMixin's change list (import and export buttons), built from its two halves.
    import_export_change_list_template = ImportExportMixin.import_export_change_list_template
    resource_classes = (BusinessResource,)
    export_form_class = BusinessExportForm
    import_kind = ImportKind.BUSINESSES
    import_template_name = "admin/businesses/business/import.html"
    import_permission = "businesses.add_business"
    template_workbook = import_template_xlsx
    template_download_name = "templat-impor-usaha-ikm.xlsx"
    success_message = gettext_lazy(
        "Impor selesai: %(new)d usaha baru (menunggu verifikasi), %(updated)d diperbarui, %(skipped)d baris dilewati."
    )
    preview_message = gettext_lazy(
        "%(new)d usaha baru, %(updated)d diperbarui, %(skipped)d baris dilewati (baris contoh atau baris kosong). "
        "Belum ada yang disimpan: periksa, lalu tekan “Konfirmasi impor”."
    )

    def get_export_formats(self):
        return EXPORT_FORMATS

    def has_export_permission(self, request):
        return request.user.has_perm("businesses.view_business")

    def get_resource_kwargs(self, request, *args, **kwargs):
        # The resource shows full NIKs only to users allowed to see them.
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
