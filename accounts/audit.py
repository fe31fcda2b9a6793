"""Writing the trail of reads of personal data (see accounts.models.AuditEvent)."""

from collections.abc import Iterable

from .lockout import client_ip
from .models import AuditAction, AuditEvent


def audit_record(*, request, action: AuditAction, object_type: str, object_ids: Iterable) -> AuditEvent | None:
    """Record that ``request.user`` saw full NIKs of ``object_ids``. Nothing is written for an
    empty set (a list page with no rows showed nobody's NIK)."""
    ids = sorted({int(pk) for pk in object_ids if pk is not None})
    if not ids:
        return None
    return AuditEvent.objects.create(
        actor=request.user if request.user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_ids=ids,
        ip_address=client_ip(request),
    )
