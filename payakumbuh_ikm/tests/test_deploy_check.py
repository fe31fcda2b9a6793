"""Production settings: `check --deploy` is clean, and nothing starts without its secrets."""

from .helpers import PROD_ENV, manage


def test_check_deploy_reports_no_issue_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PROD_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_database():
    env = {k: v for k, v in PROD_ENV.items() if k != "DATABASE_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr


def test_production_refuses_to_start_without_the_nik_keys():
    for name in ("NIK_ENCRYPTION_KEYS", "NIK_HASH_KEY"):
        env = {k: v for k, v in PROD_ENV.items() if k != name}
        result = manage("check", env=env)
        assert result.returncode != 0 and name in result.stderr
