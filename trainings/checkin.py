"""Attendance QR codes: a signed token that names one registration, and its picture.

The token is signed with the site's secret and a salt of its own, so it cannot be made up from a
registration id, nor reused from another signed value of the portal. It does not expire: the
check-in service decides whether it is the time and whether the registration still has a seat.
"""

import segno
from django.core import signing

SALT = "trainings.attendance-check-in"


def checkin_token(registration) -> str:
    return signing.Signer(salt=SALT).sign_object({"r": registration.pk, "s": registration.session_id})


def checkin_token_read(token: str) -> tuple[int, int] | None:
    """(registration id, session id) from a token; None when it was altered or is not one."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("s"), int):
        return None
    return data["r"], data["s"]


def qr_svg(url: str, *, title: str) -> str:
    """The QR code of ``url`` as an inline <svg> that scales to its container (no size set)."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, title=title, svgclass="qr-code w-100 h-auto"
    )
