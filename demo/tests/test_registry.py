"""The demo city's registry and the one command that seeds the whole demo."""

import io

import pytest
from django.core.management import call_command

from businesses.models import Business, Owner
from recovery.models import MonthlyReport
from showcase.models import Profile
from trainings.models import TrainingSession

pytestmark = pytest.mark.django_db

REGISTRY_ONLY = ("--skip", "recovery", "--skip", "trainings", "--skip", "showcase")


def test_demo_data_builds_a_city_and_a_second_run_changes_nothing():
    call_command("seed_demo", *REGISTRY_ONLY, stdout=io.StringIO())
    counts = (Business.objects.count(), Owner.objects.count(), Business.history.count())
    assert counts[0] >= 300
    assert Business.objects.values("kelurahan").distinct().count() >= 40
    assert Business.objects.values("kbli").distinct().count() >= 10
    out = io.StringIO()
    call_command("seed_demo", *REGISTRY_ONLY, stdout=out)
    assert "Registri: users: 0, businesses: 0" in out.getvalue()
    assert (Business.objects.count(), Owner.objects.count(), Business.history.count()) == counts


def test_the_skipped_steps_seed_nothing():
    out = io.StringIO()
    call_command("seed_demo", *REGISTRY_ONLY, stdout=out)
    assert not MonthlyReport.objects.exists()
    assert not TrainingSession.objects.exists()
    assert not Profile.objects.exists()
    assert "Laporan bulanan" not in out.getvalue() and "Ringkasan dasbor" not in out.getvalue()


def test_demo_logins_work(client):
    call_command("seed_demo", *REGISTRY_ONLY, stdout=io.StringIO())
    for login in (
        "staf@disnakerin.payakumbuh.go.id",
        "verifikator@disnakerin.payakumbuh.go.id",
        "pejabat@payakumbuh.go.id",
        "0812-6600-0001",
        "pemilik@contoh.id",
        "admin@payakumbuh.go.id",
    ):
        client.logout()
        response = client.post("/akun/masuk/", {"username": login, "password": "ikm-payakumbuh-2026"})
        assert response.status_code == 302, login
