from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from . import services
from .forms import EmailPasswordResetForm, SignInForm
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


@login_required
def home(request):
    """Where each role starts after signing in."""
    role = role_of(request.user)
    if role == Role.OWNER:
        return redirect("businesses:mine")
    if role in (Role.STAFF, Role.OFFICIAL):
        return redirect("businesses:summary")
    return redirect("home")
