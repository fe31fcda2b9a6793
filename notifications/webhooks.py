"""Delivery status callbacks from the WhatsApp providers (the only CSRF-exempt views: the caller
is the provider, who proves itself with a signature or a shared secret instead of a cookie)."""

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from .models import Delivery
from .providers.meta import window_opened
from .receipts import message_receipt

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024


def _refuse(request, provider: str, why: str) -> HttpResponse:
    # The caller's address as the rate limits see it (the one client-address function the
    # settings name), not the proxy's.
    address = import_string(settings.RATELIMIT_IP_META_KEY)(request)
    logger.warning("WhatsApp %s webhook refused from %s: %s", provider, address, why)
    return HttpResponseForbidden()


def _limited(request) -> bool:
    return is_ratelimited(request, group="whatsapp-webhook", key="ip", rate=settings.RATELIMIT_WHATSAPP_WEBHOOK, increment=True)


def _timestamp(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# --- Meta ----------------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request):
    if _limited(request):
        return HttpResponse(status=429)
    if request.method == "GET":
        # The subscription handshake: echo the challenge when the verify token is ours.
        token = settings.WHATSAPP_META_VERIFY_TOKEN
        if (
            token
            and request.GET.get("hub.mode") == "subscribe"
            and constant_time_compare(request.GET.get("hub.verify_token", ""), token)
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return _refuse(request, "meta", "verify token wrong or missing")
    secret = settings.WHATSAPP_META_APP_SECRET
    if not secret:
        return _refuse(request, "meta", "WHATSAPP_META_APP_SECRET not set")
    body = request.body[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        return _refuse(request, "meta", "body too large")
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not constant_time_compare(request.headers.get("X-Hub-Signature-256", ""), expected):
        return _refuse(request, "meta", "signature wrong or missing")
    try:
        payload = json.loads(body)
    except ValueError:
        return HttpResponse(status=400)
    changed = 0
    for value in _meta_values(payload):
        for status in value.get("statuses") or []:
            changed += _meta_status(status)
        for incoming in value.get("messages") or []:
            if isinstance(incoming, dict) and incoming.get("from"):
                window_opened(str(incoming["from"]))  # the 24-hour window opens: free text allowed
    return JsonResponse({"changed": changed})


def _meta_values(payload):
    if not isinstance(payload, dict):
        return
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value")
            if isinstance(value, dict):
                yield value


def _meta_status(status) -> int:
    if not isinstance(status, dict):
        return 0
    ours = str(status.get("biz_opaque_callback_data") or "")
    # Ours, echoed back (outbox:<id>); a number too long for a key is nobody's.
    message_id = int(ours[7:]) if ours.startswith("outbox:") and ours[7:].isdigit() and len(ours) <= 25 else None
    reason = ""
    for error in status.get("errors") or []:
        details = (error.get("error_data") or {}).get("details") or ""
        reason = f"{error.get('code')}: {error.get('title') or error.get('message') or ''} {details}".strip()
    return int(
        message_receipt(
            provider="meta",
            status=str(status.get("status") or ""),
            external_id=str(status.get("id") or ""),
            message_id=message_id,
            reason=reason,
            at=_timestamp(status.get("timestamp")),
        )
    )


# --- Fonnte --------------------------------------------------------------------------------------

# Fonnte's message statuses, and the delivery state it reports once the phone has the message.
FONNTE_STATUSES = {
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.READ,
    "invalid": Delivery.FAILED,
    "expired": Delivery.FAILED,
    "failed": Delivery.FAILED,
    "url unreachable": Delivery.FAILED,
}


@csrf_exempt
@require_http_methods(["POST"])
def fonnte_webhook(request, secret: str):
    if _limited(request):
        return HttpResponse(status=429)
    expected = settings.WHATSAPP_FONNTE_WEBHOOK_SECRET
    if not expected or not constant_time_compare(secret, expected):
        return _refuse(request, "fonnte", "secret wrong or not set")
    if len(request.body) > MAX_BODY:
        return _refuse(request, "fonnte", "body too large")
    try:
        data = json.loads(request.body) if request.content_type == "application/json" else request.POST.dict()
    except ValueError:
        return HttpResponse(status=400)
    if not isinstance(data, dict) or not data.get("id"):
        return HttpResponse(status=400)
    state = str(data.get("state") or "").strip().lower()
    raw = str(data.get("status") or "").strip().lower()
    status = FONNTE_STATUSES.get(state) or FONNTE_STATUSES.get(raw)
    if status is None:
        return JsonResponse({"changed": 0})  # pending, processing, waiting: nothing to record yet
    reason = str(data.get("reason") or raw) if status == Delivery.FAILED else ""
    changed = message_receipt(provider="fonnte", status=status, external_id=str(data["id"]), reason=reason)
    return JsonResponse({"changed": int(changed)})
