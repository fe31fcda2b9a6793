import time

from django.core.management.base import BaseCommand

from demo.registry import BUSINESS_COUNT, DEMO_PASSWORD
from demo.seed import STEPS, demo_seed


class Command(BaseCommand):
    help = (
        f"Buat kota demo: akun setiap peran (sandi {DEMO_PASSWORD}), sekitar {BUSINESS_COUNT} usaha IKM, "
        "laporan bulanan setahun, pelatihan, etalase, lalu ringkasan dasbor. Aman dijalankan berulang."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip",
            action="append",
            choices=STEPS,
            default=[],
            help="Lewati satu langkah (boleh diulang); registri selalu dibuat karena langkah lain memakainya.",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        for step, created in demo_seed(skip=options["skip"]):
            summary = ", ".join(f"{key}: {value}" for key, value in created.items())
            self.stdout.write(self.style.SUCCESS(f"{step}: {summary}"))
        self.stdout.write(self.style.SUCCESS(f"Data demo siap dalam {time.monotonic() - started:.1f} detik."))
