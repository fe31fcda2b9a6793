from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse_lazy

from .forms import EmailPasswordResetForm, SignInForm
from .roles import Role, role_of


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = EmailPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


@login_required
def home(request):
    """Where each role starts after signing in."""
    role = role_of(request.user)
    if role == Role.OWNER:
        return redirect("businesses:mine")
    if role in (Role.STAFF, Role.OFFICIAL):
        return redirect("businesses:summary")
    return redirect("home")
