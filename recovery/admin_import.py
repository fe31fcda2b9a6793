"""Import of monthly reports in the admin, for Disnakerin staff: the same upload checks,
background preview with progress, row errors and all-or-nothing import as the registry's
business import (``spreadsheets.admin_import``). MonthlyReportAdmin inherits
MonthlyReportImportMixin; importing needs recovery.change_monthlyreport (staff)."""

from django.utils.translation import gettext_lazy

from spreadsheets.admin_import import SpreadsheetImportMixin
from spreadsheets.models import ImportKind

from .resources import IMPORT_PERMISSION, import_template_xlsx


class MonthlyReportImportMixin(SpreadsheetImportMixin):
    import_kind = ImportKind.MONTHLY_REPORTS
    import_template_name = "recovery/reports/admin_import.html"
    import_permission = IMPORT_PERMISSION
    template_workbook = import_template_xlsx
    template_download_name = "templat-impor-laporan-bulanan.xlsx"
    success_message = gettext_lazy(
        "Impor selesai: %(new)d laporan baru, %(updated)d diganti (menunggu pemeriksaan), %(skipped)d baris dilewati."
    )
    preview_message = gettext_lazy(
        "%(new)d laporan baru, %(updated)d diganti, %(skipped)d baris dilewati (baris contoh atau baris kosong). "
        "Belum ada yang disimpan: periksa, lalu tekan “Konfirmasi impor”."
    )
