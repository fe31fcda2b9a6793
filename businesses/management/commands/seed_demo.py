from django.core.management.base import BaseCommand

from businesses.demo import BUSINESS_COUNT, DEMO_PASSWORD, demo_seed
from businesses.reference import reference_load


class Command(BaseCommand):
    help = f"Buat data demo: akun setiap peran (sandi {DEMO_PASSWORD}) dan sekitar {BUSINESS_COUNT} usaha IKM. Aman dijalankan berulang."

    def handle(self, *args, **options):
        reference_load()
        created = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Akun baru: {created['users']}, usaha baru: {created['businesses']}"))
