from django.core.management.base import BaseCommand

from businesses.reference import reference_load


class Command(BaseCommand):
    help = "Muat data referensi Payakumbuh (kecamatan, kelurahan, KBLI, marketplace). Aman dijalankan berulang."

    def handle(self, *args, **options):
        counts = reference_load()
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k}: {v}" for k, v in counts.items())))
