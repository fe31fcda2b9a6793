"""One way out for every message: the public API other apps call.

Queueing lives in notifications.outbox, sending in notifications.delivery, the WhatsApp
providers in notifications.providers; the names callers import are kept here.
"""

from .delivery import (
    INTERRUPTED,
    PermanentFailure,
    TemporaryFailure,
    UncertainFailure,
    message_body_filler_register,
    message_deliver,
    message_mark_failed,
    messages_recover_interrupted,
)
from .outbox import (
    BULK_BATCH_SIZE,
    SEND_BATCH_SIZE,
    WHATSAPP_OFF,
    Attachment,
    Outgoing,
    message_queue,
    messages_queue_many,
    messages_resend,
    messages_sweep,
)
from .receipts import message_receipt

__all__ = [
    "BULK_BATCH_SIZE",
    "INTERRUPTED",
    "SEND_BATCH_SIZE",
    "WHATSAPP_OFF",
    "Attachment",
    "Outgoing",
    "PermanentFailure",
    "TemporaryFailure",
    "UncertainFailure",
    "message_body_filler_register",
    "message_deliver",
    "message_mark_failed",
    "message_queue",
    "message_receipt",
    "messages_queue_many",
    "messages_recover_interrupted",
    "messages_resend",
    "messages_sweep",
]
