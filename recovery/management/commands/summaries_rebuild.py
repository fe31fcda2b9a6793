import time

from django.core.management.base import BaseCommand

from recovery.aggregates import summaries_refresh


class Command(BaseCommand):
    help = (
        "Hitung ulang semua ringkasan angka dasbor pemulihan (setiap bulan sejak Januari 2020). "
        "Jalankan sesudah laporan dimasukkan tanpa layanan portal (seed, impor massal); aman diulang."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        months = summaries_refresh()
        self.stdout.write(self.style.SUCCESS(f"Ringkasan diisi: {months} bulan, {time.perf_counter() - started:.1f} s"))
