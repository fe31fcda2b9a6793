"""Indonesian first, English when the visitor chooses it.

``IndonesianFirstLocaleMiddleware`` replaces Django's ``LocaleMiddleware``: the language is the
one chosen on the switch (the language cookie) and otherwise Indonesian, whatever the browser's
Accept-Language says. A phone set to English still opens the portal of a city office in the
city's language; the visitor who prefers English chooses it once and it is remembered.

The language switch: a plain link, so the pages that carry it need no CSRF token.

Django's ``set_language`` is a POST form, and a POST form puts a CSRF token (and the cookie that
goes with it) in every page, which keeps the public pages out of any shared cache
(``payakumbuh_ikm.public_cache``). This view does what ``set_language`` does on POST: it
remembers the choice in the language cookie (Django 4+ keeps it there only, signed in or not;
the middleware below reads it on every later request) and sends the visitor back to the page
they came from.

It is a GET that changes state, which is why the links carry ``rel="nofollow"`` and the answer
is never cached. A third-party page could switch a visitor's language with a link or an image;
that is all it could do, and the visitor switches back with one click.
"""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .next_url import next_url


@never_cache
@require_GET
def language_switch(request, code: str):
    """``/bahasa/<code>/?next=<path>``: only the codes of settings.LANGUAGES; ``next`` only
    when it stays on this site, "/" otherwise."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    response = HttpResponseRedirect(next_url(request, request.GET.get("next"), "/"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def chosen_language(request) -> str:
    """The language chosen on the switch (its cookie), or settings.LANGUAGE_CODE."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class IndonesianFirstLocaleMiddleware:
    """Activates ``chosen_language`` for the request (``request.LANGUAGE_CODE``), as
    ``LocaleMiddleware`` does with the browser's preference; the answer varies by cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
