"""The showcase search's filters (a GET form: no CSRF token, so result pages can be cached)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from safetext.forms import ControlCharacterFormMixin

from . import selectors
from .models import ProductReportReason
from .search import Filters


class SearchForm(ControlCharacterFormMixin, forms.Form):
    """Every field optional; an invalid value is ignored rather than refusing the whole search."""

    q = forms.CharField(label=_("Cari produk atau usaha"), required=False, max_length=100)
    kategori = forms.ModelChoiceField(
        label=_("Kategori"),
        queryset=selectors.categories_all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Semua kategori"),
    )
    sentra = forms.ModelChoiceField(
        label=_("Sentra"), queryset=selectors.sentra_all(), to_field_name="slug", required=False, empty_label=_("Semua sentra")
    )
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"),
        queryset=selectors.kecamatan_all(),
        to_field_name="code",
        required=False,
        empty_label=_("Semua kecamatan"),
    )
    harga_min = forms.IntegerField(label=_("Harga dari (Rp)"), required=False, min_value=0, max_value=10**12)
    harga_max = forms.IntegerField(label=_("Harga sampai (Rp)"), required=False, min_value=0, max_value=10**12)
    urut = forms.ChoiceField(
        label=_("Urutkan"),
        required=False,
        choices=[
            ("", _("Paling sesuai")),
            ("terbaru", _("Terbaru")),
            ("termurah", _("Harga terendah")),
            ("termahal", _("Harga tertinggi")),
            ("nama", _("Nama (A–Z)")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.IntegerField):
                field.widget.attrs.update({"class": "form-control form-control-sm", "step": "1000", "inputmode": "numeric"})
            elif name != "q":
                field.widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> Filters:
        """The valid parts of what was asked; a field with a bad value counts as not given."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        kecamatan = data.get("kecamatan")
        return Filters(
            q=data.get("q") or "",
            category=data.get("kategori"),
            sentra=data.get("sentra"),
            kecamatan=kecamatan.code if kecamatan else "",
            price_min=data.get("harga_min"),
            price_max=data.get("harga_max"),
            sort=data.get("urut") or "",
        )


class ReportForm(ControlCharacterFormMixin, forms.Form):
    """A visitor's report on a product: why, and optionally what they saw."""

    reason = forms.ChoiceField(label=_("Alasan"), choices=ProductReportReason.choices, widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Keterangan (boleh kosong)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
