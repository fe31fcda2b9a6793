from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import FormView
from django_ratelimit.core import is_ratelimited

from . import services
from .forms import EmailPasswordResetForm, PhoneResetConfirmForm, PhoneResetRequestForm, SignInForm
from .lockout import device_remember
from .roles import Role, role_of


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # This browser now knows the account: the account-wide hold (accounts/lockout.py) spares it.
        device_remember(self.request, response, form.get_user())
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = EmailPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # Each request sends an email: limited per address and per email asked for, so the form
        # cannot be used to flood someone's inbox. The answer names no account either way.
        by_ip = is_ratelimited(
            self.request, group="password-reset-ip", key="ip", rate=settings.RATELIMIT_PASSWORD_RESET_IP, increment=True
        )
        by_email = is_ratelimited(
            self.request,
            group="password-reset-email",
            # The address as the form normalised it: every spelling of one inbox (capitals,
            # full-width letters) shares one counter.
            key=lambda _group, _request: form.cleaned_data["email"],
            rate=settings.RATELIMIT_PASSWORD_RESET_EMAIL,
            increment=True,
        )
        if by_ip or by_email:
            form.add_error(None, _("Terlalu banyak permintaan atur ulang kata sandi. Coba lagi dalam satu jam."))
            return self.form_invalid(form)
        # Queued in the outbox, not sent here: a mail server that is down is retried by the
        # worker and a final failure is shown to staff, instead of being logged and forgotten.
        services.password_reset_request(email=form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


# The number asked for, kept in the browser's session so the code page can fill it in.
PHONE_RESET_NUMBER = "_phone_reset_number"


class PhoneResetRequestView(FormView):
    """Ask for a code by WhatsApp. Every number that passes the form and the limits leads to the
    same next page with the same words, whether or not it has an account."""

    form_class = PhoneResetRequestForm
    template_name = "accounts/phone_reset_request.html"

    def form_valid(self, form):
        number = form.cleaned_data["phone"]
        # The same address budget as the email form (one group), and one per number: each request
        # sends a WhatsApp message, which must not become a way to flood someone's phone.
        by_ip = is_ratelimited(
            self.request, group="password-reset-ip", key="ip", rate=settings.RATELIMIT_PASSWORD_RESET_IP, increment=True
        )
        by_phone = is_ratelimited(
            self.request,
            group="password-reset-phone",
            key=lambda _group, _request: number,
            rate=settings.RATELIMIT_PASSWORD_RESET_PHONE,
            increment=True,
        )
        if by_ip or by_phone:
            form.add_error(None, _("Terlalu banyak permintaan kode. Coba lagi dalam satu jam."))
            return self.form_invalid(form)
        services.phone_reset_request(phone=number)
        self.request.session[PHONE_RESET_NUMBER] = number
        return redirect("accounts:phone_reset_confirm")


class PhoneResetConfirmView(FormView):
    """Type the number, the code and a new password. A wrong code says how many tries are left; a
    spent one asks for a new code. Success ends every session of the account and leads to
    sign-in. Also reached directly, for a reset staff started from the admin."""

    form_class = PhoneResetConfirmForm
    template_name = "accounts/phone_reset_confirm.html"

    def get_initial(self):
        return {"phone": self.request.session.get(PHONE_RESET_NUMBER, "")}

    def form_valid(self, form):
        try:
            services.phone_reset_confirm(
                phone=form.cleaned_data["phone"], code=form.cleaned_data["code"], password=form.cleaned_data["password1"]
            )
        except services.ResetCodeRefused as refused:
            form.add_error("code", refused.message)
            return self.render_to_response(self.get_context_data(form=form, spent=refused.spent))
        self.request.session.pop(PHONE_RESET_NUMBER, None)
        messages.success(self.request, _("Kata sandi baru sudah tersimpan. Silakan masuk dengan kata sandi itu."))
        return redirect("accounts:login")


@login_required
def home(request):
    """Where each role starts after signing in."""
    role = role_of(request.user)
    if role == Role.OWNER:
        return redirect("businesses:mine")
    if role in (Role.STAFF, Role.OFFICIAL):
        return redirect("businesses:summary")
    return redirect("home")
