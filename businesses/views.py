from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from accounts.decorators import role_required
from accounts.roles import Role, role_of
from payakumbuh_ikm.shortcuts import or_404
from recovery import selectors as recovery_selectors
from trainings import selectors as training_selectors

from . import selectors, services
from .filters import BusinessFilter
from .forms import BusinessForm, CertificationForm, SignupForm
from .nik_access import nik_reveal


def _service_errors_to_forms(error: ValidationError, *forms) -> None:
    """Put a service's ValidationError next to the field it names, in whichever form has it."""
    if not hasattr(error, "error_dict"):
        forms[0].add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = next((f for f in forms if field in f.fields), forms[0])
        target.add_error(field if field in target.fields else None, errors)


SIGNUP_RECEIVED = gettext_lazy(
    "Terima kasih, pendaftaran Anda kami terima dan kabarnya kami kirim ke nomor WhatsApp (dan email) yang "
    "Anda isi. Bila pendaftaran dapat diproses, masuk dengan nomor WhatsApp dan kata sandi yang baru Anda "
    "buat; usaha Anda lalu menunggu verifikasi Disnakerin. Bila tidak ada pesan dalam beberapa menit, "
    "hubungi Disnakerin Kota Payakumbuh."
)


@ratelimit(key="ip", rate="20/h", method="POST", block=False)
@require_http_methods(["GET", "POST"])
def signup(request):
    """An owner creates an account and registers the business in one go; it lands as pending."""
    if request.user.is_authenticated:
        return redirect("accounts:home")
    # Bound on every POST, an empty one included: the rate-limit message below needs a bound form.
    data = request.POST if request.method == "POST" else None
    account = SignupForm(data)
    business = BusinessForm(data, prefix="usaha", tell_if_nib_taken=False)
    if request.method == "POST" and getattr(request, "limited", False):
        account.add_error(None, _("Terlalu banyak pendaftaran dari alamat ini. Coba lagi dalam satu jam."))
    elif request.method == "POST" and account.is_valid() & business.is_valid():
        data = account.cleaned_data
        try:
            services.owner_signup(
                full_name=data["full_name"],
                phone=data["phone"],
                email=data["email"],
                password=data["password1"],
                nik=data["nik"],
                business=business.cleaned_data,
            )
        except ValidationError as error:
            _service_errors_to_forms(error, account, business)
        else:
            # The same answer whether the account was made or a NIK, NIB, number or email was
            # already registered (its holder is told by message): the page names nobody.
            messages.info(request, SIGNUP_RECEIVED)
            return redirect("accounts:login")
    return render(request, "businesses/business_signup.html", {"account_form": account, "business_form": business})


@role_required(Role.OWNER)
def business_new(request):
    """A signed-in owner registers another business."""
    owner = getattr(request.user, "owner_profile", None)
    if owner is None:
        messages.error(request, _("Akun Anda belum terhubung dengan data pemilik. Hubungi Disnakerin."))
        return redirect("businesses:mine")
    form = BusinessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.business_register(owner=owner, data=form.cleaned_data)
        except ValidationError as error:
            _service_errors_to_forms(error, form)
        else:
            messages.success(request, _("Usaha %(name)s didaftarkan dan menunggu verifikasi.") % {"name": created.name})
            return redirect("businesses:detail", pk=created.pk)
    return render(request, "businesses/business_form.html", {"form": form, "title": _("Daftarkan usaha lain")})


@role_required(Role.OWNER)
def owner_businesses(request):
    """The owner's home (where signing in leads): their businesses, each with last month's report
    to send, and their next training. The page gathers from recovery and trainings, whose own
    pages ("Laporan bulanan", "Pelatihan saya") hold the rest."""
    context = {
        "businesses": recovery_selectors.with_last_month_status(selectors.businesses_of_owner(user=request.user)),
        "next_registration": training_selectors.registration_next_of_user(user=request.user),
    }
    return render(request, "businesses/business_mine.html", context)


@role_required(Role.OWNER, Role.STAFF, Role.OFFICIAL)
def detail(request, pk: int):
    business = or_404(selectors.business_detail(user=request.user, pk=pk))
    role = role_of(request.user)
    # Officials read figures and names, never contact details or NIK; a NIK checker's read of
    # the full NIK is recorded in the trail.
    show_contact = role in (Role.STAFF, Role.OWNER)
    return render(
        request,
        "businesses/business_detail.html",
        {
            "business": business,
            "show_contact": show_contact,
            "show_full_nik": show_contact and nik_reveal(request=request, owner_ids=[business.owner_id]),
            "can_edit": role == Role.OWNER,
            "can_add_certification": role in (Role.OWNER, Role.STAFF),
        },
    )


@role_required(Role.OWNER)
def edit(request, pk: int):
    business = or_404(selectors.business_detail(user=request.user, pk=pk))
    form = BusinessForm(request.POST or None, instance=business, include_nib=False)
    if request.method == "POST" and form.is_valid():
        try:
            change_request = services.business_update_by_owner(business=business, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _service_errors_to_forms(error, form)
        else:
            if change_request:
                messages.info(
                    request, _("Perubahan dikirim ke Disnakerin untuk disetujui. Data lama tetap berlaku sampai disetujui.")
                )
            elif form.has_changed():
                messages.success(request, _("Data usaha diperbarui."))
            return redirect("businesses:detail", pk=business.pk)
    return render(
        request,
        "businesses/business_form.html",
        {
            "form": form,
            "business": business,
            "title": _("Ubah data %(name)s") % {"name": business.name},
            "needs_approval": business.status == "verified",
        },
    )


@role_required(Role.OWNER, Role.STAFF)
def certification_add(request, pk: int):
    business = or_404(selectors.business_detail(user=request.user, pk=pk))
    form = CertificationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certification_add(business=business, data=form.cleaned_data)
        except ValidationError as error:
            _service_errors_to_forms(error, form)
        else:
            messages.success(request, _("Sertifikasi ditambahkan."))
            return redirect("businesses:detail", pk=business.pk)
    return render(request, "businesses/certification_form.html", {"form": form, "business": business})


@role_required(Role.OWNER, Role.STAFF)
def certification_document(request, pk: int):
    """Scans are never served from a public folder: this view checks who asks, then streams."""
    certification = or_404(selectors.certification_for_download(user=request.user, pk=pk))
    response = FileResponse(
        certification.document.open("rb"),
        as_attachment=True,
        filename=f"{certification.kind}-{certification.number}{PurePath(certification.document.name).suffix.lower()}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.STAFF, Role.OFFICIAL)
def business_list(request):
    filterset = BusinessFilter(request.GET or None, queryset=selectors.business_list(user=request.user))
    page = Paginator(filterset.qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "businesses/business_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "businesses": page.object_list,
            "show_contact": role_of(request.user) == Role.STAFF,
        },
    )


@role_required(Role.STAFF, Role.OFFICIAL)
def summary(request):
    return render(request, "businesses/registry_summary.html", {"summary": selectors.registry_summary()})
