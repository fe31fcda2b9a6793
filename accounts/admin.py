from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseChangeForm
from django.contrib.auth.forms import UserCreationForm as BaseCreationForm
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, User
from .phone import phone_normalize


class _PhoneCleanMixin:
    def clean_phone(self):
        raw = self.cleaned_data.get("phone")
        return phone_normalize(raw) if raw else None

    def clean_email(self):
        return (self.cleaned_data.get("email") or "").strip().lower() or None


class UserCreationForm(_PhoneCleanMixin, BaseCreationForm):
    class Meta:
        model = User
        fields = ("full_name", "email", "phone")


class UserChangeForm(_PhoneCleanMixin, BaseChangeForm):
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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Staff read the trail; nobody, superusers included, adds, changes or deletes it."""

    list_display = ("at", "actor", "action", "object_type", "object_ids", "ip_address")
    list_filter = ("action", "object_type", ("at", admin.DateFieldListFilter))
    list_select_related = ("actor",)
    search_fields = ("actor__full_name", "actor__email", "ip_address")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
