from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import HistoryWithoutRevertAdmin
from businesses.admin import ValidHtmlAdminMixin
from safetext.forms import ControlCharacterFormMixin

from . import notices, services
from .models import Attendance, Certificate, Feedback, Registration, RegistrationStatus, Topic, TrainingSession


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "target_divisions")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class RegistrationInline(admin.TabularInline):
    """Read-only here: every change to a registration goes through trainings.services."""

    model = Registration
    fields = ("participant_name", "business", "status", "created_at", "cancelled_at")
    readonly_fields = fields
    ordering = ("status", "created_at", "id")
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("business")

    def has_add_permission(self, request, obj=None):
        return False


class TrainingSessionForm(ControlCharacterFormMixin, forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = ("capacity",)  # the admin's fieldsets give the full list

    def clean_capacity(self):
        """The capacity rule on the field, where staff see it; session_save checks it again
        under the session's lock."""
        capacity = self.cleaned_data.get("capacity")
        services.session_capacity_check(session=self.instance, capacity=capacity)
        return capacity


@admin.register(TrainingSession)
class TrainingSessionAdmin(ValidHtmlAdminMixin, HistoryWithoutRevertAdmin):
    form = TrainingSessionForm
    list_display = ("title", "topic", "starts_at", "mode", "status", "capacity", "confirmed", "waiting")
    list_filter = ("status", "mode", "topic", ("starts_at", admin.DateFieldListFilter))
    search_fields = ("title", "trainer", "venue")
    date_hierarchy = "starts_at"
    list_select_related = ("topic",)
    # Five kecamatan: checkboxes (valid markup, see ValidHtmlAdminMixin) rather than filter_horizontal.
    checkbox_fields = ("kecamatan",)
    autocomplete_fields = ("kbli",)
    readonly_fields = ("status", "roster", "reminders_sent", "created_at", "updated_at")
    inlines = [RegistrationInline]
    # Staff paste links without a scheme; video-meeting links are https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish", "cancel"]
    fieldsets = (
        (None, {"fields": ("topic", "title", "trainer", "description", "status")}),
        (_("Waktu dan tempat"), {"fields": ("mode", "venue", "meeting_url", "starts_at", "ends_at")}),
        (
            _("Pendaftaran"),
            {
                "fields": (
                    "capacity",
                    "registration_opens_at",
                    "registration_closes_at",
                    "max_participants_per_business",
                    "roster",
                )
            },
        ),
        (_("Pengingat"), {"fields": ("reminder_hours", "reminders_sent")}),
        (_("Hanya untuk"), {"fields": ("kecamatan", "kbli")}),
        (_("Catatan"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                confirmed_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)),
                waiting_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)),
            )
        )

    def save_model(self, request, obj, form, change):
        """Every way a session changes is in trainings.services; this runs inside the admin's
        transaction, so the outbox rows it writes commit with the session."""
        services.session_save(session=obj, changed_fields=form.changed_data if change else [])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A registration took the last seats between the form's check and the save: the
        # admin's transaction has rolled back; say why instead of a server error.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.display(description=_("pengingat terkirim"))
    def reminders_sent(self, obj):
        """What the reminder job sent for this session: to whom, by which channel, when."""
        if obj is None or obj.pk is None:
            return "—"
        rows = [
            (
                message.key.split(":")[1],
                message.get_channel_display(),
                message.recipient,
                message.get_status_display(),
                date_format(timezone.localtime(message.sent_at), "j M Y H.i") if message.sent_at else "—",
            )
            for message in notices.reminders_sent(obj)
        ]
        if not rows:
            return _("Belum ada pengingat yang dikirim.")
        return format_html(
            '<table class="table table-sm"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("Sebelum mulai"),
            _("Saluran"),
            _("Penerima"),
            _("Status"),
            _("Terkirim"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=_("daftar peserta"))
    def roster(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("trainings:roster", args=[obj.pk]),
            _("Peserta dan kehadiran"),
            reverse("trainings:roster-xlsx", args=[obj.pk]),
            _("Excel"),
            reverse("trainings:roster-pdf", args=[obj.pk]),
            _("Daftar hadir (PDF)"),
        )

    @admin.display(description=_("terdaftar"), ordering="confirmed_count")
    def confirmed(self, obj):
        return obj.confirmed_count

    @admin.display(description=_("daftar tunggu"), ordering="waiting_count")
    def waiting(self, obj):
        return obj.waiting_count

    def _each(self, request, queryset, service, done_message):
        done = 0
        for session in queryset.order_by("pk"):
            try:
                service(session=session, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{session}: {' '.join(error.messages)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Terbitkan sesi terpilih"), permissions=["change"])
    def publish(self, request, queryset):
        self._each(
            request,
            queryset,
            services.session_publish,
            lambda n: ngettext("%(n)d sesi diterbitkan.", "%(n)d sesi diterbitkan.", n) % {"n": n},
        )

    @admin.action(description=_("Batalkan sesi terpilih (peserta diberi tahu)"), permissions=["change"])
    def cancel(self, request, queryset):
        self._each(
            request,
            queryset,
            services.session_cancel,
            lambda n: ngettext("%(n)d sesi dibatalkan.", "%(n)d sesi dibatalkan.", n) % {"n": n},
        )


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Written only by the portal's services (check-in, the certificate job, owners' feedback):
    staff read them here and change nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(_ReadOnlyAdmin):
    list_display = ("registration", "checked_in_at", "method", "checked_in_by")
    list_filter = ("method", ("checked_in_at", admin.DateFieldListFilter))
    list_select_related = ("registration__session", "registration__business", "checked_in_by")
    search_fields = ("registration__participant_name", "registration__business__name", "registration__session__title")


@admin.register(Certificate)
class CertificateAdmin(_ReadOnlyAdmin):
    list_display = ("number", "registration", "issued_at")
    list_select_related = ("registration__session", "registration__business")
    search_fields = ("number", "code", "registration__participant_name", "registration__business__name")
    date_hierarchy = "issued_at"


@admin.register(Feedback)
class FeedbackAdmin(_ReadOnlyAdmin):
    list_display = ("registration", "rating", "created_at")
    list_filter = ("rating",)
    list_select_related = ("registration__session", "registration__business")
    search_fields = ("registration__session__title", "registration__session__trainer", "comment")
