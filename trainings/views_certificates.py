"""Certificates of attendance: the public verification page and the PDF download."""

import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from payakumbuh_ikm.shortcuts import or_404

from . import selectors
from .certificates import session_dates


def _noindex(response):
    # Verification pages name people: search engines must not list them.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def verify(request, code: str):
    """Anyone holding the certificate (an employer, a bank) checks that it is genuine. The page
    shows the number, the participant's name, the session and its date, and the issuer: nothing
    about the business or the owner."""
    certificate = selectors.certificate_for_verification(code=code)
    if certificate is None:
        return _noindex(render(request, "trainings/certificate_verify.html", {"code": code}, status=404))
    session = certificate.registration.session
    context = {
        "certificate": certificate,
        "participant_name": certificate.registration.participant_name,
        "session_title": session.title,
        "dates": session_dates(session),
        "issuer": settings.OFFICE_NAME,
    }
    return _noindex(render(request, "trainings/certificate_verify.html", context))


@login_required
@require_GET
def download(request, pk: int):
    """The PDF of registration ``pk``'s certificate, for the business's owner and for staff."""
    certificate = or_404(selectors.certificate_for_download(user=request.user, registration_id=pk))
    filename = "sertifikat-" + re.sub(r"[^A-Za-z0-9]+", "-", certificate.number).strip("-").lower() + ".pdf"
    response = FileResponse(certificate.pdf.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response
