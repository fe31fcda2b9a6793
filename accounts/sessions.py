"""How long a signed-in session lasts without a request.

Anyone who holds a permission (staff, NIK checkers, superusers, officials) is signed out after
SESSION_IDLE_MINUTES_STAFF of inactivity: an office computer left open must not keep showing
owners' data, full NIKs included. Owners, who hold none and sign in from their own phones, after
SESSION_IDLE_DAYS_OWNER. The limit is chosen at sign-in and kept in the session, together with
the time of the last request; the session's own expiry (database row and cookie) is set to the
same limit, so a session nobody uses also ends on the server.

A password change ends the user's other sessions: Django keeps a digest of the password hash in
each session and ends any session whose digest no longer matches
(https://docs.djangoproject.com/en/5.2/topics/auth/default/#session-invalidation-on-password-change).
"""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils.translation import gettext as _

from .roles import Role, role_of

LAST_SEEN = "_portal_last_seen"
IDLE_LIMIT = "_portal_idle_seconds"


def session_idle_limit(user) -> int:
    """Seconds of inactivity after which ``user``'s session ends."""
    owner_only = role_of(user) == Role.OWNER and not user.is_staff and not user.is_superuser and not user.get_all_permissions()
    if owner_only:
        return int(timedelta(days=settings.SESSION_IDLE_DAYS_OWNER).total_seconds())
    return int(timedelta(minutes=settings.SESSION_IDLE_MINUTES_STAFF).total_seconds())


def session_start(sender, request, user, **kwargs) -> None:
    """On sign-in (user_logged_in): the session's idle limit, and its first activity."""
    limit = session_idle_limit(user)
    request.session[IDLE_LIMIT] = limit
    request.session[LAST_SEEN] = int(time.time())
    request.session.set_expiry(limit)


class SessionIdleTimeoutMiddleware:
    """Sign out a session idle for longer than its limit; note the activity of the others."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if SESSION_KEY in request.session:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session, now = request.session, int(time.time())
        limit, last = session.get(IDLE_LIMIT), session.get(LAST_SEEN)
        if limit is None:  # signed in before idle limits existed
            if not request.user.is_authenticated:  # Django ended it meanwhile (password changed)
                return
            limit = session[IDLE_LIMIT] = session_idle_limit(request.user)
        if last is not None and now - last > limit:
            logout(request)
            messages.info(request, _("Anda otomatis keluar karena tidak ada aktivitas. Silakan masuk lagi."))
        elif last is None or now - last >= settings.SESSION_LAST_SEEN_STEP_SECONDS:
            session[LAST_SEEN] = now
            session.set_expiry(limit)
