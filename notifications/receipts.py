"""Delivery receipts: what a WhatsApp provider's status callback says about a message it sent."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .models import DELIVERY_RANK, Channel, Delivery, Message, MessageStatus

logger = logging.getLogger(__name__)


@transaction.atomic
def message_receipt(
    *,
    provider: str,
    status: str,
    external_id: str = "",
    message_id: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> bool:
    """Record a delivery status (sent, delivered, read, failed) for the message the provider
    names by its id (or by ours, echoed back). Returns whether the row changed.

    Idempotent and monotonic: a replayed callback changes nothing, and a late one never moves
    the status back (read, then a late "delivered", stays read). A success for a message whose
    send gave no answer (failed as uncertain) marks it sent after all.
    """
    if status not in Delivery.values:
        return False
    rows = Message.objects.select_for_update().filter(channel=Channel.WHATSAPP, provider=provider)
    if message_id is not None:
        rows = rows.filter(pk=message_id)
    elif external_id:
        rows = rows.filter(external_id=external_id[:100])
    else:
        return False
    message = rows.first()
    if message is None:
        logger.warning("Status callback from %s for an unknown message %r/%r", provider, external_id, message_id)
        return False
    if DELIVERY_RANK[status] <= DELIVERY_RANK[message.delivery]:
        return False
    message.delivery, message.delivery_at = status, at or timezone.now()
    fields = ["delivery", "delivery_at"]
    if status == Delivery.FAILED:
        # It did not reach the phone: among the failures staff see, with the provider's reason.
        message.delivery_error = message.last_error = reason[:2000]
        message.status = MessageStatus.FAILED
        fields += ["delivery_error", "last_error", "status"]
    elif message.status == MessageStatus.FAILED:
        # Failed as uncertain (no answer to the send), yet the provider has it: sent after all.
        message.status, message.sent_at = MessageStatus.SENT, message.sent_at or message.delivery_at
        fields += ["status", "sent_at"]
    if external_id and not message.external_id:
        message.external_id = external_id[:100]
        fields.append("external_id")
    message.save(update_fields=fields)
    return True
