"""The change trails of staff actions, read-only in the admin (accounts.admin.ChangeTrailAdmin).

Registered here, where every app is wired, because the trail of businesses, registrations,
attendance and monthly reports spans apps that accounts must not import.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import ChangeTrailAdmin
from businesses.models import Business
from recovery.models import MonthlyReport
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
