"""The change trails of staff actions, read-only in the admin (accounts.admin.ChangeTrailAdmin),
and owners' deletion requests.

Registered here, where every app is wired, because the trail of businesses, registrations,
attendance and monthly reports spans apps that accounts must not import, and erasing an owner's
data touches every app.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Case, Value, When
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.admin import ChangeTrailAdmin
from businesses import services as business_services
from businesses.models import Business, DeletionRequest, DeletionStatus
from payakumbuh_ikm import personal_data
from recovery.models import MonthlyReport
from safetext.forms import ControlCharacterFormMixin
from trainings.models import Attendance, Registration


@admin.register(Business.history.model)
class BusinessTrailAdmin(ChangeTrailAdmin):
    search_fields = (*ChangeTrailAdmin.search_fields, "name", "nib")

    @admin.display(description=_("usaha"))
    def record(self, obj):
        return f"{obj.name} (#{obj.id})"


@admin.register(Registration.history.model)
class RegistrationTrailAdmin(ChangeTrailAdmin):
    list_select_related = ("history_user", "business", "session")
    search_fields = (*ChangeTrailAdmin.search_fields, "participant_name", "business__name")

    @admin.display(description=_("pendaftaran"))
    def record(self, obj):
        return f"{obj.participant_name} · {obj.business.name} · {obj.session.title} (#{obj.id})"


@admin.register(Attendance.history.model)
class AttendanceTrailAdmin(ChangeTrailAdmin):
    list_select_related = ("history_user", "registration__business", "registration__session")

    @admin.display(description=_("kehadiran"))
    def record(self, obj):
        registration = obj.registration
        return f"{registration.participant_name} · {registration.session.title} (#{registration.pk})"


@admin.register(MonthlyReport.history.model)
class MonthlyReportTrailAdmin(ChangeTrailAdmin):
    list_select_related = ("history_user", "business")
    search_fields = (*ChangeTrailAdmin.search_fields, "business__name")

    @admin.display(description=_("laporan"))
    def record(self, obj):
        return f"{obj.business.name} · {obj.period:%Y-%m} (#{obj.id})"


class DeletionRefuseForm(ControlCharacterFormMixin, forms.Form):
    staff_note = forms.CharField(
        label=_("Alasan penolakan (dikirim ke pemilik)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


@admin.register(DeletionRequest)
class DeletionRequestAdmin(admin.ModelAdmin):
    """Owners' requests to delete their account and data (UU 27/2022). Open ones first; staff
    erase (``personal_data.personal_data_erase``) or refuse with a reason, from the list's
    actions. Nothing here is edited by hand."""

    list_display = ("requested_at", "owner", "status", "handled_at", "handled_by")
    list_filter = ("status",)
    list_select_related = ("owner", "handled_by")
    readonly_fields = ("owner", "reason", "status", "requested_at", "handled_at", "handled_by", "staff_note")
    actions = ("erase", "refuse")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .order_by(Case(When(status=DeletionStatus.REQUESTED, then=Value(0)), default=Value(1)), "-requested_at")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Hapus data pemilik yang dipilih (tidak dapat dibatalkan)"), permissions=["change"])
    def erase(self, request, queryset):
        done = 0
        for pk in queryset.filter(status=DeletionStatus.REQUESTED).values_list("pk", flat=True):
            personal_data.personal_data_erase(request_id=pk, actor=request.user)
            done += 1
        self.message_user(request, _("%(n)d permintaan diproses: akun dan data pribadi dihapus.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Tolak permintaan yang dipilih, dengan alasan"), permissions=["change"])
    def refuse(self, request, queryset):
        form = DeletionRefuseForm(request.POST if "staff_note" in request.POST else None)
        if form.is_valid():
            for pk in queryset.filter(status=DeletionStatus.REQUESTED).values_list("pk", flat=True):
                business_services.deletion_request_refuse(request_id=pk, actor=request.user, note=form.cleaned_data["staff_note"])
            self.message_user(request, _("Permintaan ditolak dan pemilik diberi tahu."), messages.SUCCESS)
            return None
        return render(
            request,
            "admin/deletion_refuse.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Tolak permintaan hapus data"),
                "form": form,
                "queryset": queryset.select_related("owner"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
