from django.core.management.base import BaseCommand

from businesses.reference import reference_load
from showcase.reference import showcase_reference_load


class Command(BaseCommand):
    help = (
        "Muat data referensi Payakumbuh (kecamatan, kelurahan, KBLI, marketplace, kategori dan sentra etalase). "
        "Aman dijalankan berulang."
    )

    def handle(self, *args, **options):
        # The registry's first: the showcase's categories and sentra point to its KBLI and places.
        counts = reference_load() | showcase_reference_load()
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k}: {v}" for k, v in counts.items())))
