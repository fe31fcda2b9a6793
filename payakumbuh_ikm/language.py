"""The language switch: a plain link, so the pages that carry it need no CSRF token.

Django's ``set_language`` is a POST form, and a POST form puts a CSRF token (and the cookie that
goes with it) in every page, which keeps the public pages out of any shared cache
(``payakumbuh_ikm.public_cache``). This view does what ``set_language`` does on POST: it
remembers the choice in the language cookie (Django 4+ keeps it there only, signed in or not;
``LocaleMiddleware`` reads it on every later request) and sends the visitor back to the page
they came from.

It is a GET that changes state, which is why the links carry ``rel="nofollow"`` and the answer
is never cached. A third-party page could switch a visitor's language with a link or an image;
that is all it could do, and the visitor switches back with one click.
"""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
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
