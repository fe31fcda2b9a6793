"""The generic gateway kept for providers without an adapter: the portal POSTs
``{"to": "+62...", "message": "..."}`` as JSON, with ``Authorization: Bearer <token>`` when set,
and keeps the ``id`` of a JSON answer."""

from django.conf import settings

from .base import PermanentFailure, Provider


class WebhookProvider(Provider):
    name = "webhook"

    def send(self, message) -> str:
        url = settings.WHATSAPP_GATEWAY_URL
        if not url:
            raise PermanentFailure("WHATSAPP_GATEWAY_URL kosong: gateway WhatsApp (webhook) belum dikonfigurasi")
        headers = {"Accept": "application/json"}
        if settings.WHATSAPP_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.WHATSAPP_GATEWAY_TOKEN}"
        payload = {"to": message.recipient, "message": f"{message.subject}\n\n{message.body}"}
        response = self.post(url, json=payload, headers=headers)
        if response.status_code >= 300:
            raise self.http_error(response, response.text[:2000].strip() or response.reason_phrase)
        data = self.json(response)
        return str(data.get("id") or "")[:100] if isinstance(data, dict) else ""

    def label(self) -> str:
        return "Gateway WhatsApp"
