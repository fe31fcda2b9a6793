"""WhatsApp providers: one adapter per provider's documented contract, chosen by WHATSAPP_PROVIDER.

Each adapter's ``send(message)`` returns the provider's id for the message (what its status
callbacks name) or raises TemporaryFailure (worth a retry: nothing reached the provider, or it
asked to come back later), PermanentFailure (the provider refused this message: retrying would
not help) or UncertainFailure (the request left but no answer came: it may have been sent).
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import PermanentFailure, Provider, TemporaryFailure, UncertainFailure

PROVIDERS = {
    "meta": "notifications.providers.meta.MetaCloudProvider",
    "fonnte": "notifications.providers.fonnte.FonnteProvider",
    "console": "notifications.providers.console.ConsoleProvider",
    "webhook": "notifications.providers.webhook.WebhookProvider",
}

__all__ = [
    "PROVIDERS",
    "PermanentFailure",
    "Provider",
    "TemporaryFailure",
    "UncertainFailure",
    "provider_name",
    "whatsapp_provider",
]


def provider_name() -> str:
    """The configured provider, "" when WhatsApp is off. An older configuration that only set
    WHATSAPP_GATEWAY_URL keeps using that gateway (the generic webhook)."""
    name = (settings.WHATSAPP_PROVIDER or "").strip().lower()
    if not name and settings.WHATSAPP_GATEWAY_URL:
        return "webhook"
    return name


def whatsapp_provider() -> Provider | None:
    name = provider_name()
    if not name:
        return None
    if name not in PROVIDERS:
        raise PermanentFailure(f"WHATSAPP_PROVIDER tidak dikenal: {name!r} (pilihan: {', '.join(PROVIDERS)})")
    return import_string(PROVIDERS[name])()
