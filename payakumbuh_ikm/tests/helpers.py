"""Helpers the portal-wide tests share (a test module imports no other test module)."""

import os
import re
import subprocess
import sys
from pathlib import Path

# Django's own English messages: a form error or reason shown to users must never be one of them.
ENGLISH = re.compile(r"\b(Enter a|This field|Ensure this|Select a valid|is required|is not one of|valid (date|number|email))\b")

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "payakumbuh_ikm.settings.prod",
    "DJANGO_SECRET_KEY": "k" * 20 + "Xz9!q#Lm2$Vb7&Rt4*Wy8^Np3@Hs6%Jd1(Fg5)",
    "DJANGO_ALLOWED_HOSTS": "ikm.payakumbuhkota.go.id",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "NIK_ENCRYPTION_KEYS": "cHJvZHVjdGlvbi10ZXN0LW5pay1rZXktMDAwMDAwMDA=",
    "NIK_HASH_KEY": "production-test-nik-hash-key",
}


def manage(*args, env):
    """``manage.py *args`` in a process of its own, with ``env`` instead of the caller's settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "NIK_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )
