from datetime import date
from functools import cached_property

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from businesses.forms import RupiahField
from businesses.models import Kecamatan
from businesses.reference import kbli_divisions
from safetext.forms import ControlCharacterFormMixin

from . import report_files, selectors
from .models import (
    CHANNEL_FIELDS,
    FIRST_PERIOD,
    HEALTH_FIELDS,
    MARKET_FIELDS,
    PROBLEM_FIELDS,
    Measure,
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
        # No placeholder: HTML allows none on type="month"; a browser without a month picker gets
        # a plain text box, and the error message gives the format.
        return {**super().widget_attrs(widget), "min": f"{FIRST_PERIOD:%Y-%m}"}

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


class ReportForm(ControlCharacterFormMixin, forms.ModelForm):
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


class ReturnForm(ControlCharacterFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Apa yang perlu diperbaiki?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tuliskan apa yang perlu diperbaiki.")},
    )


class PeriodFilterForm(ControlCharacterFormMixin, forms.Form):
    """The month (and for lists, the kecamatan) a staff page shows; invalid values are ignored."""

    periode = MonthField(label=_("Bulan"), required=False)
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"), queryset=Kecamatan.objects.order_by("name"), required=False, empty_label=_("Semua kecamatan")
    )

    def __init__(self, *args, with_kecamatan: bool = True, default=selectors.period_default, **kwargs):
        """``default`` gives the month shown when none (or an impossible one) is asked for: last
        month for the lists that chase reports, the latest complete month for figures."""
        super().__init__(*args, **kwargs)
        self._default = default
        if not with_kecamatan:
            del self.fields["kecamatan"]

    def values(self) -> tuple:
        cleaned = self.cleaned_data if self.is_valid() else {}
        period = cleaned.get("periode")
        if period is None or not FIRST_PERIOD <= period <= current_period():
            period = self._default()
        return period, cleaned.get("kecamatan")


class NudgeForm(ControlCharacterFormMixin, forms.Form):
    """What staff's "Ingatkan" button posts: the month, and one business or one kecamatan (or
    neither: every business of the month's follow-up list)."""

    periode = MonthField(label=_("Bulan"))
    usaha = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    kecamatan = forms.ModelChoiceField(queryset=Kecamatan.objects.all(), required=False, widget=forms.HiddenInput)

    def clean_periode(self):
        period = self.cleaned_data["periode"]
        if not FIRST_PERIOD <= period <= current_period():
            raise forms.ValidationError(_("Bulan di luar masa program."), code="out_of_range")
        return period


def sector_choices() -> list[tuple[str, str]]:
    """KBLI divisions (two digits) named by the newest KBLI version that has them."""
    names: dict[str, tuple[int, str]] = {}
    for (version, code), title in kbli_divisions().items():
        if code not in names or version > names[code][0]:
            names[code] = (version, title)
    return [(code, f"{code} {title}") for code, (_version, title) in sorted(names.items())]


# The dashboard shows a year unless asked for another range.
DEFAULT_MONTHS = 12


class DashboardFilterForm(ControlCharacterFormMixin, forms.Form):
    """The dashboard's months, kecamatan and sector, read from the URL (so the export link and a
    shared link show the same figures). A value that does not parse is ignored, not an error."""

    dari = MonthField(label=_("Dari bulan"), required=False)
    sampai = MonthField(label=_("Sampai bulan"), required=False)
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"), queryset=Kecamatan.objects.order_by("name"), required=False, empty_label=_("Semua kecamatan")
    )
    sektor = forms.ChoiceField(label=_("Sektor (golongan pokok KBLI)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sektor"].choices = [("", _("Semua sektor")), *sector_choices()]
        # The headline month when none is asked for: the latest complete one (a month still being
        # reported would show a fall that is only missing reports); the page shows the newest
        # month beside it, labelled provisional.
        if not self.is_bound:  # a filled form shows what was asked (and reads no default)
            self.fields["sampai"].initial = self.default_end
            self.fields["dari"].initial = selectors.month_add(self.default_end, -(DEFAULT_MONTHS - 1))
        for name in ("dari", "sampai"):
            self.fields[name].widget.attrs["max"] = f"{current_period():%Y-%m}"

    @cached_property
    def default_end(self) -> date:
        return selectors.latest_complete_period()

    def values(self) -> tuple:
        """(start, end, scope): ``end`` defaults to the latest complete month, ``start`` to a year before it;
        months outside the reporting range are pulled in and a reversed range is put right."""
        cleaned = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds the fields that are valid
            cleaned = self.cleaned_data
        end = cleaned.get("sampai") or self.default_end
        end = min(max(end, FIRST_PERIOD), current_period())
        start = cleaned.get("dari") or selectors.month_add(end, -(DEFAULT_MONTHS - 1))
        start = min(max(start, FIRST_PERIOD), current_period())
        if start > end:
            start, end = end, start
        kecamatan = cleaned.get("kecamatan")
        scope = selectors.Scope(kecamatan_id=kecamatan.pk if kecamatan else None, division=cleaned.get("sektor") or None)
        return start, end, scope


class TargetForm(ControlCharacterFormMixin, forms.Form):
    measure = forms.ChoiceField(label=_("Ukuran"), choices=Measure.choices)
    period = MonthField(label=_("Tercapai pada bulan"), error_messages={"required": _("Pilih bulan target.")})
    value = forms.DecimalField(
        label=_("Nilai target"),
        min_value=0,
        max_digits=9,
        decimal_places=1,
        help_text=_(
            "Dalam persen untuk porsi, median, tenaga kerja dan kelengkapan (60 berarti 60%); "
            "jumlah usaha untuk IKM aktif. Untuk sulit bahan baku, target adalah batas atas."
        ),
        error_messages={
            "min_value": _("Target tidak boleh negatif."),
            "invalid": _("Tulis angka, misalnya 60."),
            "required": _("Tulis nilai target."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "0.1"}),
    )
    note = forms.CharField(label=_("Catatan (tidak wajib)"), max_length=255, required=False)

    def clean(self):
        cleaned = super().clean()
        measure, value = cleaned.get("measure"), cleaned.get("value")
        if measure and value is not None and measure != Measure.ACTIVE and value > 100:
            self.add_error("value", _("Target persentase paling tinggi 100%."))
        period = cleaned.get("period")
        if period and period < FIRST_PERIOD:
            self.add_error("period", _("Target paling awal untuk Januari 2020."))
        return cleaned


class ReportScheduleForm(ControlCharacterFormMixin, forms.Form):
    """When the monthly report is built and to whom it is e-mailed (staff and officials)."""

    day_of_month = forms.IntegerField(
        label=_("Tanggal pembuatan laporan bulanan"),
        min_value=1,
        max_value=28,
        help_text=_("1–28. Tanggal 1: segera setelah batas pelaporan bulan itu lewat."),
        error_messages={
            "min_value": _("Pilih tanggal 1 sampai 28."),
            "max_value": _("Pilih tanggal 1 sampai 28."),
            "invalid": _("Tulis tanggal dengan angka 1 sampai 28."),
        },
    )
    recipients = forms.ModelMultipleChoiceField(
        label=_("Penerima e-mail"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tidak ada yang dipilih: semua pejabat kota yang punya alamat e-mail."),
    )
    excel_attach_max_kb = forms.IntegerField(
        label=_("Batas lampiran Excel (KB)"),
        min_value=0,
        max_value=20_480,
        help_text=_(
            "Berkas Excel yang lebih besar tidak dilampirkan; tautannya tetap ada di e-mail. 0: tidak pernah dilampirkan."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = report_files.report_recipients_choices()
        self.fields["recipients"].label_from_instance = lambda user: f"{user.get_full_name() or user.email} ({user.email})"
