"""Meta's WhatsApp Cloud API: ``POST {graph}/{version}/{phone-number-id}/messages`` with a
Bearer token and JSON ``{"messaging_product": "whatsapp", "to": ..., "type": ...}``.

Messages the portal starts are approved templates with parameters; free text is allowed only
inside the 24-hour customer-service window that opens when the person writes to the business
(the status webhook records that, see notifications.webhooks). Success is
``{"messages": [{"id": "wamid..."}]}``; an error is ``{"error": {"code": ..., "message": ...,
"error_data": {"details": ...}}}`` and its code says whether a retry could help.
The template texts to submit for approval are in docs/whatsapp.md.
"""

import re

from django.conf import settings
from django.core.cache import cache

from .base import PermanentFailure, Provider, TemporaryFailure

# Error codes worth a retry: throughput and rate limits, and Meta's own temporary trouble.
# (131026 undeliverable, 132001 template missing, 131047 outside the 24-hour window, 100 bad
# parameter, 190 expired token... are verdicts: retrying would not help.)
TEMPORARY_CODES = {1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056, 133004}
REENGAGEMENT = 131047

# Which template a message uses, by the start of its outbox key; other keys use "notice".
TEMPLATE_KINDS = (
    ("training-reminder:", "reminder"),
    ("recovery-reminder:", "report_due"),
    ("training-promoted:", "seat_freed"),
    ("training-certificate:", "certificate_ready"),
    ("reset-code", "reset_code"),
)

# Meta refuses template parameters with new lines, tabs or more than four spaces in a row.
_BREAKS = re.compile(r"\s*[\r\n\t]+\s*")
_SPACES = re.compile(r" {4,}")
_CODE = re.compile(r"\b\d{4,8}\b")


def template_kind(key: str) -> str:
    for prefix, kind in TEMPLATE_KINDS:
        if key.startswith(prefix):
            return kind
    return "notice"


def template_parameter(text: str, limit: int = 900) -> str:
    return _SPACES.sub("   ", _BREAKS.sub(" · ", text.strip()))[:limit]


def meta_recipient(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def window_cache_key(phone: str) -> str:
    return f"whatsapp:window:{meta_recipient(phone)}"


def window_open(phone: str) -> bool:
    """Did the person write to the business in the last 24 hours (the customer-service window)?"""
    return bool(cache.get(window_cache_key(phone)))


def window_opened(phone: str) -> None:
    cache.set(window_cache_key(phone), 1, timeout=23 * 3600)  # an hour short, to be safe


class MetaCloudProvider(Provider):
    name = "meta"

    def url(self) -> str:
        base = settings.WHATSAPP_META_API_URL.rstrip("/")
        return f"{base}/{settings.WHATSAPP_META_API_VERSION}/{settings.WHATSAPP_META_PHONE_NUMBER_ID}/messages"

    def send(self, message) -> str:
        if not (settings.WHATSAPP_META_TOKEN and settings.WHATSAPP_META_PHONE_NUMBER_ID):
            raise PermanentFailure("WHATSAPP_META_TOKEN atau WHATSAPP_META_PHONE_NUMBER_ID kosong")
        base = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": meta_recipient(message.recipient),
            # Echoed back in the status webhooks: finds the row even when this call's answer is lost.
            "biz_opaque_callback_data": f"outbox:{message.pk}",
        }
        if window_open(message.recipient):
            try:
                return self._post({**base, "type": "text", "text": {"preview_url": False, "body": self.text(message)}})
            except PermanentFailure as error:
                if getattr(error, "code", None) != REENGAGEMENT:
                    raise
                # The window closed after all: a template does not need it.
        return self._post({**base, "type": "template", "template": self.template(message)})

    @staticmethod
    def text(message) -> str:
        return f"*{message.subject}*\n\n{message.body}"[:4096]

    @staticmethod
    def template(message) -> dict:
        kind = template_kind(message.key)
        name = settings.WHATSAPP_META_TEMPLATES.get(kind) or settings.WHATSAPP_META_TEMPLATES["notice"]
        language = {"code": settings.WHATSAPP_META_TEMPLATE_LANGUAGE}
        if kind == "reset_code":
            # An authentication template: the code in the body and in its copy-code button.
            found = _CODE.search(message.body)
            if not found:
                raise PermanentFailure("Pesan kode reset tanpa kode angka: templat autentikasi tidak bisa diisi")
            code = [{"type": "text", "text": found.group()}]
            components = [
                {"type": "body", "parameters": code},
                {"type": "button", "sub_type": "url", "index": "0", "parameters": code},
            ]
        else:
            components = [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": template_parameter(message.subject, 200)},
                        {"type": "text", "text": template_parameter(message.body)},
                    ],
                }
            ]
        return {"name": name, "language": language, "components": components}

    def _post(self, payload: dict) -> str:
        response = self.post(self.url(), json=payload, headers={"Authorization": f"Bearer {settings.WHATSAPP_META_TOKEN}"})
        data = self.json(response)
        if response.status_code < 300 and isinstance(data, dict):
            messages = data.get("messages") or [{}]
            return str(messages[0].get("id") or "")[:100]
        error = data.get("error") if isinstance(data, dict) else None
        if not isinstance(error, dict):
            raise self.http_error(response, response.text[:500].strip() or response.reason_phrase)
        code = error.get("code")
        details = (error.get("error_data") or {}).get("details") or ""
        text = f"{self.label()} galat {code}: {error.get('message') or ''} {details}".strip()[:2000]
        failure = TemporaryFailure(text) if code in TEMPORARY_CODES or response.status_code >= 500 else PermanentFailure(text)
        failure.code = code
        raise failure
