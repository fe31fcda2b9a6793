"""Who is shown a full NIK, and the record that they were: the one place both are decided.

A full NIK is shown only to users with businesses.view_full_nik (the Pemeriksa NIK group, and
superusers); everyone else sees 1376**********01. Every response that shows full NIKs records
the read in the trail ("Jejak akses data pribadi", accounts.AuditEvent): pages call
``nik_reveal``, admin pages and files choose their column with ``nik_full_allowed`` and record
with ``nik_reads_record``. Nothing else asks for the permission or writes the trail
(payakumbuh_ikm/tests/test_nik_reads_recorded.py opens every page and file a NIK checker can
reach and fails on a full NIK shown without its record).
"""

from collections.abc import Iterable

from accounts.audit import audit_record
from accounts.models import AuditAction

FULL_NIK_PERMISSION = "businesses.view_full_nik"


def nik_full_allowed(user) -> bool:
    """Whether ``user`` may be shown full NIKs (the caller then records what it showed)."""
    return bool(user is not None and user.is_authenticated and user.has_perm(FULL_NIK_PERMISSION))


def nik_reads_record(*, request, owner_ids: Iterable, action: AuditAction = AuditAction.NIK_VIEW) -> None:
    """Record that ``request.user`` was shown the full NIKs of ``owner_ids``; nothing for users
    who are shown masked NIKs, or for no owners."""
    if nik_full_allowed(request.user):
        audit_record(request=request, action=action, object_type="owner", object_ids=owner_ids)


def nik_reveal(*, request, owner_ids: Iterable, action: AuditAction = AuditAction.NIK_VIEW) -> bool:
    """For a response about to show the NIKs of ``owner_ids``: whether to show them in full.
    When it may, the read is recorded at once."""
    allowed = nik_full_allowed(request.user)
    if allowed:
        audit_record(request=request, action=action, object_type="owner", object_ids=owner_ids)
    return allowed
