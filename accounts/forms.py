from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from safetext.forms import ControlCharacterFormMixin

from .identifiers import EmailIdentifierField, IdentifierField, PhoneField


class SignInForm(ControlCharacterFormMixin, AuthenticationForm):
    username = IdentifierField(
        label=_("Email atau nomor WhatsApp"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "email"}),
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
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Kedua kata sandi tidak sama."))
        elif p1:
            user = get_user_model()(
                full_name=cleaned.get("full_name", ""), email=cleaned.get("email"), phone=cleaned.get("phone")
            )
            try:
                validate_password(p1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
