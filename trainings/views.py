from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from accounts.decorators import role_required
from accounts.roles import Role, role_of
from payakumbuh_ikm.next_url import next_url
from payakumbuh_ikm.public_cache import public_page
from payakumbuh_ikm.shortcuts import or_404

from . import ics, selectors, services
from .forms import CatalogueFilterForm, RegisterForm
from .models import RegistrationStatus, TrainingSession

PAGE_SIZE = 12


@require_GET
@public_page(query=("topic", "month", "mode", "page"))
def catalogue(request):
    """Upcoming sessions for anyone, signed in or not."""
    form = CatalogueFilterForm(request.GET or None)
    sessions = selectors.sessions_upcoming(**form.filters())
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "trainings/session_catalogue.html", {"form": form, "page_obj": page, "sessions": page.object_list})


@require_GET
@public_page
def session_detail(request, pk: int):
    session = or_404(selectors.session_detail(user=request.user, pk=pk))
    businesses = selectors.businesses_for_registration(user=request.user)
    mine = selectors.registrations_of_user_for_session(user=request.user, session=session)
    return render(
        request,
        "trainings/session_detail.html",
        {
            "session": session,
            "registrations": mine,
            "register_form": RegisterForm(businesses=businesses),
            "is_owner": role_of(request.user) == Role.OWNER,
            "registration_open": session.registration_is_open(),
            "show_meeting_url": any(r.status == RegistrationStatus.CONFIRMED for r in mine),
        },
    )


def _result_message(request, registration) -> None:
    if registration.status == RegistrationStatus.CONFIRMED:
        messages.success(
            request,
            _("Terdaftar: %(name)s untuk %(title)s.")
            % {"name": registration.participant_name, "title": registration.session.title},
        )
    else:
        # A registration just made comes with its position, counted in the same call.
        position = getattr(registration, "waiting_position", None) or selectors.registration_waiting_position(registration)
        messages.info(
            request, _("Masuk daftar tunggu, urutan ke-%(n)d. Anda akan diberi tahu bila mendapat tempat.") % {"n": position}
        )


def _too_many(request) -> bool:
    """Registrations and cancellations of one signed-in user, counted together (a script toggling
    a seat); over the limit the owner is told and nothing changes."""
    limited = is_ratelimited(
        request,
        group="training-registration",
        key="user",
        rate=settings.RATELIMIT_TRAINING_REGISTRATION,
        method="POST",
        increment=True,
    )
    if limited:
        messages.error(request, _("Terlalu banyak pendaftaran dan pembatalan dalam satu jam. Coba lagi nanti."))
    return limited


@role_required(Role.OWNER)
@require_POST
def register(request, pk: int):
    """One step: the owner's (chosen) verified business registers for the session.

    The business is the posted id of RegisterForm's choice; that it is the owner's own and
    verified, and that the session is public, are checked by the service in the one query that
    reads everything else it checks (a rush's POST is this page's whole load)."""
    business_id = request.POST.get("business", "")
    if not business_id.isascii() or not business_id.isdigit() or len(business_id) > 18:
        if not selectors.session_is_public(pk=pk):
            raise Http404
        messages.error(request, _("Pilih usaha yang akan didaftarkan."))
        return redirect("trainings:session-detail", pk=pk)
    if _too_many(request):
        return redirect("trainings:session-detail", pk=pk)
    try:
        registration = services.registration_create_for_owner(session_id=pk, business_id=int(business_id), user=request.user)
    except TrainingSession.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _result_message(request, registration)
    return redirect("trainings:session-detail", pk=pk)


@role_required(Role.OWNER)
@require_http_methods(["GET", "POST"])
def cancel(request, pk: int):
    """GET: the question ("Batalkan pendaftaran ...?") before anything changes, or, once
    cancelled, the undo button while the seat is still free. POST: cancel, then that page."""
    registration = or_404(selectors.registration_of_owner(user=request.user, pk=pk))
    default = reverse("trainings:session-detail", args=[registration.session_id])
    back = next_url(request, request.POST.get("next") or request.GET.get("next"), default)
    if request.method == "GET":
        context = {
            "registration": registration,
            "session": registration.session,
            "back": back,
            "restorable": selectors.registration_restorable(registration=registration),
        }
        return render(request, "trainings/registration_cancel.html", context)
    if _too_many(request):
        return HttpResponseRedirect(back)
    try:
        services.registration_cancel(registration=registration, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(back)
    messages.success(request, _("Pendaftaran dibatalkan."))
    return HttpResponseRedirect(f"{reverse('trainings:cancel', args=[pk])}?{urlencode({'next': back})}")


@role_required(Role.OWNER)
@require_POST
def restore(request, pk: int):
    """Undo a cancellation while the seat is still free (services.registration_restore)."""
    registration = or_404(selectors.registration_of_owner(user=request.user, pk=pk))
    back = next_url(request, request.POST.get("next"), reverse("trainings:session-detail", args=[registration.session_id]))
    if _too_many(request):
        return HttpResponseRedirect(back)
    try:
        registration = services.registration_restore(registration=registration, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(f"{reverse('trainings:cancel', args=[pk])}?{urlencode({'next': back})}")
    messages.success(
        request,
        _("Pembatalan diurungkan: %(name)s kembali terdaftar untuk %(title)s.")
        % {"name": registration.participant_name, "title": registration.session.title},
    )
    return HttpResponseRedirect(back)


@role_required(Role.OWNER)
@require_GET
def owner_registrations(request):
    return render(request, "trainings/registration_mine.html", {"mine": selectors.registrations_of_user(user=request.user)})


def _ics_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
@public_page
def feed(request):
    """Published sessions to come (and cancelled ones) for calendar apps to subscribe to."""
    body = ics.calendar(
        selectors.sessions_for_feed(),
        url_of=lambda s: request.build_absolute_uri(reverse("trainings:session-detail", args=[s.pk])),
        name=_("Pelatihan IKM Payakumbuh"),
    )
    return _ics_response(body, "pelatihan-ikm-payakumbuh.ics")


@require_GET
@public_page
def session_ics(request, pk: int):
    """One session; a participant with a seat gets the meeting link in it too."""
    session = or_404(selectors.session_for_ics(pk=pk))
    body = ics.calendar(
        [session],
        url_of=lambda s: request.build_absolute_uri(reverse("trainings:session-detail", args=[s.pk])),
        name=session.title,
        include_meeting_url=selectors.user_has_seat(user=request.user, session=session),
    )
    return _ics_response(body, f"pelatihan-{session.pk}.ics")
