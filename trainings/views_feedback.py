"""Feedback: the attendee's form, and the summaries staff (and officials, per trainer) read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import role_required
from accounts.roles import Role, role_of
from payakumbuh_ikm.shortcuts import or_404

from . import selectors, services
from .forms_feedback import RATING_CHOICES, FeedbackForm

SESSIONS_PER_PAGE = 20
COMMENTS_PER_PAGE = 50


@role_required(Role.OWNER)
@require_http_methods(["GET", "POST"])
def feedback(request, pk: int):
    """Linked from "Pelatihan saya" and from the message sent after the session."""
    registration = or_404(selectors.registration_for_feedback(user=request.user, pk=pk))
    existing = getattr(registration, "feedback", None)
    refusal = selectors.feedback_refusal(registration=registration)
    if request.method == "POST" and refusal is None:
        form = FeedbackForm(request.POST)
        if form.is_valid():
            try:
                services.feedback_submit(
                    registration=registration,
                    actor=request.user,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if existing is None:
                    messages.success(request, _("Terima kasih! Umpan balik Anda sudah kami terima."))
                else:
                    messages.success(request, _("Umpan balik Anda sudah diubah."))
                return redirect("trainings:mine")
    else:
        initial = {"rating": existing.rating, "comment": existing.comment} if existing else None
        form = FeedbackForm(initial=initial)
    return render(
        request,
        "trainings/feedback_form.html",
        {
            "registration": registration,
            "session": registration.session,
            "existing": existing,
            "refusal": refusal,
            "form": form,
            "edit_days": selectors.FEEDBACK_EDIT_DAYS,
        },
    )


def _distribution(session) -> list[dict]:
    """Each rating's count and share of the session's responses, for the bars of its row."""
    counts = [(n, getattr(session, f"rated_{n}")) for n, _label in RATING_CHOICES]
    total = session.responses
    return [{"rating": n, "count": count, "percent": round(100 * count / total) if total else 0} for n, count in counts]


@role_required(Role.STAFF, Role.OFFICIAL)
@require_GET
def feedback_summary(request):
    """Staff: every session that took place (responses, average, distribution) and every
    trainer. Officials read the per-trainer figures only: a report, with no comments."""
    is_staff = role_of(request.user) == Role.STAFF
    context = {"trainers": selectors.feedback_by_trainer(), "is_staff": is_staff}
    if is_staff:
        page = Paginator(selectors.feedback_by_session(), SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
        for session in page.object_list:
            session.distribution = _distribution(session)
        context |= {"page_obj": page, "sessions": page.object_list}
    return render(request, "trainings/feedback_summary.html", context)


@role_required(Role.STAFF)
@require_GET
def feedback_session(request, pk: int):
    """One session's figures and its comments, newest first, without names."""
    session, comments = or_404(selectors.feedback_of_session(pk=pk))
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "trainings/feedback_session.html",
        {"session": session, "distribution": _distribution(session), "page_obj": page, "comments": page.object_list},
    )
