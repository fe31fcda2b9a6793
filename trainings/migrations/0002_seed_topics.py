"""The programme's three topics (Disnakerin's recovery plan). Idempotent, matched by slug."""

from django.db import migrations

TOPICS = [
    {
        "slug": "pemasaran-online",
        "name": "Pemasaran online (marketplace dan media sosial)",
        "description": "Membuka toko di marketplace, memotret produk, menulis deskripsi, melayani pembeli lewat "
        "WhatsApp dan media sosial, serta mengirim barang ke luar kota.",
        "target_divisions": "",
    },
    {
        "slug": "produksi-protokol-kesehatan",
        "name": "Proses produksi dengan protokol kesehatan",
        "description": "Mengatur tempat kerja, kebersihan bahan dan alat, serta jarak dan jadwal pekerja agar "
        "produksi tetap berjalan dengan aman.",
        "target_divisions": "10, 13, 14",
    },
    {
        "slug": "strategi-usaha-baru",
        "name": "Strategi usaha baru",
        "description": "Menghitung ulang biaya dan harga, mencari bahan baku dan pasar baru, dan merencanakan "
        "pemulihan usaha setelah pembatasan sosial.",
        "target_divisions": "",
    },
]


def seed(apps, schema_editor):
    Topic = apps.get_model("trainings", "Topic")
    for topic in TOPICS:
        Topic.objects.get_or_create(slug=topic["slug"], defaults=topic)


class Migration(migrations.Migration):
    dependencies = [("trainings", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
