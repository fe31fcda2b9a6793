"""Reads of the outbox for staff."""

from django.db.models import Count, Q

from .models import Delivery, Message, MessageStatus


def delivery_summary() -> list[dict]:
    """Per channel, in one query however many messages: how many were handed over (sent or
    failed after trying), how many reached the person (for WhatsApp, the provider said delivered
    or read; email has no receipts, so sent counts), how many were read, and the rate."""
    tried = Q(status__in=[MessageStatus.SENT, MessageStatus.FAILED])
    reached = Q(status=MessageStatus.SENT, channel="email") | Q(delivery__in=[Delivery.DELIVERED, Delivery.READ])
    rows = (
        Message.objects.values("channel")
        .annotate(
            total=Count("pk"),
            tried=Count("pk", filter=tried),
            reached=Count("pk", filter=reached),
            read=Count("pk", filter=Q(delivery=Delivery.READ)),
            failed=Count("pk", filter=Q(status=MessageStatus.FAILED)),
            skipped=Count("pk", filter=Q(status=MessageStatus.SKIPPED)),
        )
        .order_by("channel")
    )
    summary = []
    for row in rows:
        row["rate"] = round(100 * row["reached"] / row["tried"], 1) if row["tried"] else None
        summary.append(row)
    return summary
