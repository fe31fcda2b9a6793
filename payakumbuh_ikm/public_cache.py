"""Whole public pages for anonymous visitors, from the cache.

The public pages (home, the training catalogue with its filters, a session's page, the calendar
feeds) are the same for every visitor who is not signed in, so one rendering can serve them all
for a while. ``public_page`` wraps such a view:

- Only a GET from a visitor without a session cookie and without a messages cookie is served
  from the cache or stored in it. Such a visitor is anonymous (signing in always sets the
  session cookie) and has no message waiting. Everyone else, every signed-in user above all,
  goes to the view untouched: their pages show their own registrations and forms and are never
  stored, nor served from what others stored.
- The key is the scheme, host, path, the query sorted (only the parameters the view names; a
  request with any other goes to the view, so made-up parameters cannot fill the cache) and
  the active language.
- A page is stored only when rendering it left nothing per visitor behind: status 200, no
  cookie, no CSRF token asked for (``get_token`` marks the request), no session written, no
  message queued. The pages are built so that an anonymous visitor gets no form that posts
  (the language menu is links, a session's register button is a sign-in link).
- What is stored is the view's answer before the middleware: status, body and the view's own
  headers. Every answer, from the cache or not, still goes through the middleware, which adds
  the Content-Security-Policy (no nonces are used), the security headers, X-Frame-Options and
  Vary per response.

Freshness: every stored page carries the content version it was rendered under, and a page
whose version is not the current one is a miss. The version changes whenever a session, a
registration, a topic, an information page, or anything the showcase (/etalase/) shows is saved
or deleted (the signals below): once at once, and once more
after the commit, so a page rendered from the data before the commit, under the version in
force then, is never served after it. Seats left are therefore current on the next anonymous
view. Pages also expire after ``PAGE_TTL_SECONDS``, for what changes with the clock alone (a
registration window closing, a session no longer upcoming) and for a change made while Redis
was away (the new version was then dropped).

Each process also keeps the pages it served last (``LOCAL_PAGES`` of them) and the version it
read last, and asks Redis for the version again only after ``PUBLIC_PAGE_LOCAL_SECONDS``
(setting, 1 s by default): a page served again within that second costs no round trip to Redis,
which on loopback was most of what a hit cost over the trivial view. A change made in this
process is seen at once (the version is set here too); one made in another process (another
gunicorn worker, a Celery task) shows here at most that second later. The test settings turn
this layer off (0), so that a test which clears the cache gets the page rendered again.

With Redis away (``payakumbuh_ikm.cache.DegradingRedisCache``) nothing is read or stored and
every page is rendered as before.
"""

import functools
import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

VERSION_KEY = "public-page:version"
PAGE_TTL_SECONDS = 60
LOCAL_SECONDS_DEFAULT = 1.0
LOCAL_PAGES = 256


class _Local:
    """This process's last version read from Redis (and when), and its last pages served."""

    def __init__(self):
        self.lock = threading.Lock()
        self.forget()

    def forget(self) -> None:
        self.version, self.read_at, self.pages = None, float("-inf"), OrderedDict()

    def page(self, key: str):
        with self.lock:
            entry = self.pages.get(key)
            if entry is not None:
                self.pages.move_to_end(key)
            return entry

    def keep(self, key: str, entry) -> None:
        with self.lock:
            self.pages[key] = entry
            self.pages.move_to_end(key)
            while len(self.pages) > LOCAL_PAGES:
                self.pages.popitem(last=False)

    def saw(self, version) -> None:
        self.version, self.read_at = version, time.monotonic()


_local = _Local()


def public_pages_changed() -> None:
    """A new content version: every stored public page becomes a miss."""
    version = uuid.uuid4().hex
    cache.set(VERSION_KEY, version, timeout=None)
    _local.saw(version)


def _local_seconds() -> float:
    return getattr(settings, "PUBLIC_PAGE_LOCAL_SECONDS", LOCAL_SECONDS_DEFAULT)


def _page_key(request, query: frozenset) -> str | None:
    """The cache key of this request's page, or None when it must go to the view."""
    if request.method != "GET":
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return None
    if not query.issuperset(request.GET):
        return None
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
    params = urlencode(sorted((k, v) for k in request.GET for v in request.GET.getlist(k)))
    where = f"{request.scheme}://{request.get_host()}{request.path}?{params}"
    return f"public-page:{language}:{hashlib.sha256(where.encode()).hexdigest()}"


def _storable(request, response) -> bool:
    """Nothing of this visitor's own is in the answer."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # a CSRF token was put in the page
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    messages = getattr(request, "_messages", None)
    return not (messages is not None and getattr(messages, "added_new", False))


def public_page(view=None, *, query: tuple[str, ...] = ()):
    """Decorate a public view (``@public_page`` or ``@public_page(query=("topic", "page"))``);
    see the module's docstring."""
    if view is None:
        return functools.partial(public_page, query=query)
    allowed = frozenset(query)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        key = _page_key(request, allowed)
        if key is None:
            return view(request, *args, **kwargs)
        local = _local_seconds()
        if local and time.monotonic() - _local.read_at < local:
            version, entry = _local.version, _local.page(key)
            if version is not None and (entry is None or entry[0] != version):
                entry = cache.get(key)  # the version is fresh enough; the page may be in Redis
        else:
            found = cache.get_many([VERSION_KEY, key])
            version, entry = found.get(VERSION_KEY), found.get(key)
            if local:
                _local.saw(version)
        if version is not None and entry is not None and entry[0] == version:
            _version, status, content, headers = entry
            response = HttpResponse(content, status=status)
            for header, value in headers:
                response[header] = value
            response.public_cache = "hit"
        else:
            if version is None:  # first page since Redis started (or while it is away)
                cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
                version = cache.get(VERSION_KEY)
                if local:
                    _local.saw(version)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # a TemplateResponse: rendered here to be stored
            response.public_cache = "miss"
            entry = None
            if version is not None and _storable(request, response):
                entry = (version, response.status_code, response.content, list(response.items()))
                cache.set(key, entry, PAGE_TTL_SECONDS)
                response.public_cache = "stored"
        if local and entry is not None and entry[0] == version:
            _local.keep(key, entry)
        # As an uncached anonymous page reads the session (and says so): the same for every answer.
        patch_vary_headers(response, ("Cookie",))
        return response

    return wrapped


# --- What changes the public pages -------------------------------------------------------------


def _changed(sender, using=None, **kwargs) -> None:
    public_pages_changed()
    if transaction.get_connection(using).in_atomic_block:
        transaction.on_commit(public_pages_changed, using=using, robust=True)


def connect_signals() -> None:
    """Sessions, registrations (seats left) and topics are what the public pages show, and the
    showcase's profiles (consent given or withdrawn), products, photos, store links, categories
    and sentra, with the registry rows they show: a business (its name, its status: a business
    deactivated leaves the showcase) and its certifications; and the information pages (help,
    contact, privacy, terms: edited in the admin). Called from the app's ready(), so
    writes from Celery workers and the admin count too. Buyer-interest counts, inquiries and
    reports are not on any public page and change on every visit: they do not count."""
    from django.db.models.signals import post_delete, post_save

    from businesses.models import Business, Certification
    from pages.models import Page
    from showcase.models import Category, Product, ProductPhoto, Profile, Sentra, StoreLink
    from trainings.models import Registration, Topic, TrainingSession

    showcase = (Page, Profile, Product, ProductPhoto, StoreLink, Category, Sentra, Business, Certification)
    for model in (TrainingSession, Registration, Topic, *showcase):
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(_changed, sender=model, dispatch_uid=f"public-page-{model._meta.label_lower}-{name}")
