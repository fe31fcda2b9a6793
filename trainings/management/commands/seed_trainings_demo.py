from django.core.management.base import BaseCommand

from trainings.demo import trainings_demo_seed


class Command(BaseCommand):
    help = "Buat pelatihan demo (katalog, daftar tunggu, pelatihan selesai dengan sertifikat). Jalankan sesudah seed_demo; aman diulang."

    def handle(self, *args, **options):
        created = trainings_demo_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Sesi baru: {created['sessions']}, pendaftaran baru: {created['registrations']}, "
                f"sertifikat baru: {created['certificates']}"
            )
        )
