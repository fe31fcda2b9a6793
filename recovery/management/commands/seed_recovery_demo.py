from django.core.management.base import BaseCommand

from recovery.aggregates import summaries_refresh
from recovery.demo import DEMO_MONTHS, recovery_demo_seed, targets_demo_seed


class Command(BaseCommand):
    help = (
        f"Buat laporan bulanan demo ({DEMO_MONTHS} bulan terakhir) untuk usaha demo yang terverifikasi. "
        "Jalankan sesudah seed_demo; aman dijalankan berulang."
    )

    def handle(self, *args, **options):
        created = recovery_demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Laporan bulanan baru: {created}"))
        self.stdout.write(self.style.SUCCESS(f"Target baru: {targets_demo_seed()}"))
        # The reports went in without the services: fill the dashboard's summaries once.
        self.stdout.write(self.style.SUCCESS(f"Ringkasan dasbor diisi: {summaries_refresh()} bulan"))
