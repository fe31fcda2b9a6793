"""A database outage answers with a short, friendly 503 page instead of a traceback or a 500."""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_response() -> HttpResponse:
    """The 503 page, rendered without the request so no context processor touches the database."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    # Monitors and browsers may try again soon; proxies must not keep the outage page.
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn OperationalError/InterfaceError raised by a view into the 503 page.

    Errors raised inside other middleware never reach process_exception; ``server_error`` (the
    portal's handler500) catches those the same way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("Database unavailable for %s: %s", request.path, exception.__class__.__name__)
            return database_unavailable_response()
        return None


def server_error(request, *args, **kwargs):
    """handler500: the 503 page when the uncaught error is the database being down, else the 500
    page. Like Django's own handler, the 500 page is rendered without the request (no context
    processor runs: the error may be theirs); the footer's office name is given by hand."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable_response()
    return HttpResponseServerError(loader.render_to_string("500.html", {"OFFICE_NAME": settings.OFFICE_NAME}))
