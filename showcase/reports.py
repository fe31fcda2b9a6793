"""A visitor's "laporkan" on a public product: the one write of the public side.

Nothing about the visitor is kept (no name, address or browser): the report holds the reason
and the message only. Staff review reports in the moderation pages (owner & staff side).
"""

from django.db import transaction

from .models import Product, ProductReport


@transaction.atomic
def product_report_create(*, product: Product, reason: str, message: str) -> ProductReport:
    """Record a report on ``product``, which the caller has found public. Raises
    ValidationError (Indonesian) for a reason not in ProductReportReason or a too-long message."""
    report = ProductReport(product=product, reason=reason, message=message.strip())
    report.full_clean()
    report.save()
    return report
