"""The buyer's inquiry form: what is asked, how it is checked, and its spam guards.

Without a third-party service: a hidden field people never see (``situs``, robots fill it in),
and a signed time (``tanda``) that refuses a form sent within ``INQUIRY_MIN_SECONDS`` of being
shown (faster than anyone types) or more than ``INQUIRY_MAX_SECONDS`` later (a replayed form).
The view adds a limit per address.
"""

import time

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import identifier_text, phone_normalize
from safetext.forms import ControlCharacterFormMixin

from .reference import provinces

INQUIRY_MIN_SECONDS = 3
INQUIRY_MAX_SECONDS = 24 * 3600
_SALT = "showcase.inquiry.form"


def form_stamp(profile_id: int, at: float | None = None) -> str:
    """The signed time a form was shown at, for one profile."""
    return signing.dumps({"p": profile_id, "t": int(time.time() if at is None else at)}, salt=_SALT)


def contact_normalize(raw: str) -> str:
    """A WhatsApp number (as +628…) or an email address (lower case); ValidationError otherwise."""
    value = identifier_text(raw)
    if "@" in value:
        value = value.lower()
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(_("Alamat email tidak valid."), code="invalid_contact") from None
        return value
    try:
        return phone_normalize(value)
    except ValidationError:
        raise ValidationError(
            _("Tulis nomor WhatsApp (mis. 0812-3456-7890) atau alamat email, agar pemilik dapat membalas."),
            code="invalid_contact",
        ) from None


class InquiryForm(ControlCharacterFormMixin, forms.Form):
    nama = forms.CharField(label=_("Nama Anda"), max_length=100)
    kontak = forms.CharField(
        label=_("WhatsApp atau email"), max_length=120, help_text=_("Hanya diteruskan kepada pemilik usaha, agar dapat membalas.")
    )
    provinsi = forms.ChoiceField(label=_("Provinsi Anda"))
    pesan = forms.CharField(label=_("Pesan"), max_length=1000, widget=forms.Textarea(attrs={"rows": 5}))
    # Hidden from people (see the template); a value means a robot filled the form.
    situs = forms.CharField(label=_("Jangan diisi"), required=False, max_length=200)
    tanda = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, profile_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile_id = profile_id
        self.fields["provinsi"].choices = [("", _("— pilih provinsi —")), *provinces().items()]
        if not self.is_bound:
            self.initial["tanda"] = form_stamp(profile_id)

    def clean_kontak(self) -> str:
        return contact_normalize(self.cleaned_data["kontak"])

    def clean(self):
        """The signed time is checked above the form, where a person sees what to do."""
        cleaned = super().clean()
        try:
            stamp = signing.loads(cleaned.get("tanda", ""), salt=_SALT)
        except signing.BadSignature:
            raise ValidationError(_("Formulir tidak dikenal. Muat ulang halaman, lalu kirim lagi."), code="stamp") from None
        age = time.time() - stamp.get("t", 0)
        if stamp.get("p") != self.profile_id or age > INQUIRY_MAX_SECONDS:
            raise ValidationError(
                _("Formulir ini sudah terlalu lama terbuka. Muat ulang halaman, lalu kirim lagi."), code="stale"
            )
        if age < INQUIRY_MIN_SECONDS:
            raise ValidationError(_("Terkirim terlalu cepat. Tunggu beberapa detik, lalu kirim lagi."), code="too_fast")
        return cleaned

    def is_bait(self) -> bool:
        return bool(self.cleaned_data.get("situs"))

    def inquiry_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "buyer_name": data["nama"],
            "buyer_contact": data["kontak"],
            "buyer_province": data["provinsi"],
            "message": data["pesan"],
        }
