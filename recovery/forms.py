from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from businesses.forms import RupiahField
from businesses.models import Kecamatan

from . import selectors
from .models import (
    CHANNEL_FIELDS,
    FIRST_PERIOD,
    HEALTH_FIELDS,
    MARKET_FIELDS,
    PROBLEM_FIELDS,
    MonthlyReport,
    OperatingStatus,
    RawMaterialAccess,
    current_period,
)
from .services import REPORT_FIELDS


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.CharField):
    """A month as ``YYYY-MM`` (phones show a month picker for <input type="month">)."""

    widget = MonthInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "min": f"{FIRST_PERIOD:%Y-%m}", "placeholder": "2026-01"}

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if hasattr(value, "strftime") else value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        period = selectors.period_parse(value)
        if period is None:
            raise forms.ValidationError(_("Tulis bulan sebagai TTTT-BB, misalnya 2026-01."), code="invalid")
        return period


def _count_field(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        error_messages={"min_value": _("Jumlah tenaga kerja tidak boleh negatif."), "invalid": _("Tulis angka bulat.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )


class ReportForm(forms.ModelForm):
    """The owner's monthly report, short enough for a phone. Hard checks live here and in the
    model; the soft warning (unusual turnover) comes back from the service and is confirmed with
    ``confirmed_unusual``."""

    period = MonthField(label=_("Bulan laporan"), error_messages={"required": _("Pilih bulan laporan.")})
    turnover = RupiahField(label=_("Omzet bulan ini (Rp)"), required=False)
    workers_male = _count_field(_("Tenaga kerja laki-laki"))
    workers_female = _count_field(_("Tenaga kerja perempuan"))
    online_share = forms.IntegerField(
        label=_("Porsi penjualan online (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("Berapa persen penjualan lewat marketplace, media sosial atau WhatsApp; 0 bila tidak ada."),
        error_messages={
            "min_value": _("Porsi online antara 0 dan 100 persen."),
            "max_value": _("Porsi online antara 0 dan 100 persen."),
            "invalid": _("Tulis angka bulat antara 0 dan 100."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 100}),
    )
    production_volume = forms.DecimalField(
        label=_("Volume produksi"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        error_messages={"min_value": _("Volume produksi tidak boleh negatif."), "invalid": _("Tulis angka, misalnya 120.")},
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "any"}),
    )
    operating_status = forms.ChoiceField(
        label=_("Status operasi"), required=False, choices=OperatingStatus.choices, widget=forms.RadioSelect
    )
    raw_materials = forms.ChoiceField(
        label=_("Akses bahan baku"), required=False, choices=RawMaterialAccess.choices, widget=forms.RadioSelect
    )
    confirmed_unusual = forms.BooleanField(label=_("Ya, angka ini benar"), required=False)

    class Meta:
        model = MonthlyReport
        fields = ("period", *REPORT_FIELDS)
        labels = {
            "no_activity": _("Tidak ada kegiatan usaha bulan ini (tidak berproduksi dan tidak berjualan sama sekali)"),
            "production_unit": _("Satuan"),
            "problem_note": _("Masalah lainnya"),
        }

    groups = (
        (_("Saluran penjualan yang dipakai"), CHANNEL_FIELDS),
        (_("Pasar yang dijangkau"), MARKET_FIELDS),
        (_("Protokol kesehatan yang dijalankan"), HEALTH_FIELDS),
        (_("Masalah utama bulan ini"), PROBLEM_FIELDS),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].widget.attrs["max"] = f"{current_period():%Y-%m}"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # Shown when the service asked for confirmation, or when it was already ticked.
        self.show_confirm = bool(self.data.get(self.add_prefix("confirmed_unusual")))

    def checkbox_groups(self):
        return [(label, [self[name] for name in names]) for label, names in self.groups]

    def clean_period(self):
        period = self.cleaned_data["period"]
        if period and period < FIRST_PERIOD:
            raise forms.ValidationError(_("Laporan paling awal untuk Januari 2020."))
        if period and period > current_period():
            raise forms.ValidationError(_("Bulan laporan tidak boleh di masa depan."))
        return period


class ReturnForm(forms.Form):
    note = forms.CharField(
        label=_("Apa yang perlu diperbaiki?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tuliskan apa yang perlu diperbaiki.")},
    )


class PeriodFilterForm(forms.Form):
    """The month (and for lists, the kecamatan) a staff page shows; invalid values are ignored."""

    periode = MonthField(label=_("Bulan"), required=False)
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"), queryset=Kecamatan.objects.order_by("name"), required=False, empty_label=_("Semua kecamatan")
    )

    def __init__(self, *args, with_kecamatan: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_kecamatan:
            del self.fields["kecamatan"]

    def values(self) -> tuple:
        cleaned = self.cleaned_data if self.is_valid() else {}
        period = cleaned.get("periode")
        if period is None or not FIRST_PERIOD <= period <= current_period():
            period = selectors.period_default()
        return period, cleaned.get("kecamatan")
