from functools import cache

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.db.models.fields import BLANK_CHOICE_DASH
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import HistoryWithoutRevertAdmin
from accounts.models import AuditAction
from accounts.phone import phone_normalize_or_none
from payakumbuh_ikm.admin_lists import EstimatedCountAdminMixin, PlainActionCheckboxMixin
from safetext.forms import ControlCharacterFormMixin

from . import services
from .admin_import import BusinessImportExportMixin
from .crypto import nik_digest
from .forms import CertificationForm
from .models import (
    Business,
    BusinessStatus,
    Certification,
    CertificationKind,
    ChangeRequest,
    ChangeRequestStatus,
    DuplicateFlag,
    Kbli,
    Kecamatan,
    Kelurahan,
    Marketplace,
    Owner,
    SizeClass,
)
from .nik_access import nik_full_allowed, nik_reads_record
from .validators import digits_only


def can_see_full_nik(request) -> bool:
    return nik_full_allowed(request.user)


def _shown_object(response):
    """The object an admin change (or past-version) page was rendered for; None for a redirect."""
    if response.status_code != 200 or not hasattr(response, "context_data"):
        return None
    return response.context_data.get("original")


class PhoneAwareSearchMixin:
    """Staff type phone numbers every way (0812..., 62812...); stored numbers are +62812..."""

    phone_search_field = "owner__phone"
    # A whole NIK finds its owner through the keyed digest (the NIK itself is encrypted).
    nik_hash_field = "owner__nik_hash"

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        phone = phone_normalize_or_none(search_term) if search_term and not search_term.isalpha() else None
        if phone:
            queryset |= self.model.objects.filter(**{self.phone_search_field: phone})
        nik = digits_only(search_term or "")
        if len(nik) == 16 and nik == (search_term or "").strip().replace(" ", ""):
            queryset |= self.model.objects.filter(**{self.nik_hash_field: nik_digest(nik)})
        return queryset, may_have_duplicates


class RequiredAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete select with an empty first option also when the field is required.

    Django leaves it out for a required field, so the page opens on a ``<select required>`` whose
    first option is a real choice: invalid HTML (the Nu Html Checker's "first option" error). The
    empty option (Django's "---------", as on a plain select) is never offered by select2's search
    and the field stays required.
    """

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        options = groups[0][1]
        if self.is_required and not self.allow_multiple_selected and not (options and options[0]["value"] == ""):
            options.insert(0, self.create_option(name, "", BLANK_CHOICE_DASH[0][1], False, 0))
            for index, option in enumerate(options):
                option["index"] = str(index)
        return groups


class ValidHtmlAdminMixin:
    """Widgets whose markup passes the Nu Html Checker and axe: autocomplete selects with an empty
    first option, and many-to-many fields as checkboxes instead of filter_horizontal (whose
    SelectFilter2.js writes aria-label on a span, a size="0" select and a label pointing at a
    hidden select). Checkboxes also suit the short lists they are used for (marketplaces)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = RequiredAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in getattr(self, "checkbox_fields", ()):
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Kecamatan)
class KecamatanAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Kelurahan)
class KelurahanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kecamatan")
    list_filter = ("kecamatan",)
    list_select_related = ("kecamatan",)
    search_fields = ("code", "name", "kecamatan__name")


@admin.register(Kbli)
class KbliAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "products", "version")
    list_filter = ("version",)
    # `products` lets the admin's KBLI picker find codes by local names (rendang, galamai, bordir).
    search_fields = ("code", "title", "products")


@admin.register(Marketplace)
class MarketplaceAdmin(admin.ModelAdmin):
    search_fields = ("name",)


class OwnerForm(ControlCharacterFormMixin, forms.ModelForm):
    class Meta:
        model = Owner
        fields = ("name", "nik", "phone", "email", "user")


@admin.register(Owner)
class OwnerAdmin(ValidHtmlAdminMixin, PhoneAwareSearchMixin, admin.ModelAdmin):
    form = OwnerForm
    list_display = ("name", "nik_masked", "phone", "email", "business_count", "consent_withdrawn_at")
    list_filter = (("consent_withdrawn_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "phone", "email")
    phone_search_field = "phone"
    nik_hash_field = "nik_hash"
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(business_total=Count("businesses"))

    # Admin instances are shared between requests: who sees a full NIK is decided per request
    # by choosing a column or field, never by state kept on the instance.
    def get_list_display(self, request):
        if can_see_full_nik(request):
            return tuple("nik" if f == "nik_masked" else f for f in self.list_display)
        return self.list_display

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) and response.context_data.get("cl")
        if changelist is not None:
            nik_reads_record(request=request, action=AuditAction.NIK_LIST, owner_ids=[o.pk for o in changelist.result_list])
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # Any page shown (a GET, or a POST answered with the form and its errors) holds the NIK.
        original = _shown_object(response)
        if original is not None:
            nik_reads_record(request=request, owner_ids=[original.pk])
        return response

    @admin.display(description=_("NIK"))
    def nik_masked(self, obj):
        return obj.nik_masked

    @admin.display(description=_("jumlah usaha"), ordering="business_total")
    def business_count(self, obj):
        return obj.business_total

    def save_model(self, request, obj, form, change):
        services.owner_save_by_staff(owner=obj, actor=request.user)

    def get_fields(self, request, obj=None):
        if obj is not None and not can_see_full_nik(request):
            return ("name", "nik_masked", "phone", "email", "user", "consent_at", "consent_withdrawn_at")
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Consent is the owner's to give or withdraw (their privacy page), never staff's.
        if obj is not None and not can_see_full_nik(request):
            return ("nik_masked", "consent_at", "consent_withdrawn_at")
        return ("consent_at", "consent_withdrawn_at")


class CertificationInline(admin.TabularInline):
    model = Certification
    form = CertificationForm  # the same content and size checks as the owner's upload
    extra = 0
    fields = ("kind", "number", "issued_on", "valid_until", "document")


class DuplicateFlagInline(admin.TabularInline):
    model = DuplicateFlag
    fk_name = "business"
    extra = 0
    fields = ("other", "reason", "resolved", "created_at")
    readonly_fields = ("other", "reason", "created_at")
    verbose_name_plural = _("kemungkinan duplikat")

    def has_add_permission(self, request, obj=None):
        return False


class KecamatanFilter(admin.SimpleListFilter):
    title = _("kecamatan")
    parameter_name = "kecamatan"

    def lookups(self, request, model_admin):
        return [(k.pk, k.name) for k in Kecamatan.objects.all()]

    def queryset(self, request, queryset):
        return queryset.filter(kelurahan__kecamatan_id=self.value()) if self.value() else queryset


class CertificationFilter(admin.SimpleListFilter):
    title = _("sertifikasi")
    parameter_name = "sertifikasi"

    def lookups(self, request, model_admin):
        return [("none", _("Belum ada")), *CertificationKind.choices]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(certifications__isnull=True)
        if self.value():
            return queryset.filter(Q(pk__in=Certification.objects.filter(kind=self.value()).values("business_id")))
        return queryset


class SizeClassFilter(admin.SimpleListFilter):
    """The size classes as fixed choices: Django's default for a generated field lists them by a
    SELECT DISTINCT over every business (a full scan per page at province scale)."""

    title = _("kelas usaha")
    parameter_name = "kelas"

    def lookups(self, request, model_admin):
        return SizeClass.choices

    def queryset(self, request, queryset):
        return queryset.filter(size_class=self.value()) if self.value() in SizeClass.values else queryset


class OnlineFilter(admin.SimpleListFilter):
    """Ya / Tidak, read from the generated column without a scan of every business."""

    title = _("berjualan online")
    parameter_name = "online"

    def lookups(self, request, model_admin):
        return [("ya", _("Ya")), ("tidak", _("Tidak"))]

    def queryset(self, request, queryset):
        if self.value() in ("ya", "tidak"):
            return queryset.filter(is_online=self.value() == "ya")
        return queryset


class DuplicateFilter(admin.SimpleListFilter):
    title = _("kemungkinan duplikat")
    parameter_name = "duplikat"

    def lookups(self, request, model_admin):
        return [("open", _("Perlu diperiksa"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(pk__in=DuplicateFlag.objects.filter(resolved=False).values("business_id"))
        return queryset


@cache
def _without_nik(changelist: type) -> type:
    """The list of businesses without their owners' NIK: encrypted at rest, it was decrypted for
    every row (50 a page) and the list never shows it."""

    class WithoutNik(changelist):
        def get_queryset(self, request, exclude_parameters=None):
            return super().get_queryset(request, exclude_parameters).defer("owner__nik")

    return WithoutNik


class RejectForm(ControlCharacterFormMixin, forms.Form):
    reason = forms.CharField(label=_("Alasan penolakan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


@admin.register(Business)
class BusinessAdmin(
    EstimatedCountAdminMixin,
    PlainActionCheckboxMixin,
    ValidHtmlAdminMixin,
    BusinessImportExportMixin,
    PhoneAwareSearchMixin,
    HistoryWithoutRevertAdmin,
):
    list_display = ("name", "nib", "owner", "kelurahan", "kecamatan", "kbli_code", "size_class_label", "online", "status")
    list_select_related = ("owner", "kelurahan__kecamatan", "kbli")
    # Filters whose choices come from small tables or fixed lists: none scans the businesses
    # (RelatedOnlyFieldListFilter and the generated fields' defaults each did, per page view).
    list_filter = (
        "status",
        KecamatanFilter,
        "kelurahan",
        "kbli",
        SizeClassFilter,
        OnlineFilter,
        CertificationFilter,
        DuplicateFilter,
    )
    search_fields = ("name", "nib", "owner__name", "owner__phone", "products")
    autocomplete_fields = ("owner", "kbli", "kelurahan")
    checkbox_fields = ("marketplaces",)  # ValidHtmlAdminMixin
    readonly_fields = (
        "size_class",
        "online",  # the generated is_online shown as a boolean icon, not "False"
        "status",
        "rejection_reason",
        "status_changed_at",
        "status_changed_by",
        "verified_at",
        "deactivated_at",
        "owner_contact",
        "created_at",
        "updated_at",
    )
    inlines = (CertificationInline, DuplicateFlagInline)
    actions = ("verify", "reject", "deactivate")
    list_per_page = 50
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("name", "products", "nib", "kbli", "owner", "owner_contact")}),
        (_("Lokasi"), {"fields": ("kelurahan", "address")}),
        (
            _("Skala usaha"),
            {"fields": ("year_founded", ("workers_male", "workers_female"), "investment", "size_class", "turnover_2019")},
        ),
        (
            _("Saluran penjualan"),
            {
                "fields": (
                    "sells_in_shop",
                    "sells_on_marketplace",
                    "marketplaces",
                    "sells_on_social_media",
                    "social_media",
                    "sells_on_whatsapp",
                    "website",
                    "online",
                )
            },
        ),
        (_("Jangkauan pasar"), {"fields": ("reaches_city", "reaches_province", "reaches_other_provinces", "reaches_export")}),
        (
            _("Status"),
            {
                "fields": (
                    "status",
                    "rejection_reason",
                    "status_changed_at",
                    "status_changed_by",
                    ("verified_at", "deactivated_at"),
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    def get_changelist(self, request, **kwargs):
        return _without_nik(super().get_changelist(request, **kwargs))

    def get_export_queryset(self, request):
        # The export is built from the change list's rows (its filters and search) but writes
        # the owner's NIK: read it with the rows, not once per row.
        return super().get_export_queryset(request).defer(None)

    @admin.display(description=_("kecamatan"), ordering="kelurahan__kecamatan__name")
    def kecamatan(self, obj):
        return obj.kelurahan.kecamatan

    @admin.display(description=_("KBLI"), ordering="kbli__code")
    def kbli_code(self, obj):
        return obj.kbli.code

    @admin.display(description=_("kelas usaha"), ordering="size_class")
    def size_class_label(self, obj):
        # The generated field keeps its output field's choices out of reach of get_FOO_display.
        return SizeClass(obj.size_class).label if obj.size_class in SizeClass.values else "—"

    @admin.display(description=_("berjualan online"), boolean=True, ordering="is_online")
    def online(self, obj):
        return obj.is_online

    def has_delete_permission(self, request, obj=None):
        # A business is never deleted (its reports, registrations and history would go or
        # block): staff archive it with "Nonaktifkan", which keeps everything.
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            services.business_create_by_staff(business=obj, actor=request.user)
            return
        services.business_update_by_staff(business=obj, changed=form.changed_data, actor=request.user)

    @admin.display(description=_("kontak pemilik"))
    def owner_contact(self, obj):
        owner = obj.owner
        return format_html("NIK {} · {} · {}", owner.nik_masked, owner.phone, owner.email or "—")

    @admin.display(description=_("kontak pemilik"))
    def owner_contact_full(self, obj):
        owner = obj.owner
        return format_html("NIK {} · {} · {}", owner.nik, owner.phone, owner.email or "—")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = _shown_object(response)
        if original is not None:
            nik_reads_record(request=request, owner_ids=[original.owner_id])
        return response

    def render_history_view(self, request, template, context, **kwargs):
        # A past version (history_form_view) is shown with the change page's fields, the
        # owner's NIK among them; the list of versions has no "original" and shows none.
        response = super().render_history_view(request, template, context, **kwargs)
        original = context.get("original")
        if response.status_code == 200 and original is not None and original.owner_id:
            nik_reads_record(request=request, owner_ids=[original.owner_id])
        return response

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return tuple("owner_contact_full" if f == "owner_contact" else f for f in fields) if can_see_full_nik(request) else fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not can_see_full_nik(request):
            return fieldsets
        first = fieldsets[0][1]["fields"]
        return ((None, {"fields": tuple("owner_contact_full" if f == "owner_contact" else f for f in first)}), *fieldsets[1:])

    def response_change(self, request, obj):
        decisions = {
            "_verify": BusinessStatus.VERIFIED,
            "_reject": BusinessStatus.REJECTED,
            "_deactivate": BusinessStatus.INACTIVE,
        }
        for button, status in decisions.items():
            if button in request.POST:
                self._set_status(request, Business.objects.filter(pk=obj.pk), status, request.POST.get("decision_reason", ""))
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _set_status(self, request, queryset, status, reason=""):
        try:
            changed = services.businesses_set_status(
                business_ids=list(queryset.values_list("pk", flat=True)), status=status, actor=request.user, reason=reason
            )
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d usaha diubah menjadi “%(status)s”; pemiliknya diberi tahu.",
                "%(count)d usaha diubah menjadi “%(status)s”; pemiliknya diberi tahu.",
                len(changed),
            )
            % {"count": len(changed), "status": BusinessStatus(status).label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Verifikasi usaha terpilih"), permissions=["change"])
    def verify(self, request, queryset):
        self._set_status(request, queryset, BusinessStatus.VERIFIED)

    @admin.action(description=_("Nonaktifkan usaha terpilih"), permissions=["change"])
    def deactivate(self, request, queryset):
        self._set_status(request, queryset, BusinessStatus.INACTIVE)

    @admin.action(description=_("Tolak usaha terpilih (dengan alasan)…"), permissions=["change"])
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._set_status(request, queryset, BusinessStatus.REJECTED, form.cleaned_data["reason"])
            return None
        return TemplateResponse(
            request,
            "admin/businesses/business/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Tolak pendaftaran usaha"),
                "form": form,
                "businesses": queryset.select_related("owner"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ("business", "requested_by", "requested_at", "field_count", "status")
    list_filter = ("status",)
    list_select_related = ("business", "requested_by")
    search_fields = ("business__name", "business__nib")
    fields = ("business", "requested_by", "requested_at", "comparison", "status", "decided_by", "decided_at", "decision_note")
    readonly_fields = ("business", "requested_by", "requested_at", "comparison", "status", "decided_by", "decided_at")
    actions = ("approve_selected",)
    change_form_template = "admin/businesses/changerequest/change_form.html"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("jumlah isian"))
    def field_count(self, obj):
        return len(obj.changes)

    @admin.display(description=_("perubahan"))
    def comparison(self, obj):
        labels = {f.name: f.verbose_name for f in Business._meta.get_fields() if hasattr(f, "verbose_name")}
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td><strong>{}</strong></td></tr>",
            ((labels.get(field, field), change["old_display"], change["new_display"]) for field, change in obj.changes.items()),
        )
        return format_html(
            "<table><thead><tr><th scope='col'>{}</th><th scope='col'>{}</th><th scope='col'>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("Isian"),
            _("Lama"),
            _("Baru"),
            rows,
        )

    def response_change(self, request, obj):
        decision = "_approve" in request.POST or "_reject" in request.POST
        if decision and obj.status == ChangeRequestStatus.PENDING:
            try:
                services.change_request_decide(
                    change_request_id=obj.pk,
                    approve="_approve" in request.POST,
                    actor=request.user,
                    note=request.POST.get("decision_note", ""),
                )
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
                return super().response_change(request, obj)
            self.message_user(request, _("Keputusan disimpan dan pemilik diberi tahu."), messages.SUCCESS)
        return super().response_change(request, obj)

    def save_model(self, request, obj, form, change):
        # The decision is made by the service in response_change; only the note is edited here.
        if obj.status == ChangeRequestStatus.PENDING and "_approve" not in request.POST and "_reject" not in request.POST:
            super().save_model(request, obj, form, change)

    @admin.action(description=_("Setujui permintaan terpilih"), permissions=["change"])
    def approve_selected(self, request, queryset):
        done = 0
        for change_request in queryset.filter(status=ChangeRequestStatus.PENDING):
            try:
                services.change_request_decide(change_request_id=change_request.pk, approve=True, actor=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{change_request}: {'; '.join(error.messages)}", messages.ERROR)
        self.message_user(request, _("%(count)d permintaan disetujui.") % {"count": done}, messages.SUCCESS)


@admin.register(DuplicateFlag)
class DuplicateFlagAdmin(admin.ModelAdmin):
    list_display = ("business", "other", "reason", "created_at", "resolved")
    list_filter = ("resolved", "reason")
    list_select_related = ("business", "other")
    search_fields = ("business__name", "other__name")
    readonly_fields = ("business", "other", "reason", "created_at")
    actions = ("mark_resolved",)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Tandai sudah diperiksa"), permissions=["change"])
    def mark_resolved(self, request, queryset):
        queryset.update(resolved=True)


admin.site.site_header = _("Admin Portal Pemulihan IKM Payakumbuh")
admin.site.site_title = _("Admin Portal IKM")
admin.site.index_title = _("Disnakerin Kota Payakumbuh")
