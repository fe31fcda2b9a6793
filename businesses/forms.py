import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.forms import AccountFieldsMixin
from safetext.forms import ControlCharacterFormMixin

from .identifiers import NibFormField, NikFormField
from .models import Business, Certification, Kelurahan
from .selectors import kbli_current
from .services import OWNER_EDITABLE_FIELDS
from .validators import certificate_number_normalize


class RupiahField(forms.IntegerField):
    """Whole Rupiah, typed the way people write it: 1.250.000, Rp 1.250.000 or 1250000."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault(
            "error_messages",
            {"invalid": _("Tulis angka dalam Rupiah, misalnya 1.250.000."), "min_value": _("Nilai tidak boleh negatif.")},
        )
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"(?i)^\s*rp\.?\s*|[\s.]", "", value)
            if "," in value:  # decimals (sen) are not used
                value = value.split(",", 1)[0]
        return super().to_python(value)


class KbliSelect(forms.Select):
    """Options carry local product names so the picker (static/js/kbli-picker.js) can find
    a code by typing rendang, galamai or bordir."""

    def __init__(self, *args, keywords=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.keywords = keywords or {}
        self.attrs["data-kbli-picker"] = ""
        self.attrs["data-search-label"] = _("Cari KBLI atau produk (mis. rendang, galamai, bordir)")

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        key = getattr(value, "value", value)
        # A model choice carries its row: the products come with the options' one query.
        instance = getattr(value, "instance", None)
        keywords = self.keywords.get(key) or getattr(instance, "products", "")
        if keywords:
            option["attrs"]["data-keywords"] = keywords
        return option


SALES_CHANNEL_FIELDS = (
    "sells_in_shop",
    "sells_on_marketplace",
    "marketplaces",
    "sells_on_social_media",
    "social_media",
    "sells_on_whatsapp",
    "website",
)
MARKET_FIELDS = ("reaches_city", "reaches_province", "reaches_other_provinces", "reaches_export")


class BusinessForm(ControlCharacterFormMixin, forms.ModelForm):
    # Longer than 13 so a NIB typed with spaces or dots reaches its field and is tidied there.
    nib = NibFormField(
        label=_("NIB (Nomor Induk Berusaha, 13 angka)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    investment = RupiahField(label=_("Investasi tanpa tanah dan bangunan (Rp)"))
    website = forms.URLField(label=_("Situs web sendiri"), required=False, assume_scheme="https")
    turnover_2019 = RupiahField(
        label=_("Omzet rata-rata per bulan pada 2019 (Rp)"), help_text=_("Sebelum pandemi. Perkiraan boleh.")
    )

    class Meta:
        model = Business
        fields = ("nib", *OWNER_EDITABLE_FIELDS)
        widgets = {
            "products": forms.Textarea(attrs={"rows": 2}),
            "marketplaces": forms.CheckboxSelectMultiple,
            "workers_male": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "workers_female": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
            "year_founded": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }
        labels = {
            "kbli": _("Jenis industri (KBLI)"),
            "sells_in_shop": _("Toko atau kios"),
            "sells_on_marketplace": _("Marketplace"),
            "sells_on_social_media": _("Media sosial (Instagram, Facebook, TikTok)"),
            "sells_on_whatsapp": _("WhatsApp"),
            "reaches_city": _("Dalam Kota Payakumbuh"),
            "reaches_province": _("Sumatera Barat"),
            "reaches_other_provinces": _("Provinsi lain"),
            "reaches_export": _("Luar negeri (ekspor)"),
        }

    def __init__(self, *args, include_nib: bool = True, tell_if_nib_taken: bool = True, **kwargs):
        """``tell_if_nib_taken=False`` for the anonymous sign-up: whether a NIB is registered is
        not said to whoever asks (the service answers the same and tells the NIB's owner)."""
        super().__init__(*args, **kwargs)
        self.tell_if_nib_taken = tell_if_nib_taken
        if not include_nib:
            del self.fields["nib"]
        self.fields["kbli"].queryset = kbli_current()
        self.fields["kbli"].widget = KbliSelect()
        self.fields["kbli"].widget.choices = self.fields["kbli"].choices
        self.fields["kbli"].label_from_instance = lambda k: f"{k.code} · {k.title}" + (f" ({k.products})" if k.products else "")
        self.fields["kelurahan"].queryset = Kelurahan.objects.select_related("kecamatan").order_by("kecamatan__name", "name")
        self.fields["kelurahan"].label_from_instance = lambda k: f"{k.name} — {k.kecamatan.name}"
        self.fields["year_founded"].widget.attrs["max"] = timezone.localdate().year
        if self.instance.pk is None:
            # A new business: no figure or market answered for the owner. Workers 0 and 0 stood
            # in the fields as if answered, and were refused when sent unchanged; "Dalam Kota
            # Payakumbuh" stood ticked before the owner had read the question.
            for name in ("workers_male", "workers_female", "reaches_city"):
                self.fields[name].initial = None
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # The yes/no boxes answer a question each group states in its legend (WCAG 1.3.1).
        self.helper.layout = Layout(
            *(["nib"] if include_nib else []),
            *OWNER_EDITABLE_FIELDS[: OWNER_EDITABLE_FIELDS.index("workers_male")],
            Fieldset(_("Berapa orang bekerja di usaha ini, termasuk pemilik?"), "workers_male", "workers_female"),
            "investment",
            "turnover_2019",
            Fieldset(_("Di mana Anda menjual produk? Centang semua yang dipakai."), *SALES_CHANNEL_FIELDS),
            Fieldset(_("Ke mana saja produk Anda terjual? Centang paling sedikit satu."), *MARKET_FIELDS),
        )

    def validate_unique(self):
        if self.tell_if_nib_taken:
            super().validate_unique()

    def clean_year_founded(self):
        year = self.cleaned_data["year_founded"]
        if year and year > timezone.localdate().year:
            raise forms.ValidationError(_("Tahun berdiri tidak boleh di masa depan."))
        return year

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("workers_male") is not None and cleaned.get("workers_female") is not None:
            if cleaned["workers_male"] + cleaned["workers_female"] < 1:
                self.add_error("workers_female", _("Isi jumlah tenaga kerja, termasuk pemilik yang ikut bekerja."))
        if cleaned.get("marketplaces"):
            cleaned["sells_on_marketplace"] = True
        elif cleaned.get("sells_on_marketplace"):
            self.add_error("marketplaces", _("Pilih marketplace yang dipakai."))
        if cleaned.get("sells_on_social_media") and not cleaned.get("social_media"):
            self.add_error("social_media", _("Tulis akun media sosial usaha, misalnya @rendanguniyan."))
        if not any(cleaned.get(f) for f in MARKET_FIELDS):
            self.add_error("reaches_city", _("Pilih paling sedikit satu jangkauan pasar."))
        return cleaned


class SignupForm(AccountFieldsMixin, forms.Form):
    nik = NikFormField(
        label=_("NIK (16 angka, sesuai KTP)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("NIK hanya dilihat petugas yang memverifikasi dan tidak pernah ditampilkan utuh."),
    )
    consent = forms.BooleanField(
        label=_(
            "Saya setuju data pribadi saya diproses Disnakerin Kota Payakumbuh untuk program pemulihan IKM "
            "(UU 27/2022 tentang Pelindungan Data Pribadi)."
        ),
        error_messages={"required": _("Persetujuan diperlukan untuk mendaftar.")},
    )

    field_order = ("full_name", "nik", "phone", "email", "password1", "password2", "consent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read before consenting: the notice opens in a new tab, so what was typed stays.
        self.fields["consent"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("pages:detail", args=["privasi"]),
            _("Baca pemberitahuan privasi: data apa yang diproses, untuk apa, dan hak Anda (tab baru)"),
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def validate_document(upload) -> None:
    """Scans are PDF, JPEG or PNG, checked by their first bytes as well as their name."""
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        raise forms.ValidationError(
            _("Berkas terlalu besar (maksimal %(mb)d MB).") % {"mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}
        )
    name = upload.name.lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    head = upload.read(16)
    upload.seek(0)
    if extension not in _SIGNATURES or not any(head.startswith(sig) for sig in _SIGNATURES[extension]):
        raise forms.ValidationError(_("Unggah pindaian berbentuk PDF, JPG atau PNG."))


class CertificationForm(ControlCharacterFormMixin, forms.ModelForm):
    class Meta:
        model = Certification
        fields = ("kind", "number", "issued_on", "valid_until", "document")
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "document": forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and hasattr(document, "content_type"):
            validate_document(document)
        return document

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("number"):
            try:
                cleaned["number"] = certificate_number_normalize(cleaned["kind"], cleaned["number"])
            except forms.ValidationError as error:
                self.add_error("number", error)
        return cleaned
