"""Load Payakumbuh's reference data from the readable copies in businesses/reference/.

The CSV files are copied from the programme's shared reference folder (sources in SOURCES.md);
the portal reads only its own copy. Loading is idempotent: rows are matched by their code and
updated in place, so running it again changes nothing, and a corrected title is picked up.
"""

import csv
import functools
from pathlib import Path

from django.db import transaction

from .models import Kbli, Kecamatan, Kelurahan, Marketplace

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


def _rows(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def reference_load() -> dict[str, int]:
    """Create or update kecamatan, kelurahan, KBLI codes and marketplaces; return row counts."""
    wilayah = _rows("payakumbuh_wilayah.csv")
    kecamatan = {}
    for row in wilayah:
        if row["kecamatan_code"] not in kecamatan:
            kecamatan[row["kecamatan_code"]], _ = Kecamatan.objects.update_or_create(
                code=row["kecamatan_code"], defaults={"name": row["kecamatan_name"]}
            )
    for row in wilayah:
        Kelurahan.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "kecamatan": kecamatan[row["kecamatan_code"]]}
        )
    kbli = _rows("kbli_ikm.csv")
    for row in kbli:
        Kbli.objects.update_or_create(
            version=int(row["kbli_version"]),
            code=row["code"],
            defaults={"title": row["title"], "products": row["typical_payakumbuh_products"]},
        )
    marketplaces = _rows("marketplaces.csv")
    for row in marketplaces:
        Marketplace.objects.get_or_create(name=row["name"])
    return {"kecamatan": len(kecamatan), "kelurahan": len(wilayah), "kbli": len(kbli), "marketplace": len(marketplaces)}


@functools.lru_cache(maxsize=1)
def kbli_divisions() -> dict[tuple[int, str], str]:
    """KBLI 2-digit divisions (golongan pokok), the portal's sectors, keyed by (version, code)."""
    return {(int(r["kbli_version"]), r["division"]): r["title"] for r in _rows("kbli_divisions.csv")}
