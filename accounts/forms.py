from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from safetext.forms import ControlCharacterFormMixin

from .identifiers import EmailIdentifierField, IdentifierField, PhoneField, identifier_text


class SignInForm(ControlCharacterFormMixin, AuthenticationForm):
    username = IdentifierField(
        label=_("Email atau nomor WhatsApp"),
        max_length=254,
        # The full keyboard: most owners type a WhatsApp number with its dashes, some an email.
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text"}),
    )
    error_messages = {
        "invalid_login": _("Email/nomor WhatsApp atau kata sandi salah. Periksa lagi, lalu coba kembali."),
        "inactive": _("Akun ini tidak aktif. Hubungi Disnakerin Kota Payakumbuh."),
    }


class EmailPasswordResetForm(ControlCharacterFormMixin, PasswordResetForm):
    """Django's reset form, for its field only: the view queues the email through
    accounts.services.password_reset_request (the outbox); Django's save() would send it inside
    the request, so it refuses to run."""

    email = EmailIdentifierField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def save(self, *args, **kwargs):
        raise NotImplementedError("Password-reset emails go through accounts.services.password_reset_request")


def _new_password_check(form: forms.Form, user) -> None:
    """A new password typed twice (password1, password2): the two must match, and Django's
    password validators judge it against ``user`` (an unsaved one with what the form knows)."""
    p1, p2 = form.cleaned_data.get("password1"), form.cleaned_data.get("password2")
    if p1 and p2 and p1 != p2:
        form.add_error("password2", _("Kedua kata sandi tidak sama."))
    elif p1:
        try:
            validate_password(p1, user)
        except forms.ValidationError as error:
            form.add_error("password1", error)


class AccountFieldsMixin(ControlCharacterFormMixin, forms.Form):
    """Name, WhatsApp number, optional email and password: the part of sign-up that is the account.

    Whether the number or the email already has an account is not said here: the sign-up service
    answers the same either way and tells the account's owner (finding 7 of the security audit).
    """

    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = PhoneField(
        label=_("Nomor WhatsApp"),
        max_length=20,
        help_text=_("Untuk masuk dan menerima pengingat. Contoh: 0812-3456-7890."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = EmailIdentifierField(
        label=_("Email (boleh dikosongkan)"),
        required=False,
        empty_value=None,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Kata sandi"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Ulangi kata sandi"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        user = get_user_model()(full_name=cleaned.get("full_name", ""), email=cleaned.get("email"), phone=cleaned.get("phone"))
        _new_password_check(self, user)
        return cleaned


class PhoneResetRequestForm(ControlCharacterFormMixin, forms.Form):
    phone = PhoneField(
        label=_("Nomor WhatsApp"),
        max_length=20,
        help_text=_("Nomor yang Anda pakai untuk masuk. Contoh: 0812-3456-7890."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "tel", "inputmode": "tel"}),
    )


def _code_normalize(value: str) -> str:
    """Six digits, however typed: full-width digits (NFKC) and spaces or dashes between them."""
    digits = "".join(ch for ch in identifier_text(value) if ch not in " -")
    if len(digits) != 6 or not all("0" <= ch <= "9" for ch in digits):
        raise forms.ValidationError(_("Kode terdiri dari 6 angka, seperti di pesan WhatsApp."), code="invalid_code")
    return digits


class ResetCodeField(IdentifierField):
    normalize = staticmethod(_code_normalize)


class PhoneResetConfirmForm(ControlCharacterFormMixin, forms.Form):
    """The number, the code from WhatsApp and the new password, checked by Django's password
    validators against the number (the same check whether it has an account)."""

    phone = PhoneField(
        label=_("Nomor WhatsApp"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    code = ResetCodeField(
        label=_("Kode 6 angka"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    password1 = forms.CharField(
        label=_("Kata sandi baru"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Ulangi kata sandi baru"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        _new_password_check(self, get_user_model()(phone=cleaned.get("phone")))
        return cleaned
