"""Import of monthly reports in the admin, for Disnakerin staff: the same upload checks,
preview, row errors and all-or-nothing as the registry's business import
(``businesses.admin_import``). MonthlyReportAdmin inherits MonthlyReportImportMixin; importing
needs recovery.change_monthlyreport (staff)."""

from django.utils.translation import gettext_lazy

from businesses.admin_import import SpreadsheetImportForm, SpreadsheetImportMixin

from .resources import IMPORT_FORMATS, IMPORT_PERMISSION, MonthlyReportResource, import_template_xlsx


class MonthlyReportImportForm(SpreadsheetImportForm):
    resource_class = MonthlyReportResource


class MonthlyReportImportMixin(SpreadsheetImportMixin):
    resource_classes = (MonthlyReportResource,)
    import_form_class = MonthlyReportImportForm
    import_template_name = "recovery/reports/admin_import.html"
    import_formats = IMPORT_FORMATS
    import_permission = IMPORT_PERMISSION
    template_workbook = import_template_xlsx
    template_download_name = "templat-impor-laporan-bulanan.xlsx"
    success_message = gettext_lazy(
        "Impor selesai: %(new)d laporan baru, %(updated)d diganti (menunggu pemeriksaan), %(skipped)d baris dilewati."
    )

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}
