import pytest
from django.core.management import call_command

from businesses.models import Business, Kbli, Kecamatan, Kelurahan, Owner

pytestmark = pytest.mark.django_db


def test_reference_data_loads_payakumbuh_and_is_idempotent():
    call_command("load_reference")
    call_command("load_reference")
    assert Kecamatan.objects.count() == 5
    assert Kelurahan.objects.count() == 47
    assert Kecamatan.objects.get(code="13.76.04").name == "Lamposi Tigo Nagori"
    assert Kelurahan.objects.get(code="13.76.01.1022").name == "Tanjuang Pauh"
    rendang = Kbli.objects.get(version=2020, code="10750")
    assert "rendang" in rendang.products


def test_reference_loader_reads_only_the_projects_copy():
    from businesses.reference import REFERENCE_DIR

    assert "shared" not in REFERENCE_DIR.parts and (REFERENCE_DIR / "payakumbuh_wilayah.csv").exists()


def test_demo_data_builds_a_city_and_a_second_run_changes_nothing():
    call_command("seed_demo")
    counts = (Business.objects.count(), Owner.objects.count(), Business.history.count())
    assert counts[0] >= 300
    assert Business.objects.values("kelurahan").distinct().count() >= 40
    assert Business.objects.values("kbli").distinct().count() >= 10
    call_command("seed_demo")
    assert (Business.objects.count(), Owner.objects.count(), Business.history.count()) == counts


def test_demo_logins_work(client):
    call_command("seed_demo")
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
