from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseChangeForm
from django.contrib.auth.forms import UserCreationForm as BaseCreationForm
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from safetext.forms import ControlCharacterFormMixin

from .audit import audit_record
from .models import AuditAction, AuditEvent, User
from .services import phone_reset_assist


class _PhoneCleanMixin:
    """The fields themselves normalise (accounts.identifiers); blank is stored as NULL."""

    def clean_phone(self):
        return self.cleaned_data.get("phone") or None

    def clean_email(self):
        return self.cleaned_data.get("email") or None


class UserCreationForm(ControlCharacterFormMixin, _PhoneCleanMixin, BaseCreationForm):
    class Meta:
        model = User
        fields = ("full_name", "email", "phone")


class UserChangeForm(ControlCharacterFormMixin, _PhoneCleanMixin, BaseChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("full_name",)
    list_display = ("full_name", "email", "phone", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("full_name", "email", "phone")
    fieldsets = (
        (None, {"fields": ("full_name", "email", "phone", "password")}),
        (_("Peran dan izin"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Waktu"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("full_name", "email", "phone", "password1", "password2")}),)
    actions = ["phone_reset_send"]

    @admin.action(description=_("Kirim kode atur ulang kata sandi lewat WhatsApp"), permissions=["change"])
    def phone_reset_send(self, request, queryset):
        """An assisted reset for an owner who phoned Disnakerin: the code goes to the number on
        record by WhatsApp and is never shown here; the trail records who started it."""
        started = [user.pk for user in queryset if phone_reset_assist(user=user, actor=request.user) is not None]
        audit_record(request=request, action=AuditAction.RESET_ASSISTED, object_type="user", object_ids=started)
        skipped = queryset.count() - len(started)
        if started:
            self.message_user(
                request,
                _("Kode dikirim lewat WhatsApp ke nomor %(count)d akun. Minta pemiliknya membaca kode itu sendiri.")
                % {"count": len(started)},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                _("%(count)d akun dilewati: tidak aktif atau tanpa nomor WhatsApp.") % {"count": skipped},
                messages.WARNING,
            )


class ReadOnlyAdminMixin:
    """Read only for everyone, superusers included: has_*_permission is asked before a
    superuser's blanket permissions, so no add, change or delete page, button or action exists."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Staff read the trail; nobody, superusers included, adds, changes or deletes it."""

    list_display = ("at", "actor", "action", "object_type", "object_ids", "ip_address")
    list_filter = ("action", "object_type", ("at", admin.DateFieldListFilter))
    list_select_related = ("actor",)
    search_fields = ("actor__full_name", "actor__email", "ip_address")
    date_hierarchy = "at"


class ReadableChangesHelper(HistoricalRecordContextHelper):
    """The "Perubahan" column of a record's history page, as the change trail writes it: a
    choice's label, "Ya"/"Tidak", "—" for nothing (not "None", "True" or a raw code)."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return super().prepare_delta_change_value(change, value)
        return _value(field, value)


class HistoryWithoutRevertAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose past versions can be looked at, never saved back.

    django-simple-history's "revert" saves a past version over the row from its history page,
    past the services: an approved (locked) report went back to submitted, a business changed
    status without its owner being told. SIMPLE_HISTORY_REVERT_DISABLED only hides the button,
    so the page itself refuses anything but GET. Changes go through the change page and the
    actions, which call the services.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChangesHelper(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ChangeTrailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The change trail of one model kept by django-simple-history: who (the signed-in user the
    request middleware recorded), when, which action, and what changed (each field that differs
    from the record before, old value to new), newest first.

    For a historical model (``Business.history.model``...); payakumbuh_ikm/admin.py registers one
    per audited model. Whoever may view the model may read its trail. The rows are never edited
    here (ReadOnlyAdminMixin); the tables themselves have no trigger, unlike AuditEvent, because
    nik_rotate rewrites the owners' history and the benches clear theirs; that nobody edits them
    through the portal is what this admin guarantees (accounts/tests/test_audit_trail.py).
    """

    list_display = ("history_date", "history_user", "action", "record", "changes")
    list_display_links = None
    list_filter = ("history_type", ("history_date", admin.DateFieldListFilter))
    list_select_related = ("history_user",)
    search_fields = ("history_user__full_name", "history_user__email")
    date_hierarchy = "history_date"
    ordering = ("-history_id",)
    show_full_result_count = False
    # Fields whose change says nothing by itself (a timestamp that moves with every save).
    changes_ignored = ("updated_at",)

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # simple-history names these "historical <name>" in English whatever the language. Only
        # the displayed names change: migrations read the Meta options, which stay as they are.
        tracked = model.instance_type._meta.verbose_name
        model._meta.verbose_name = format_lazy(_("riwayat {}"), tracked)
        model._meta.verbose_name_plural = format_lazy(_("riwayat {}"), tracked)

    @admin.display(description=_("data"))
    def record(self, obj) -> str:
        """How the changed record is named in the list; subclasses name it better."""
        return f"#{obj.pk}"

    def has_view_permission(self, request, obj=None):
        opts = self.model.instance_type._meta
        return request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

    def get_queryset(self, request):
        # The record before each one (same object, the highest smaller history id), so the page
        # can show what changed with one more query, whatever its length.
        pk = self.model.instance_type._meta.pk.attname
        before = self.model.objects.filter(**{pk: OuterRef(pk)}, history_id__lt=OuterRef("history_id"))
        return (
            super().get_queryset(request).annotate(previous_id=Subquery(before.order_by("-history_id").values("history_id")[:1]))
        )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)  # evaluated once; the page iterates the same rows
        previous = self.model.objects.in_bulk([row.previous_id for row in rows if row.previous_id])
        for row in rows:
            row.previous_record = previous.get(row.previous_id)
        return changelist

    @admin.display(description=_("tindakan"), ordering="history_type")
    def action(self, obj) -> str:
        return {"+": _("dibuat"), "~": _("diubah"), "-": _("dihapus")}.get(obj.history_type, obj.history_type)

    @admin.display(description=_("yang berubah"))
    def changes(self, obj):
        before = getattr(obj, "previous_record", None)
        if obj.history_type != "~" or before is None:
            return "—"
        rows = [
            (field.verbose_name, _value(field, getattr(before, field.attname)), _value(field, getattr(obj, field.attname)))
            for field in obj.tracked_fields
            if field.name not in self.changes_ignored and getattr(before, field.attname) != getattr(obj, field.attname)
        ]
        if not rows:
            return _("tidak ada perubahan isian")
        return format_html_join(mark_safe("<br>"), "{}: {} → {}", rows)  # nosec B308 B703  # a constant tag; rows are escaped


def _value(field, value) -> str:
    """A field's value as staff read it: the label of a choice, ids of related rows as they are
    (the trail never loads them: one query per page), long text shortened."""
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Ya") if value else _("Tidak"))
    return Truncator(str(value)).chars(80)
