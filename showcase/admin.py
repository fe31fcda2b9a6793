"""Staff's side of the showcase in the admin: the moderation queue of products (approve, refuse
with a reason), visitors' reports, and the trusted mark on profiles.

Every decision goes through showcase/services.py, so the owner is told (outbox) and nothing is
decided without a reason where one is required. Owners' content is read-only here: owners edit
it on their own pages; staff decide about it.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from safetext.forms import ControlCharacterFormMixin

from . import services
from .models import Category, Product, ProductReport, ProductStatus, Profile, Sentra


class StaffRoleAdmin(admin.ModelAdmin):
    """Staff moderate by their role (the portal's roles decide access), so no data migration
    has to grant model permissions; a superuser counts as staff (accounts.roles.role_of)."""

    def _is_staff(self, request) -> bool:
        return services.is_staff(request.user)

    def has_module_permission(self, request):
        return self._is_staff(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._is_staff(request) or super().has_view_permission(request, obj)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "position"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["kbli"]


@admin.register(Sentra)
class SentraAdmin(admin.ModelAdmin):
    list_display = ["name", "kecamatan", "kelurahan", "category"]
    list_select_related = ["kecamatan", "kelurahan", "category"]
    prepopulated_fields = {"slug": ["name"]}


class ReasonForm(ControlCharacterFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Alasan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Dikirim kepada pemilik. Tulis apa yang perlu diperbaiki."),
    )


def _reason_page(modeladmin, request, queryset, *, action: str, title, intro, items, button):
    """The intermediate page of an action that needs a reason (Django's delete-confirmation pattern)."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        return form.cleaned_data["reason"], None
    return None, TemplateResponse(
        request,
        "admin/showcase/reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "items": items,
            "action": action,
            "button": button,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


def _photos_html(product: Product) -> str:
    photos = list(product.photos.all())
    if not photos:
        return "—"
    return format_html_join(
        " ",
        '<a href="{}"><img src="{}" width="120" alt="{}" loading="lazy"></a>',
        (
            (
                reverse("showcase:owner-photo", args=[p.pk, 1280]),
                reverse("showcase:owner-photo", args=[p.pk, 320]),
                _("Foto %(n)d") % {"n": i},
            )
            for i, p in enumerate(photos, 1)
        ),
    )


class OpenReportsFilter(admin.SimpleListFilter):
    title = _("laporan terbuka")
    parameter_name = "laporan"

    def lookups(self, request, model_admin):
        return [("open", _("Ada laporan terbuka"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(reports__resolved_at__isnull=True).distinct()
        return queryset


@admin.register(Product)
class ProductAdmin(StaffRoleAdmin):
    """The moderation queue: filter on "Menunggu persetujuan", look, approve or refuse."""

    list_display = ("name", "business_name", "price_min", "unit", "status", "trusted", "open_reports", "updated_at")
    list_filter = ("status", OpenReportsFilter, "profile__trusted", "profile__sentra")
    list_select_related = ("profile__business",)
    search_fields = ("name", "profile__business__name")
    ordering = ("-updated_at",)
    actions = ("approve", "refuse")
    fields = (
        "business_name",
        "name",
        "description",
        "price_min",
        "price_max",
        "unit",
        "min_order",
        "shipping_note",
        "photos_html",
        "status",
        "refusal_reason",
        "decided_at",
        "decided_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(open_report_count=Count("reports", filter=_open_reports()))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # decisions through the actions only: the content is the owner's

    @admin.display(description=_("usaha"), ordering="profile__business__name")
    def business_name(self, obj):
        return obj.profile.business.name

    @admin.display(description=_("tepercaya"), boolean=True, ordering="profile__trusted")
    def trusted(self, obj):
        return obj.profile.trusted

    @admin.display(description=_("laporan terbuka"), ordering="open_report_count")
    def open_reports(self, obj):
        return obj.open_report_count

    @admin.display(description=_("foto"))
    def photos_html(self, obj):
        return _photos_html(obj)

    @admin.action(description=_("Setujui produk terpilih"), permissions=["view"])
    def approve(self, request, queryset):
        done = 0
        for product in queryset:
            try:
                services.product_approve(product=product, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{product.name}: {' '.join(error.messages)}", messages.WARNING)
            else:
                done += 1
        self.message_user(
            request, ngettext("%(n)d produk disetujui.", "%(n)d produk disetujui.", done) % {"n": done}, messages.SUCCESS
        )

    @admin.action(description=_("Tolak produk terpilih (dengan alasan)…"), permissions=["view"])
    def refuse(self, request, queryset):
        reason, page = _reason_page(
            self,
            request,
            queryset,
            action="refuse",
            title=_("Tolak produk"),
            intro=_("Produk berikut tidak ditampilkan. Pemiliknya menerima alasan ini lewat WhatsApp/email."),
            items=[(p.pk, f"{p.name} — {p.profile.business.name}") for p in queryset.select_related("profile__business")],
            button=_("Tolak"),
        )
        if page is not None:
            return page
        for product in queryset:
            services.product_refuse(product=product, actor=request.user, reason=reason)
        self.message_user(request, _("%(n)d produk ditolak.") % {"n": queryset.count()}, messages.SUCCESS)
        return None


def _open_reports():
    from django.db.models import Q

    return Q(reports__resolved_at__isnull=True)


class ReportStateFilter(admin.SimpleListFilter):
    title = _("status laporan")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", _("Belum ditangani")), ("resolved", _("Sudah ditangani"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(ProductReport)
class ProductReportAdmin(StaffRoleAdmin):
    list_display = ("product", "business_name", "reason", "created_at", "resolved_at")
    list_filter = (ReportStateFilter, "reason")
    list_select_related = ("product__profile__business",)
    search_fields = ("product__name", "product__profile__business__name")
    actions = ("resolve", "resolve_and_refuse")
    fields = ("product", "business_name", "reason", "message", "created_at", "resolved_at", "resolved_by", "resolution")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("usaha"), ordering="product__profile__business__name")
    def business_name(self, obj):
        return obj.product.profile.business.name

    def _resolve(self, request, queryset, *, action, refuse: bool):
        open_reports = queryset.filter(resolved_at__isnull=True).select_related("product__profile__business")
        resolution, page = _reason_page(
            self,
            request,
            queryset,
            action=action,
            title=_("Tangani laporan"),
            intro=_("Tulis tindakan yang diambil. Bila produk diturunkan, tulisan ini dikirim kepada pemiliknya sebagai alasan.")
            if refuse
            else _("Tulis tindakan yang diambil (mis. sudah diperiksa, tidak ada masalah)."),
            items=[(r.pk, f"{r.product.name} — {r.get_reason_display()}") for r in open_reports],
            button=_("Turunkan produk dan tutup laporan") if refuse else _("Tutup laporan"),
        )
        if page is not None:
            return page
        done = 0
        for report in open_reports:
            services.product_report_resolve(report=report, actor=request.user, resolution=resolution, refuse_product=refuse)
            done += 1
        self.message_user(request, _("%(n)d laporan ditangani.") % {"n": done}, messages.SUCCESS)
        return None

    @admin.action(description=_("Tutup laporan terpilih (produk tetap tampil)…"), permissions=["view"])
    def resolve(self, request, queryset):
        return self._resolve(request, queryset, action="resolve", refuse=False)

    @admin.action(description=_("Turunkan produknya dan tutup laporan…"), permissions=["view"])
    def resolve_and_refuse(self, request, queryset):
        return self._resolve(request, queryset, action="resolve_and_refuse", refuse=True)


@admin.register(Profile)
class ProfileAdmin(StaffRoleAdmin):
    """Profiles with their consent and the trusted mark (trusted owners' products show at once)."""

    list_display = ("business", "slug", "consent_shown", "trusted", "product_count", "pending_count")
    list_filter = ("trusted", "sentra")
    list_select_related = ("business",)
    search_fields = ("business__name", "slug")
    actions = ("mark_trusted", "unmark_trusted")
    fields = ("business", "slug", "story", "sentra", "order_phone", "show_address", "consented_at", "withdrawn_at", "trusted")
    readonly_fields = fields

    def get_queryset(self, request):
        from django.db.models import Q

        return (
            super()
            .get_queryset(request)
            .annotate(
                product_count=Count("products"),
                pending_count=Count("products", filter=Q(products__status=ProductStatus.PENDING)),
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("setuju ditampilkan"), boolean=True)
    def consent_shown(self, obj):
        return obj.consent_active

    @admin.display(description=_("produk"), ordering="product_count")
    def product_count(self, obj):
        return obj.product_count

    @admin.display(description=_("menunggu"), ordering="pending_count")
    def pending_count(self, obj):
        if not obj.pending_count:
            return 0
        url = reverse("admin:showcase_product_changelist") + f"?status__exact=pending&profile__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.pending_count)

    def _trust(self, request, queryset, trusted: bool):
        for profile in queryset:
            services.profile_trust(profile=profile, actor=request.user, trusted=trusted)
        self.message_user(request, _("%(n)d profil diperbarui.") % {"n": queryset.count()}, messages.SUCCESS)

    @admin.action(description=_("Tandai tepercaya (produk langsung tampil)"), permissions=["view"])
    def mark_trusted(self, request, queryset):
        self._trust(request, queryset, True)

    @admin.action(description=_("Cabut tanda tepercaya"), permissions=["view"])
    def unmark_trusted(self, request, queryset):
        self._trust(request, queryset, False)
