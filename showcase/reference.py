"""Load the showcase's reference data (categories, sentra) from showcase/reference/.

Idempotent like ``businesses.reference.reference_load``, which must have run first (the KBLI codes,
kecamatan and kelurahan these rows point to). Provinces are read from their file when needed.
"""

import csv
import functools
from pathlib import Path

from django.db import transaction

from businesses.models import Kbli, Kecamatan, Kelurahan

from .models import Category, Sentra

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
KBLI_VERSION = 2020


def _rows(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def showcase_reference_load() -> dict[str, int]:
    """Create or update the categories (with their KBLI codes) and the sentra; return row counts."""
    kbli = {k.code: k for k in Kbli.objects.filter(version=KBLI_VERSION)}
    categories = {}
    for row in _rows("categories.csv"):
        category, _ = Category.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "position": int(row["position"]),
                "name": row["name"],
                "name_en": row["name_en"],
                "description": row["description"],
                "description_en": row["description_en"],
            },
        )
        category.kbli.set([kbli[code] for code in row["kbli_codes"].split() if code in kbli])
        categories[category.slug] = category
    kecamatan = {k.code: k for k in Kecamatan.objects.all()}
    kelurahan = {k.code: k for k in Kelurahan.objects.all()}
    sentra = _rows("sentra.csv")
    for row in sentra:
        Sentra.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "kecamatan": kecamatan[row["kecamatan_code"]],
                "kelurahan": kelurahan.get(row["kelurahan_code"]),
                "place": row["place"],
                "category": categories.get(row["category_slug"]),
                "description": row["description"],
                "description_en": row["description_en"],
            },
        )
    return {"kategori": len(categories), "sentra": len(sentra)}


@functools.lru_cache(maxsize=1)
def provinces() -> dict[str, str]:
    """Kemendagri province code -> name, in the file's order (``LN`` = abroad)."""
    return {row["code"]: row["name"] for row in _rows("provinces.csv")}


WEST_SUMATRA = "13"
