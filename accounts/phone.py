"""Indonesian WhatsApp (mobile) numbers: kept in accounts/identifiers.py with the other identifiers."""

from .identifiers import phone_normalize, phone_normalize_or_none

__all__ = ["phone_normalize", "phone_normalize_or_none"]
