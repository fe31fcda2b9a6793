"""Production settings: `check --deploy` is clean, and nothing starts without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

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


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "NIK_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_issue_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PROD_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_database():
    env = {k: v for k, v in PROD_ENV.items() if k != "DATABASE_URL"}
    result = _manage("check", env=env)
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr


def test_production_refuses_to_start_without_the_nik_keys():
    for name in ("NIK_ENCRYPTION_KEYS", "NIK_HASH_KEY"):
        env = {k: v for k, v in PROD_ENV.items() if k != name}
        result = _manage("check", env=env)
        assert result.returncode != 0 and name in result.stderr
