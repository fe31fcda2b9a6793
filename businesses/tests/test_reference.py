import pytest
from django.core.management import call_command

from businesses.models import Kbli, Kecamatan, Kelurahan

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
