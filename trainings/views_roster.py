"""Staff's side of a session: the roster, attendance (a tap per row or a QR scan), adding and
moving participants, exports. And the owner's QR code that staff scan at the door."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required
from accounts.roles import Role
from payakumbuh_ikm.shortcuts import or_404

from . import checkin, exports, selectors, services
from .forms_roster import MoveForm, StaffAddForm, StaffSearchForm
from .models import RegistrationStatus


def _roster_url(registration) -> str:
    return reverse("trainings:roster", args=[registration.session_id]) + f"#r{registration.pk}"


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@role_required(Role.STAFF)
@require_GET
def roster(request, pk: int):
    session, rows = or_404(selectors.session_roster(pk=pk))
    return render(request, "trainings/registration_roster.html", {"session": session, "roster": rows})


@role_required(Role.STAFF)
@require_POST
def attendance_toggle(request, pk: int):
    """One tap on the roster: check in, or undo with action=undo. Answers JSON to the page's
    script, a redirect back to the row otherwise."""
    registration = or_404(selectors.registration_for_staff(pk=pk))
    undo = request.POST.get("action") == "undo"
    try:
        if undo:
            services.attendance_undo(registration=registration, actor=request.user)
        else:
            services.attendance_check_in(registration=registration, actor=request.user, method="roster")
    except ValidationError as error:
        text = " ".join(error.messages)
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": text}, status=400)
        messages.error(request, text)
    else:
        name = registration.participant_name
        text = _("Kehadiran %(name)s dibatalkan.") % {"name": name} if undo else _("Hadir: %(name)s.") % {"name": name}
        if _wants_json(request):
            row = render_to_string(
                "trainings/partials/roster_row.html",
                {"registration": or_404(selectors.registration_for_staff(pk=pk))},
                request=request,
            )
            return JsonResponse({"ok": True, "attended": not undo, "message": text, "html": row})
        messages.success(request, text)
    return redirect(_roster_url(registration))


@role_required(Role.OWNER)
@require_GET
def attendance_qr(request, pk: int):
    """The owner's QR code for one confirmed registration, shown at the door for staff to scan."""
    registration = or_404(selectors.registration_of_owner(user=request.user, pk=pk))
    context = {"registration": registration, "session": registration.session}
    if registration.status == RegistrationStatus.CONFIRMED:
        url = request.build_absolute_uri(reverse("trainings:attendance-scan", args=[checkin.checkin_token(registration)]))
        context["qr"] = checkin.qr_svg(url, title=_("Kode QR kehadiran %(name)s") % {"name": registration.participant_name})
    return render(request, "trainings/attendance_qr.html", context)


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def attendance_scan(request, token: str):
    """Where a participant's QR code leads: staff see who it is and confirm the check-in."""
    found = checkin.checkin_token_read(token)
    if found is None:
        return render(request, "trainings/attendance_scan.html", {"invalid": True}, status=400)
    registration_id, session_id = found
    registration = or_404(selectors.registration_for_staff(pk=registration_id))
    if registration.session_id != session_id:
        raise Http404
    if request.method == "POST":
        try:
            services.attendance_check_in(registration=registration, actor=request.user, method="qr")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Hadir: %(name)s.") % {"name": registration.participant_name})
            return redirect(request.path)
    return render(request, "trainings/attendance_scan.html", {"registration": registration, "session": registration.session})


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def registration_add(request, pk: int):
    """Staff register a verified business found by NIB or name; the owner's rules apply."""
    session = or_404(selectors.session_detail(user=request.user, pk=pk))
    search = StaffSearchForm(request.GET)
    query = search.query()
    # One message, the first the field gives (a NUL also trips the control-character check).
    if search.errors.get("q"):
        messages.error(request, search.errors["q"][0])
    if request.method == "POST":
        form = StaffAddForm(request.POST)
        if form.is_valid():
            try:
                registration = services.registration_add_by_staff(
                    session_id=session.pk,
                    business=form.cleaned_data["business"],
                    actor=request.user,
                    participant_name=form.cleaned_data["participant_name"] or None,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if registration.status == RegistrationStatus.CONFIRMED:
                    messages.success(request, _("Terdaftar: %(name)s.") % {"name": registration.participant_name})
                else:
                    position = selectors.registration_waiting_position(registration)
                    messages.info(
                        request,
                        _("Pelatihan penuh: %(name)s masuk daftar tunggu, urutan ke-%(n)d.")
                        % {"name": registration.participant_name, "n": position},
                    )
                return redirect(_roster_url(registration))
        else:
            messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return render(
        request,
        "trainings/registration_add.html",
        {"session": session, "query": query, "businesses": selectors.businesses_for_staff_registration(query=query)},
    )


@role_required(Role.STAFF)
@require_http_methods(["GET", "POST"])
def registration_move(request, pk: int):
    """Move a participant to another session of the same topic (cancel here, register there)."""
    registration = or_404(selectors.registration_for_staff(pk=pk))
    form = MoveForm(request.POST or None, sessions=selectors.sessions_to_move_to(registration=registration))
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.registration_move(
                registration=registration, to_session_id=form.cleaned_data["to_session"].pk, actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            target = form.cleaned_data["to_session"]
            if moved.status == RegistrationStatus.CONFIRMED:
                text = _("%(name)s dipindahkan ke %(title)s.")
            else:
                text = _("%(name)s dipindahkan ke daftar tunggu %(title)s.")
            messages.success(request, text % {"name": moved.participant_name, "title": target.title})
            return redirect("trainings:roster", pk=registration.session_id)
    return render(
        request,
        "trainings/registration_move.html",
        {"registration": registration, "session": registration.session, "form": form},
    )


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Names and phone numbers: never kept in a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.STAFF)
@require_GET
def roster_xlsx(request, pk: int):
    session, rows = or_404(selectors.session_roster(pk=pk))
    return _download(
        exports.roster_xlsx(session, rows),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"peserta-pelatihan-{session.pk}.xlsx",
    )


@role_required(Role.STAFF)
@require_GET
def roster_pdf(request, pk: int):
    session, rows = or_404(selectors.session_roster(pk=pk))
    return _download(exports.roster_pdf(session, rows), "application/pdf", f"daftar-hadir-pelatihan-{session.pk}.pdf")
