"""The showcase's forms: input validation and layout only; writes are in showcase/services.py."""

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from safetext.forms import ControlCharacterFormMixin

from .links import store_link_validate
from .models import Product, ProductPhoto, Profile, StoreKind


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label=_(
            "Saya setuju nama usaha, cerita, kecamatan dan kelurahan, sentra, produk, foto, tautan toko dan nomor "
            "WhatsApp pesanan yang saya pilih ditampilkan untuk umum di Etalase IKM Payakumbuh."
        ),
        error_messages={"required": _("Centang persetujuan untuk menampilkan usaha Anda.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ProfileForm(ControlCharacterFormMixin, forms.ModelForm):
    class Meta:
        model = Profile
        fields = ("story", "sentra", "order_phone", "show_address")
        widgets = {
            "story": forms.Textarea(attrs={"rows": 5}),
            "order_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sentra"].queryset = self.fields["sentra"].queryset.select_related(None).order_by("name")
        self.fields["sentra"].empty_label = _("— bukan anggota sentra —")
        self.fields["show_address"].help_text = _(
            "Bila tidak dicentang, pembeli hanya melihat kelurahan dan kecamatan, bukan alamat jalan."
        )
        self.helper = _helper()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos at once from a phone's gallery (Django's documented multiple-file field)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/*", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ProductForm(ControlCharacterFormMixin, forms.ModelForm):
    """A product with photos to add (the photos themselves are checked by the service)."""

    photos = MultiplePhotoField(label=_("Foto produk"), required=False)

    class Meta:
        model = Product
        fields = ("name", "description", "price_min", "price_max", "unit", "min_order", "shipping_note")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "price_min": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
            "price_max": forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
            "min_order": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "step": 1}),
        }

    def __init__(self, *args, photo_room: int = ProductPhoto.MAX_PER_PRODUCT, **kwargs):
        super().__init__(*args, **kwargs)
        self.photo_room = photo_room
        self.fields["photos"].help_text = _(
            "JPG, PNG atau WebP, paling besar %(size)s per foto; masih bisa %(room)d foto lagi. "
            "Foto diperkecil dan data lokasi (GPS) di dalamnya dihapus."
        ) % {"size": filesizeformat(settings.SHOWCASE_PHOTO_MAX_BYTES), "room": photo_room}
        if photo_room <= 0:
            self.fields["photos"].disabled = True
        self.helper = _helper()

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > self.photo_room:
            raise forms.ValidationError(
                _("Paling banyak %(max)d foto per produk; Anda masih bisa menambah %(room)d.")
                % {"max": ProductPhoto.MAX_PER_PRODUCT, "room": self.photo_room}
            )
        return photos

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("price_min"), cleaned.get("price_max")
        if low is not None and high is not None and high < low:
            self.add_error("price_max", _("Harga tertinggi tidak boleh di bawah harga terendah."))
        return cleaned

    def product_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class StoreLinkForm(ControlCharacterFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Toko"), choices=StoreKind.choices)
    url = forms.CharField(
        label=_("Alamat tautan"),
        max_length=500,
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
        help_text=_("Salin alamat toko atau produk dari aplikasi marketplace (tombol Bagikan → Salin tautan)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("url"):
            try:
                cleaned["url"] = store_link_validate(cleaned["kind"], cleaned["url"])
            except forms.ValidationError as error:
                self.add_error("url", error)
        return cleaned


class RefusalForm(ControlCharacterFormMixin, forms.Form):
    """Staff's reason for refusing, told to the owner as written."""

    reason = forms.CharField(
        label=_("Alasan penolakan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Dikirim kepada pemilik. Tulis apa yang perlu diperbaiki."),
    )
