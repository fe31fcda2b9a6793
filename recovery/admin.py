from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import HistoryWithoutRevertAdmin

from . import services
from .admin_import import MonthlyReportImportMixin
from .models import MonthlyReport, ReportStatus, Target


@admin.register(MonthlyReport)
class MonthlyReportAdmin(MonthlyReportImportMixin, HistoryWithoutRevertAdmin):
    """Staff read reports and their history here, approve in bulk, and import many from a
    spreadsheet (preview, row errors, all or nothing; see admin_import). Single reports are
    written through the portal's form (hard checks, the unusual-turnover warning), so every
    field is read-only here and nothing is added or deleted one by one."""

    list_display = ("business", "period", "status", "no_activity", "turnover", "operating_status", "submitted_at")
    list_filter = ("status", "period", "no_activity", "operating_status", "raw_materials")
    list_select_related = ("business",)
    search_fields = ("business__name", "business__nib")
    date_hierarchy = "period"
    actions = ["approve_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Setujui dan kunci laporan terpilih"), permissions=["change"])
    def approve_selected(self, request, queryset):
        approved, refused = 0, 0
        for report_id in queryset.filter(status=ReportStatus.SUBMITTED).values_list("pk", flat=True):
            try:
                services.report_approve(report_id=report_id, actor=request.user)
                approved += 1
            except ValidationError:
                refused += 1
        skipped = queryset.exclude(status=ReportStatus.SUBMITTED).count() + refused
        self.message_user(
            request,
            ngettext("%(n)d laporan disetujui.", "%(n)d laporan disetujui.", approved) % {"n": approved},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d laporan dilewati (sudah disetujui atau sedang diperbaiki).",
                    "%(n)d laporan dilewati (sudah disetujui atau sedang diperbaiki).",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )


@admin.register(Target)
class TargetAdmin(HistoryWithoutRevertAdmin):
    """The city's targets and the history of each (who set which value when). They are set on
    the portal's target page, which officials use too; here they are only read."""

    list_display = ("measure", "period", "value", "set_by", "set_at")
    list_filter = ("measure",)
    list_select_related = ("set_by",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
