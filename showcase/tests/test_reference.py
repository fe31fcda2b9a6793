import csv

import pytest
from django.core.management import call_command

from businesses.models import Kbli
from businesses.reference import REFERENCE_DIR as REGISTRY_REFERENCE_DIR
from showcase.models import Category, Sentra
from showcase.reference import WEST_SUMATRA, provinces, showcase_reference_load


def test_every_kbli_code_of_the_registry_belongs_to_exactly_one_category():
    with open(REGISTRY_REFERENCE_DIR / "kbli_ikm.csv", encoding="utf-8", newline="") as handle:
        registry_codes = [row["code"] for row in csv.DictReader(handle)]
    from showcase.reference import _rows

    placed = [code for row in _rows("categories.csv") for code in row["kbli_codes"].split()]
    assert sorted(placed) == sorted(registry_codes)


def test_provinces_are_the_38_of_indonesia_and_abroad():
    names = provinces()
    assert len(names) == 39
    assert names[WEST_SUMATRA] == "Sumatera Barat"
    assert names["LN"] == "Luar negeri"


@pytest.mark.django_db
def test_load_reference_loads_categories_and_sentra_and_changes_nothing_the_second_time(capsys):
    call_command("load_reference")
    first = {c.slug: sorted(c.kbli.values_list("code", flat=True)) for c in Category.objects.all()}
    sentra = list(Sentra.objects.values_list("slug", "kecamatan__name", "kelurahan__name"))
    call_command("load_reference")
    assert {c.slug: sorted(c.kbli.values_list("code", flat=True)) for c in Category.objects.all()} == first
    assert list(Sentra.objects.values_list("slug", "kecamatan__name", "kelurahan__name")) == sentra
    assert len(first) == 12
    assert first["makanan-khas"] == ["10750", "10772"]
    assert ("sentra-rendang", "Payakumbuh Utara", None) in sentra
    assert ("sentra-tenun-balai-panjang", "Payakumbuh Selatan", "Balai Panjang") in sentra
    assert Kbli.objects.filter(showcase_categories__isnull=True).count() == 0
    assert "kategori: 12, sentra: 3" in capsys.readouterr().out


def test_loader_counts(showcase_reference):
    assert showcase_reference == {"kategori": 12, "sentra": 3}
    assert showcase_reference_load() == showcase_reference
