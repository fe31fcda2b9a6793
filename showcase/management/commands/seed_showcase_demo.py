import time

from django.core.management.base import BaseCommand

from showcase.demo import PROFILE_COUNT, showcase_demo_seed
from showcase.reference import showcase_reference_load


class Command(BaseCommand):
    help = (
        f"Buat etalase demo: sekitar {PROFILE_COUNT} usaha demo tampil dengan produk, foto buatan portal, tautan toko "
        "dan minat pembeli enam bulan. Jalankan sesudah seed_demo. Aman dijalankan berulang."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        showcase_reference_load()
        created = showcase_demo_seed()
        seconds = time.monotonic() - started
        summary = ", ".join(f"{key}: {value}" for key, value in created.items())
        self.stdout.write(self.style.SUCCESS(f"Etalase demo ({seconds:.1f} detik): {summary}"))
