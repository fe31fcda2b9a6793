"""Settings say each thing once: production restates nothing base.py sets, every process falls
back to the same settings, and the mail settings are named, not splatted from a dict."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import PROD_ENV, manage

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "payakumbuh_ikm" / "settings"


def _assignments(path: Path) -> dict[str, str]:
    """Module-level NAME = expression, as source text."""
    tree = ast.parse(path.read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = ast.unparse(node.value)
    return found


def test_production_settings_restate_nothing_that_base_sets_the_same_way():
    base, prod = _assignments(SETTINGS / "base.py"), _assignments(SETTINGS / "prod.py")
    restated = sorted(name for name, value in prod.items() if name.isupper() and base.get(name) == value)
    assert restated == []


def test_no_settings_module_updates_its_namespace_from_a_dict():
    for path in SETTINGS.glob("*.py"):
        source = path.read_text()
        assert "vars().update" not in source and "globals().update" not in source, path.name


@pytest.mark.parametrize("module", ["payakumbuh_ikm.wsgi", "payakumbuh_ikm.celery"])
def test_the_web_server_and_the_worker_fall_back_to_production_settings(module):
    # A worker started without DJANGO_SETTINGS_MODULE must not run the quick start's world.
    env = {k: v for k, v in PROD_ENV.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = f"import os, {module}; print(os.environ['DJANGO_SETTINGS_MODULE'])"
    clean = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "NIK_"))}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "payakumbuh_ikm.settings.prod"


MAIL = (
    "import json; from django.conf import settings; print(json.dumps({k: getattr(settings, k) for k in "
    "['EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', 'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_TIMEOUT']}))"
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, {"EMAIL_HOST": "localhost", "EMAIL_PORT": 25, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False}),
        ("smtp+tls://kirim:rahasia@mail.payakumbuhkota.go.id:587", {"EMAIL_PORT": 587, "EMAIL_USE_TLS": True}),
        # Implicit TLS: django-environ alone would ask such a server for STARTTLS.
        (
            "smtps://kirim:rahasia@mail.payakumbuhkota.go.id:465",
            {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_USE_TLS": False},
        ),
    ],
)
def test_production_mail_settings_are_read_from_email_url_by_name(url, expected):
    env = PROD_ENV | ({"EMAIL_URL": url} if url else {})
    result = manage("shell", "-c", MAIL, env=env)
    assert result.returncode == 0, result.stderr
    mail = json.loads(result.stdout.strip().splitlines()[-1])
    assert mail["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mail["EMAIL_TIMEOUT"] == 10.0  # a hung mail server cannot hold a worker forever
    assert {k: mail[k] for k in expected} == expected
    if url:
        assert mail["EMAIL_HOST"] == "mail.payakumbuhkota.go.id" and mail["EMAIL_HOST_USER"] == "kirim"
