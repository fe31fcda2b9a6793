"""The four information pages with a first text for Payakumbuh. The office's address, phone,
WhatsApp help desk number, email and hours below were not confirmed with Disnakerin: the admin
says so on each page's form (pages/admin.py), and staff correct them there."""

from django.db import migrations

CONTACT_ID = """Dinas Tenaga Kerja dan Perindustrian (Disnakerin) Kota Payakumbuh melayani pertanyaan tentang pendaftaran usaha, pelatihan, dan laporan bulanan pemulihan IKM.

## Alamat kantor
Jl. Veteran No. 70, Kelurahan Kapalo Koto Dibalai
Kecamatan Payakumbuh Utara, Kota Payakumbuh
Sumatera Barat 26211

## Jam layanan
- Senin sampai Kamis: 07.30–16.00 WIB
- Jumat: 07.30–16.30 WIB
- Sabtu, Minggu, dan hari libur nasional: tutup

## Telepon dan WhatsApp
- Telepon kantor: [(0752) 92 360](tel:+6275292360)
- Layanan WhatsApp IKM: [0811-6600-2026](https://wa.me/6281166002026) (pesan dijawab pada jam layanan)
- Email: [disnakerin@payakumbuhkota.go.id](mailto:disnakerin@payakumbuhkota.go.id)

## Sebelum menghubungi kami
Sebutkan nama usaha dan nomor WhatsApp yang dipakai saat mendaftar. **Jangan kirim NIK, kata sandi, atau kode reset lewat WhatsApp atau email:** petugas tidak pernah memintanya.

Pertanyaan tentang data pribadi (melihat, memperbaiki, menarik persetujuan, atau menghapus data) dapat juga diajukan langsung dari halaman [Data pribadi saya](/akun/privasi/). Lihat [Pemberitahuan privasi](/info/privasi/)."""

CONTACT_EN = """The Manpower and Industry Office (Disnakerin) of Payakumbuh answers questions about business registration, trainings and the monthly IKM recovery reports.

## Office address
Jl. Veteran No. 70, Kelurahan Kapalo Koto Dibalai
Kecamatan Payakumbuh Utara, Kota Payakumbuh
West Sumatra 26211

## Opening hours
- Monday to Thursday: 07:30–16:00 WIB
- Friday: 07:30–16:30 WIB
- Saturday, Sunday and public holidays: closed

## Phone and WhatsApp
- Office phone: [(0752) 92 360](tel:+6275292360)
- IKM WhatsApp help desk: [0811-6600-2026](https://wa.me/6281166002026) (answered during opening hours)
- Email: [disnakerin@payakumbuhkota.go.id](mailto:disnakerin@payakumbuhkota.go.id)

## Before you contact us
Give your business name and the WhatsApp number you registered with. **Never send your NIK, password or reset code by WhatsApp or email:** staff never ask for them.

Questions about your personal data (seeing, correcting, withdrawing consent or deleting it) can also be made from the [My personal data](/akun/privasi/) page. See the [Privacy notice](/info/privasi/)."""

HELP_ID = """## Mendaftar
**Siapa yang bisa mendaftar?**
Pemilik industri kecil dan menengah (IKM) yang berusaha di Kota Payakumbuh: rendang, galamai, batiah, bordir, tenun, rajutan, kerajinan, dan lainnya.

**Apa yang perlu disiapkan?**
- NIK sesuai KTP (16 angka)
- Nomor WhatsApp yang aktif (dipakai untuk masuk dan menerima pengingat)
- Nama dan alamat usaha, kelurahan, jenis usaha, jumlah tenaga kerja, dan perkiraan omzet 2019

**Berapa lama sampai usaha saya diverifikasi?**
Petugas Disnakerin memeriksa pendaftaran pada hari kerja, biasanya dalam 5 hari kerja. Anda menerima pesan WhatsApp atau email ketika usaha diverifikasi atau bila ada data yang perlu diperbaiki.

## Masuk ke portal
**Saya lupa kata sandi.**
Pilih "Lupa kata sandi" di halaman Masuk. Kode 6 angka dikirim ke WhatsApp Anda, atau tautan ke email Anda.

**Nomor WhatsApp saya berganti.**
Hubungi layanan WhatsApp IKM atau datang ke kantor Disnakerin dengan KTP: petugas mengganti nomor setelah memeriksa identitas Anda.

## Pelatihan
- Daftar dari halaman [Pelatihan](/pelatihan/). Bila kursi penuh, Anda masuk daftar tunggu dan diberi tahu bila ada kursi kosong.
- Sehari sebelum pelatihan Anda menerima pengingat. Hadir dengan menunjukkan kode QR dari halaman "Pelatihan saya".
- Sertifikat dapat diunduh dari "Pelatihan saya" setelah pelatihan selesai dan kehadiran Anda tercatat.

## Laporan bulanan
- Setiap bulan, laporkan keadaan usaha bulan sebelumnya (omzet, tenaga kerja, penjualan online, bahan baku) paling lambat tanggal 10.
- Bulan tanpa kegiatan juga dilaporkan: pilih "Tidak ada kegiatan bulan ini".
- Bila tidak punya ponsel pintar, minta formulir cetak kepada petugas lapangan atau di kantor Disnakerin.

## Data pribadi
- NIK Anda disimpan terenkripsi dan hanya dilihat utuh oleh petugas pemeriksa.
- Di halaman [Data pribadi saya](/akun/privasi/) Anda dapat mengunduh semua data Anda, menarik persetujuan, atau meminta penghapusan akun. Lihat [Pemberitahuan privasi](/info/privasi/).

## Masih butuh bantuan?
Hubungi kami: [Kontak Disnakerin](/info/kontak/)."""

HELP_EN = """## Registering
**Who can register?**
Owners of small and medium industries (IKM) working in Payakumbuh: rendang, galamai, batiah, embroidery, weaving, knitting, crafts and others.

**What do I need?**
- Your NIK as on your identity card (16 digits)
- An active WhatsApp number (used to sign in and for reminders)
- Your business's name and address, kelurahan, line of business, number of workers and estimated 2019 turnover

**How long until my business is verified?**
Disnakerin staff check registrations on working days, usually within 5 working days. You get a WhatsApp message or email when the business is verified or when something needs correcting.

## Signing in
**I forgot my password.**
Choose "Forgot password" on the sign-in page. A 6-digit code is sent to your WhatsApp, or a link to your email.

**My WhatsApp number changed.**
Contact the IKM WhatsApp help desk or come to the Disnakerin office with your identity card: staff change the number after checking who you are.

## Trainings
- Register from the [Trainings](/pelatihan/) page. When a session is full you join the waiting list and are told when a seat frees up.
- You get a reminder the day before. Check in by showing the QR code from "My trainings".
- Certificates can be downloaded from "My trainings" once the session is over and your attendance is recorded.

## Monthly reports
- Each month, report last month's situation (turnover, workers, online sales, raw materials) by the 10th.
- Months without activity are reported too: choose "No activity this month".
- Without a smartphone, ask a field officer or the Disnakerin office for the printed form.

## Personal data
- Your NIK is stored encrypted and seen in full only by the staff who verify identities.
- On the [My personal data](/akun/privasi/) page you can download all your data, withdraw consent or ask for your account to be deleted. See the [Privacy notice](/info/privasi/).

## Still need help?
Contact us: [Disnakerin contacts](/info/kontak/)."""

PRIVACY_ID = """Pemberitahuan ini menjelaskan data pribadi apa yang diproses Portal Pemulihan IKM Kota Payakumbuh, untuk apa, dan hak Anda menurut Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi (UU PDP).

## Pengendali data
Pemerintah Kota Payakumbuh, melalui Dinas Tenaga Kerja dan Perindustrian (Disnakerin). Kontak: lihat [Kontak Disnakerin](/info/kontak/).

## Data yang kami proses
- Identitas pemilik: nama, NIK (disimpan terenkripsi), nomor WhatsApp, email
- Data usaha: nama, alamat, kelurahan, jenis usaha (KBLI), tenaga kerja, omzet 2019, izin dan sertifikasi
- Laporan bulanan: omzet, tenaga kerja, status operasi, penjualan online, bahan baku
- Pelatihan: pendaftaran, kehadiran, sertifikat, umpan balik
- Catatan teknis: waktu masuk, dan siapa yang melihat NIK lengkap

## Untuk apa
- Memverifikasi bahwa usaha benar ada dan berada di Kota Payakumbuh
- Menyelenggarakan pelatihan dan mengirim pengingat lewat WhatsApp atau email
- Menghitung angka pemulihan IKM kota untuk perencanaan program (angka ini disajikan sebagai statistik, tanpa nama pemilik)

Dasar pemrosesan adalah persetujuan Anda saat mendaftar (Pasal 20 UU PDP) dan pelaksanaan tugas pemerintah daerah di bidang perindustrian.

## Siapa yang melihat data Anda
- Petugas Disnakerin: data usaha dan kontak; NIK lengkap hanya petugas pemeriksa, dan setiap kali dilihat dicatat
- Pejabat kota: angka dan nama usaha, tanpa NIK atau kontak
- Data tidak dijual dan tidak dibagikan kepada pihak lain di luar Pemerintah Kota Payakumbuh, kecuali diwajibkan undang-undang

## Hak Anda
- **Mengakses dan mengunduh data:** di halaman [Data pribadi saya](/akun/privasi/) (PDF atau JSON)
- **Memperbaiki data:** ubah data usaha dari halaman [Usaha saya](/usaha/saya/); perubahan diperiksa petugas
- **Menarik persetujuan:** di halaman Data pribadi saya. Sejak itu Anda tidak lagi menerima pesan WhatsApp atau email program (pengingat laporan dan pelatihan), dan akun Anda ditandai "persetujuan ditarik" di data petugas. Data yang sudah ada tetap tersimpan sampai Anda meminta penghapusan. Persetujuan dapat diberikan lagi dari halaman yang sama
- **Meminta penghapusan akun dan data:** di halaman Data pribadi saya. Petugas menangani permintaan paling lambat 3 hari kerja sejak diterima, dan Anda diberi tahu hasilnya

## Yang tetap disimpan setelah penghapusan
Setelah akun dihapus, nama, NIK, nomor WhatsApp, email, dan alamat Anda dihapus atau disamarkan. Yang tetap disimpan, karena diperlukan untuk pertanggungjawaban program dan dimungkinkan UU PDP:
- Laporan bulanan yang sudah masuk, sebagai angka statistik tanpa nama (angka kota yang sudah diterbitkan tidak berubah)
- Daftar hadir pelatihan yang sudah selesai, sebagai jumlah peserta
- Catatan siapa yang pernah melihat NIK lengkap (jejak audit), tanpa NIK itu sendiri

## Lama penyimpanan
Data disimpan selama program pemulihan IKM berjalan dan Anda belum meminta penghapusan. Kode reset dan catatan gagal masuk dihapus otomatis dalam beberapa hari.

## Keamanan
NIK dienkripsi, akses dibatasi menurut peran, dan setiap pembacaan NIK lengkap dicatat.

## Perubahan pemberitahuan ini
Bila pemberitahuan ini berubah, tanggal di bawah halaman diperbarui."""

PRIVACY_EN = """This notice explains which personal data the Payakumbuh IKM Recovery Portal processes, why, and your rights under Law No. 27 of 2022 on Personal Data Protection (UU PDP).

## Controller
The City Government of Payakumbuh, through the Manpower and Industry Office (Disnakerin). Contact: see [Disnakerin contacts](/info/kontak/).

## Data we process
- Owner identity: name, NIK (stored encrypted), WhatsApp number, email
- Business data: name, address, kelurahan, line of business (KBLI), workers, 2019 turnover, permits and certifications
- Monthly reports: turnover, workers, operating status, online sales, raw materials
- Trainings: registrations, attendance, certificates, feedback
- Technical records: sign-in times, and who read a full NIK

## Why
- To verify that the business exists and is in Payakumbuh
- To run trainings and send reminders by WhatsApp or email
- To compute the city's IKM recovery figures for planning the programme (published as statistics, without owners' names)

Processing rests on the consent you gave at sign-up (Article 20 UU PDP) and on the city's public task in industry.

## Who sees your data
- Disnakerin staff: business and contact data; the full NIK only staff who verify identities, and every reading is recorded
- City officials: figures and business names, without NIK or contacts
- Data is not sold and not shared outside the City Government of Payakumbuh unless the law requires it

## Your rights
- **Access and download:** on the [My personal data](/akun/privasi/) page (PDF or JSON)
- **Correction:** edit your business from the [My business](/usaha/saya/) page; staff check the change
- **Withdraw consent:** on the My personal data page. From then on you get no programme WhatsApp messages or emails (report and training reminders), and your account is marked "consent withdrawn" in staff's records. The data held stays until you ask for deletion. You can give consent again from the same page
- **Ask for deletion of your account and data:** on the My personal data page. Staff handle the request within 3 working days of receiving it, and tell you the outcome

## What is kept after deletion
Once the account is deleted, your name, NIK, WhatsApp number, email and address are deleted or masked. What stays, because programme accountability needs it and UU PDP allows it:
- Monthly reports already submitted, as anonymous statistics (the city figures already published do not change)
- Attendance of finished trainings, as participant counts
- The record of who read a full NIK (audit trail), without the NIK itself

## How long
Data is kept while the IKM recovery programme runs and you have not asked for deletion. Reset codes and failed sign-in records are deleted automatically within days.

## Security
NIKs are encrypted, access is limited by role, and every reading of a full NIK is recorded.

## Changes to this notice
When this notice changes, the date at the bottom of the page is updated."""

TERMS_ID = """Dengan memakai Portal Pemulihan IKM Kota Payakumbuh, Anda menyetujui ketentuan berikut.

## Layanan
Portal ini layanan gratis Pemerintah Kota Payakumbuh (Disnakerin) untuk program pemulihan IKM: pendaftaran usaha, pelatihan, dan laporan bulanan. Tidak ada biaya apa pun; petugas tidak pernah meminta pembayaran.

## Kewajiban pengguna
- Mengisi data yang benar dan sesuai keadaan usaha
- Menjaga kerahasiaan kata sandi dan kode reset
- Tidak memakai akun orang lain dan tidak mendaftarkan usaha orang lain tanpa izinnya
- Memberi tahu Disnakerin bila usaha tutup atau pindah ke luar kota

## Pelatihan
Kursi pelatihan terbatas. Batalkan pendaftaran bila berhalangan, agar kursi dapat dipakai peserta dari daftar tunggu. Sertifikat hanya diterbitkan untuk peserta yang tercatat hadir.

## Laporan bulanan
Laporan dipakai untuk angka pemulihan kota. Petugas dapat mengembalikan laporan yang perlu diperbaiki.

## Akun
Disnakerin dapat menonaktifkan akun yang memakai data palsu atau menyalahgunakan portal, setelah memberi tahu pemiliknya.

## Data pribadi
Lihat [Pemberitahuan privasi](/info/privasi/).

## Perubahan ketentuan
Ketentuan ini dapat berubah; tanggal di bawah halaman menunjukkan perubahan terakhir. Pertanyaan: [Kontak Disnakerin](/info/kontak/)."""

TERMS_EN = """By using the Payakumbuh IKM Recovery Portal you agree to the following terms.

## The service
This portal is a free service of the City Government of Payakumbuh (Disnakerin) for the IKM recovery programme: business registration, trainings and monthly reports. It costs nothing; staff never ask for payment.

## Your obligations
- Give true data that matches your business
- Keep your password and reset codes secret
- Do not use another person's account and do not register another person's business without their permission
- Tell Disnakerin when your business closes or moves out of the city

## Trainings
Seats are limited. Cancel when you cannot attend, so that someone on the waiting list can take the seat. Certificates are issued only to participants recorded as present.

## Monthly reports
Reports make the city's recovery figures. Staff may return a report that needs correcting.

## Accounts
Disnakerin may deactivate an account that uses false data or misuses the portal, after telling its owner.

## Personal data
See the [Privacy notice](/info/privasi/).

## Changes
These terms may change; the date at the bottom of the page shows the last change. Questions: [Disnakerin contacts](/info/kontak/)."""

PAGES = [
    ("bantuan", "Bantuan dan tanya jawab", "Help and frequently asked questions", HELP_ID, HELP_EN),
    ("kontak", "Kontak Disnakerin", "Contact Disnakerin", CONTACT_ID, CONTACT_EN),
    ("privasi", "Pemberitahuan privasi", "Privacy notice", PRIVACY_ID, PRIVACY_EN),
    ("ketentuan", "Syarat dan ketentuan", "Terms of use", TERMS_ID, TERMS_EN),
]


def create_pages(apps, schema_editor):
    Page = apps.get_model("pages", "Page")
    for slug, title_id, title_en, body_id, body_en in PAGES:
        Page.objects.get_or_create(
            slug=slug, defaults={"title_id": title_id, "title_en": title_en, "body_id": body_id, "body_en": body_en}
        )


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]

    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
