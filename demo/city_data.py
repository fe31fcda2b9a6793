"""The demo city's names: its sectors (KBLI codes with their weights, business-name patterns and
products), the owners' given names, surnames and titles, places and streets, and the two demo
owners who sign in. Data only; demo.registry draws from it."""

from accounts.roles import NIK_VIEWER_GROUP, Role
from businesses.models import BusinessStatus

# (KBLI code, weight, name patterns, products): Payakumbuh's IKM are mostly food (rendang,
# galamai, batiah) and textiles (bordir, tenun, rajutan), then wood, leather and crafts.
SECTORS = [
    ("10750", 22, ["Rendang {n}", "Randang {n}", "Rendang Khas {p}"], "Rendang daging, rendang telur, rendang paru"),
    ("10796", 10, ["Galamai {n}", "Galamai Asli {p}"], "Galamai, wajik"),
    ("10794", 12, ["Batiah {n}", "Kerupuk {n}", "Keripik Sanjai {n}"], "Batiah, kerupuk kulit, keripik sanjai"),
    ("10772", 4, ["Bumbu Rendang {n}"], "Bumbu rendang siap masak"),
    ("10710", 8, ["Kue {n}", "Roti {n}"], "Kue kering, roti manis"),
    ("10792", 5, ["Kue Basah {n}"], "Lamang, kue talam, lapek"),
    ("10761", 3, ["Kopi {p}"], "Kopi bubuk, kopi kawa daun"),
    ("14302", 10, ["Bordir {n}", "Sulaman {p}"], "Mukena bordir, kerudung sulaman"),
    ("13121", 5, ["Tenun {p}", "Songket {n}"], "Kain tenun, songket Balai Panjang"),
    ("14301", 5, ["Rajutan {n}"], "Sweter, topi dan tas rajut"),
    ("14111", 5, ["Konveksi {n}"], "Seragam sekolah, kemeja"),
    ("16292", 3, ["Anyaman {n}"], "Tikar pandan, tas anyaman"),
    ("31001", 3, ["Mebel {n}"], "Lemari, kursi, meja kayu"),
    ("15121", 2, ["Kulit {n}"], "Tas dan dompet kulit"),
    ("32903", 3, ["Kerajinan {n}"], "Suvenir, miniatur rumah gadang"),
]
WOMEN = [
    "Yusnimar",
    "Rosmaniar",
    "Nurhayati",
    "Syafrida",
    "Elviana",
    "Yenni",
    "Desmawati",
    "Fitri",
    "Rahmi",
    "Zurniati",
    "Marlina",
    "Sri Wahyuni",
    "Ernawati",
    "Yulia",
    "Asnidar",
    "Hasnah",
    "Mardiana",
    "Nelfi",
]
MEN = [
    "Syafrizal",
    "Afrizal",
    "Zulkifli",
    "Hendri",
    "Yusrizal",
    "Darmawan",
    "Irwan",
    "Edi Putra",
    "Rusdi",
    "Arman",
    "Zainal",
    "Fauzan",
    "Yondri",
    "Novrizal",
    "Amril",
    "Dasril",
]
SURNAMES = ["", " Dt. Rajo Mudo", " Chaniago", " Piliang", " Koto", " Tanjung", " Sikumbang", " Caniago", " Melayu", " Jambak"]
TITLES_W = ["Uni", "Mak", "Etek", "Amak", "Bundo"]
TITLES_M = ["Pak", "Uda", "Mamak", "Angku"]
PLACES = [
    "Saiyo",
    "Sakato",
    "Minang",
    "Ranah Minang",
    "Luak Limopuluah",
    "Payakumbuh",
    "Koto Nan Ampek",
    "Bukik Sibaluik",
    "Sago",
]
STREETS = [
    "Jl. Soekarno-Hatta",
    "Jl. Sudirman",
    "Jl. Ahmad Yani",
    "Jl. Tan Malaka",
    "Jl. Veteran",
    "Jl. Rasuna Said",
    "Jl. Diponegoro",
    "Jl. M. Yamin",
    "Jl. Pahlawan",
    "Jl. Khatib Sulaiman",
]

DEMO_OWNERS = [
    # (full name, phone, email, business name, kbli, status)
    ("Yusnimar", "+6281266000001", None, "Rendang Uni Yus", "10750", BusinessStatus.VERIFIED),
    ("Rosmaniar", "+6281266000002", "pemilik@contoh.id", "Galamai Mak Ros", "10796", BusinessStatus.VERIFIED),
]

STAFF_ACCOUNTS = [
    # (full name, email, role, extra groups or "superuser")
    ("Admin Portal", "admin@payakumbuh.go.id", None, "superuser"),
    ("Staf Disnakerin", "staf@disnakerin.payakumbuh.go.id", Role.STAFF, ()),
    ("Verifikator Disnakerin", "verifikator@disnakerin.payakumbuh.go.id", Role.STAFF, (NIK_VIEWER_GROUP,)),
    ("Pejabat Kota Payakumbuh", "pejabat@payakumbuh.go.id", Role.OFFICIAL, ()),
]
