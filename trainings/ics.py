"""iCalendar (RFC 5545) for training sessions, written by hand: a few properties of one
component type do not need a dependency.

Lines end in CRLF and are folded at 75 octets (never inside a UTF-8 character); TEXT values
escape backslash, semicolon, comma and newlines; times are UTC with a trailing Z.
"""

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from .models import Mode, SessionStatus, TrainingSession

CRLF = "\r\n"
MAX_OCTETS = 75
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11: backslash first, so the escapes added after it are not doubled. Line
    breaks become "\\n"; other control characters, which TEXT may not hold (§3.3.11 CONTROL),
    are dropped: a title stored before input refused them must not break a calendar."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
    return _CONTROL.sub("", value)


def fold(line: str) -> str:
    """RFC 5545 §3.1: split a content line into lines of at most 75 octets; each continuation
    starts with a space, which counts toward its 75."""
    data = line.encode("utf-8")
    if len(data) <= MAX_OCTETS:
        return line
    parts, start, limit = [], 0, MAX_OCTETS
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a UTF-8 continuation byte
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, MAX_OCTETS - 1
    return (CRLF + " ").join(parts)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def session_uid(session: TrainingSession) -> str:
    """Stable for the session's whole life, so calendars update the event instead of adding one."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"pelatihan-{session.pk}@{host}"


def _event(session: TrainingSession, url: str, *, include_meeting_url: bool) -> list[str]:
    description = [session.topic.name, _("Pelatih: %(name)s") % {"name": session.trainer}]
    if session.description:
        description.append(session.description)
    online = session.mode in (Mode.ONLINE, Mode.HYBRID)
    if online and include_meeting_url and session.meeting_url:
        description.append(_("Tautan: %(url)s") % {"url": session.meeting_url})
    elif online:
        description.append(_("Tautan pertemuan daring diberikan kepada peserta terdaftar."))
    if session.venue:
        location = session.venue
    elif include_meeting_url and session.meeting_url:
        location = session.meeting_url
    else:
        location = _("Daring")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{session_uid(session)}",
        f"DTSTAMP:{utc(session.updated_at)}",
        f"LAST-MODIFIED:{utc(session.updated_at)}",
        f"DTSTART:{utc(session.starts_at)}",
        f"DTEND:{utc(session.ends_at)}",
        f"SUMMARY:{escape_text(session.title)}",
        f"DESCRIPTION:{escape_text(chr(10).join(description))}",
        f"LOCATION:{escape_text(location)}",
        f"URL:{url}",
        f"STATUS:{'CANCELLED' if session.status == SessionStatus.CANCELLED else 'CONFIRMED'}",
        "END:VEVENT",
    ]
    return lines


def calendar(
    sessions: Iterable[TrainingSession],
    *,
    url_of: Callable[[TrainingSession], str],
    name: str,
    include_meeting_url: bool = False,
) -> str:
    """A VCALENDAR of the sessions. ``url_of`` gives each session page's absolute URL.
    The meeting link is left out unless ``include_meeting_url`` (a registered participant's copy)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Disnakerin Kota Payakumbuh//Portal Pemulihan IKM//ID",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{settings.TIME_ZONE}",
    ]
    for session in sessions:
        lines.extend(_event(session, url_of(session), include_meeting_url=include_meeting_url))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
