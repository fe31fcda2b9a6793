from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from safetext.forms import ControlCharacterFormMixin

from .models import Page, PageSlug

# The default contact text (migration 0002) was written without the office's confirmation.
CONTACT_UNVERIFIED = _(
    "Alamat, nomor telepon, nomor WhatsApp layanan, email, dan jam layanan pada teks awal halaman ini "
    "belum diverifikasi: mohon dikonfirmasi oleh kantor (Disnakerin) dan diperbaiki di sini sebelum "
    "portal dibuka untuk umum."
)


class PageForm(ControlCharacterFormMixin, forms.ModelForm):
    class Meta:
        model = Page
        fields = ("title_id", "body_id", "title_en", "body_en")
        widgets = {"body_id": forms.Textarea(attrs={"rows": 24}), "body_en": forms.Textarea(attrs={"rows": 24})}


@admin.register(Page)
class PageAdmin(SimpleHistoryAdmin):
    form = PageForm
    list_display = ("title_id", "slug", "updated_at")
    readonly_fields = ("slug", "updated_at")

    def get_fieldsets(self, request, obj=None):
        description = CONTACT_UNVERIFIED if obj is not None and obj.slug == PageSlug.CONTACT else None
        return (
            (None, {"fields": ("slug", "updated_at"), "description": description}),
            (_("Bahasa Indonesia"), {"fields": ("title_id", "body_id")}),
            (_("English"), {"fields": ("title_en", "body_en")}),
        )

    def has_add_permission(self, request):
        return False  # the four pages exist from the migration; their addresses are fixed

    def has_delete_permission(self, request, obj=None):
        return False
