"""Fonnte (https://docs.fonnte.com), widely used in Indonesia: a form POST to its send endpoint
with the device token in the ``Authorization`` header and ``target``, ``message`` and
``countryCode``. It answers 200 with JSON: ``{"status": true, "detail": "...", "id": ["8036..."],
"target": [...], "process": "pending"}`` when queued, ``{"status": false, "reason": "..."}`` when
refused."""

import re

from django.conf import settings

from .base import PermanentFailure, Provider, TemporaryFailure

# Refusals that are Fonnte asking to come back later rather than a verdict on the message.
_TEMPORARY_REASONS = re.compile(r"rate.?limit|too many|try again|coba lagi|timeout|server", re.IGNORECASE)


def fonnte_target(phone: str) -> str:
    """Digits only: +62 812... becomes 62812...; a local 0812... is left for countryCode."""
    return re.sub(r"\D", "", phone)


class FonnteProvider(Provider):
    name = "fonnte"

    def send(self, message) -> str:
        if not settings.WHATSAPP_FONNTE_TOKEN:
            raise PermanentFailure("WHATSAPP_FONNTE_TOKEN kosong: token perangkat Fonnte belum diisi")
        form = {
            "target": fonnte_target(message.recipient),
            "message": f"*{message.subject}*\n\n{message.body}",
            "countryCode": settings.WHATSAPP_FONNTE_COUNTRY_CODE,
        }
        response = self.post(
            settings.WHATSAPP_FONNTE_URL,
            data=form,
            headers={"Authorization": settings.WHATSAPP_FONNTE_TOKEN, "Accept": "application/json"},
        )
        data = self.json(response)
        reason = ""
        if isinstance(data, dict):
            reason = str(data.get("reason") or data.get("detail") or "")
        if response.status_code >= 300:
            raise self.http_error(response, reason or response.text[:500].strip() or response.reason_phrase)
        if not isinstance(data, dict):
            # A 200 that is not Fonnte's JSON (a captive portal, a proxy's page): it may or may
            # not have been queued, but Fonnte never answers so; come back later.
            raise TemporaryFailure(f"{self.label()}: jawaban bukan JSON ({response.text[:200]!r})")
        if data.get("status") is not True:
            text = f"{self.label()} menolak: {reason or 'tanpa alasan'}"[:2000]
            if _TEMPORARY_REASONS.search(reason):
                raise TemporaryFailure(text)
            raise PermanentFailure(text)
        ids = data.get("id")
        first = ids[0] if isinstance(ids, list) and ids else ids
        return str(first or "")[:100]
