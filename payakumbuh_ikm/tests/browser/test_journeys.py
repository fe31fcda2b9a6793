"""The portal's main journeys in a real browser, each ending on what the person sees.

Each journey audits every page it looks at (see conftest.py) and saves screenshots of its key
pages to docs/screenshots/ at desktop and phone width.
"""

import io
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from businesses.models import Business, BusinessStatus, Kbli, Kelurahan
from businesses.tests.factories import PASSWORD, BusinessFactory, UserFactory
from notifications.models import Message
from notifications.providers.console import ConsoleProvider
from payakumbuh_ikm.tests.waiting import wait_until
from recovery.models import MonthlyReport, ReportStatus
from recovery.selectors import month_add, period_default
from recovery.tests.factories import MonthlyReportFactory
from trainings.certificates import certificates_issue_for_session
from trainings.models import Certificate
from trainings.tests.factories import RegistrationFactory, TrainingSessionFactory, VerifiedBusinessFactory

pytestmark = [
    pytest.mark.slow,
    # Each journey starts with the roles and permissions the migrations made (root conftest).
    pytest.mark.django_db(transaction=True),
    # pytest-playwright 0.10's base_url fixture, under pytest 9: not ours to fix.
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]

NIK = "1376014508900001"  # Payakumbuh, born 5 August 1990 (a woman: day + 40), serial 0001


def _open_menu(page) -> None:
    """On a phone the main menu sits behind its toggler."""
    toggler = page.get_by_role("button", name="Buka menu")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#nav-utama")).to_be_visible()


@pytest.fixture
def staff(reference):
    return UserFactory(role="staf", email="staf@disnakerin.contoh.id", full_name="Staf Disnakerin Uji")


@pytest.fixture
def official(reference):
    return UserFactory(role="pejabat", email="pejabat@contoh.id", full_name="Pejabat Kota Uji")


def test_owner_signs_up_on_a_phone_and_sees_the_business_pending(person, reference):
    kelurahan = Kelurahan.objects.select_related("kecamatan").order_by("kecamatan__name", "name").first()
    visitor = person("signed out", phone=True)
    page = visitor.go("/")
    _open_menu(page)
    page.get_by_role("link", name="Daftarkan usaha", exact=True).click()
    visitor.look()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftarkan usaha IKM Anda")
    visitor.shoot("a1-daftar-usaha")

    page.get_by_label("Nama lengkap").fill("Yusnimar Chaniago")
    page.get_by_label("NIK (16 angka, sesuai KTP)").fill("1376 0145 0890 0001")
    page.get_by_label("Nomor WhatsApp").fill("0812-6600-7788")
    page.get_by_label("Email (boleh dikosongkan)").fill("uni.yus@contoh.id")
    page.locator("#id_password1").fill("Rendang-Enak-2026")
    page.locator("#id_password2").fill("Rendang-Enak-2026")
    page.get_by_label(re.compile("Saya setuju data pribadi saya")).check()

    page.locator("#id_usaha-nib").fill("9120 0000 12345")
    page.locator("#id_usaha-name").fill("Rendang Uni Yus")
    page.locator("#id_usaha-products").fill("Rendang daging, rendang telur, rendang paru")
    # The KBLI picker narrows the codes to those whose local product names say rendang.
    page.get_by_label("Cari KBLI atau produk").fill("rendang")
    expect(page.get_by_text("2 kode cocok")).to_be_attached()
    page.locator("#id_usaha-kbli").select_option(str(Kbli.objects.get(version=2020, code="10750").pk))
    page.locator("#id_usaha-kelurahan").select_option(label=f"{kelurahan.name} — {kelurahan.kecamatan.name}")
    page.locator("#id_usaha-address").fill("Jl. Soekarno Hatta No. 12")
    page.locator("#id_usaha-year_founded").fill("2012")
    page.locator("#id_usaha-workers_male").fill("1")
    page.locator("#id_usaha-workers_female").fill("3")
    page.locator("#id_usaha-investment").fill("Rp 45.000.000")
    page.locator("#id_usaha-turnover_2019").fill("18.500.000")
    page.locator("#id_usaha-sells_in_shop").check()
    page.locator("#id_usaha-sells_on_whatsapp").check()
    page.get_by_role("group", name="Ke mana saja produk Anda terjual?").get_by_label("Dalam Kota Payakumbuh").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim pendaftaran").click()
    visitor.look()

    # The same answer whether or not a detail was already registered (issue 14, finding 7):
    # the sign-in page with a neutral message; the new owner signs in.
    expect(page.get_by_role("status").filter(has_text="pendaftaran Anda kami terima")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    visitor.shoot("a2-usaha-terkirim")
    visitor.who = "owner"
    visitor.sign_in("0812-6600-7788", password="Rendang-Enak-2026")
    expect(page).to_have_url(re.compile("/usaha/saya/$"))
    card = page.locator("article", has_text="Rendang Uni Yus")
    expect(card.get_by_text("Menunggu verifikasi")).to_be_visible()
    expect(card).to_contain_text(kelurahan.name)
    visitor.shoot("a3-usaha-saya-menunggu")

    business = Business.objects.get(name="Rendang Uni Yus")
    assert business.status == BusinessStatus.PENDING
    assert (business.nib, business.owner.nik, business.investment) == ("9120000012345", NIK, 45_000_000)


def _tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus: it must be reachable by
    the keyboard, in the page's order."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def test_owner_signs_up_with_the_keyboard_only(person, reference):
    kelurahan = Kelurahan.objects.select_related("kecamatan").order_by("kecamatan__name", "name").first()
    visitor = person("signed out", phone=True)
    page = visitor.go("/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Langsung ke isi")
    _tab_to(page, "button.navbar-toggler")
    page.keyboard.press("Enter")
    expect(page.locator("#nav-utama")).to_be_visible()
    _tab_to(page, "a[href='/usaha/daftar/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftarkan usaha IKM Anda")

    def type_into(selector: str, text: str) -> None:
        _tab_to(page, selector)
        page.keyboard.type(text)

    type_into("#id_full_name", "Ipah Sutan Bagindo")
    type_into("#id_nik", "1376015203880002")
    type_into("#id_phone", "0813-7400-1122")
    type_into("#id_password1", "Bordir-Halus-2026")
    type_into("#id_password2", "Bordir-Halus-2026")
    _tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    expect(page.locator("#id_consent")).to_be_checked()
    type_into("#id_usaha-nib", "9120000054321")
    type_into("#id_usaha-name", "Bordir Kerancang Ipah")
    type_into("#id_usaha-products", "Mukena dan selendang bordir kerancang")
    type_into("#id_usaha-kbli-search", "bordir")
    _tab_to(page, "#id_usaha-kbli")
    page.keyboard.press("ArrowDown")  # the first code the search left enabled
    expect(page.locator("#id_usaha-kbli")).not_to_have_value("")
    type_into("#id_usaha-kelurahan", kelurahan.name)
    expect(page.locator("#id_usaha-kelurahan")).to_have_value(str(kelurahan.pk))
    type_into("#id_usaha-address", "Jl. Tan Malaka No. 3")
    type_into("#id_usaha-year_founded", "2015")
    type_into("#id_usaha-workers_male", "0")
    type_into("#id_usaha-workers_female", "2")
    type_into("#id_usaha-investment", "12.000.000")
    type_into("#id_usaha-turnover_2019", "6.000.000")
    _tab_to(page, "#id_usaha-sells_on_whatsapp")
    page.keyboard.press("Space")
    _tab_to(page, "#id_usaha-reaches_city")
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit].btn-lg")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.look()
    # The same answer whether or not the details were registered already (audit finding 7): the
    # new owner signs in with the number and password just chosen.
    expect(page.get_by_role("status").filter(has_text="pendaftaran Anda kami terima")).to_be_visible()
    type_into("#id_username", "0813-7400-1122")
    type_into("#id_password", "Bordir-Halus-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.who = "owner"
    visitor.look()

    _tab_to(page, "button.navbar-toggler")
    page.keyboard.press("Enter")
    _tab_to(page, "a[href='/usaha/saya/']")
    page.keyboard.press("Enter")
    expect(page.locator("article", has_text="Bordir Kerancang Ipah").get_by_text("Menunggu verifikasi")).to_be_visible()
    business = Business.objects.get(name="Bordir Kerancang Ipah")
    assert (business.status, business.kelurahan) == (BusinessStatus.PENDING, kelurahan)
    assert "bordir" in business.kbli.products.lower()


def test_staff_verify_in_the_admin_and_the_owner_sees_it_verified(person, staff):
    business = BusinessFactory(name="Galamai Mak Ros")
    owner_user = business.owner.user

    desk = person("staff")
    desk.sign_in(staff.email)
    page = desk.go(f"/admin/businesses/business/{business.pk}/change/")
    desk.shoot("b1-admin-verifikasi")
    page.get_by_role("button", name="Simpan dan verifikasi").click()
    desk.look()
    expect(page.locator(".messagelist")).to_contain_text("1 usaha diubah menjadi “Terverifikasi”; pemiliknya diberi tahu.")
    expect(page.get_by_role("button", name="Simpan dan verifikasi")).to_have_count(0)

    owner = person("owner", phone=True)
    owner.sign_in(owner_user.phone)
    page = owner.page
    expect(page).to_have_url(re.compile("/usaha/saya/$"))
    expect(page.locator("article", has_text="Galamai Mak Ros").get_by_text("Terverifikasi")).to_be_visible()
    owner.shoot("b2-usaha-saya-terverifikasi")

    sent = Message.objects.filter(key__startswith=f"business-status:{business.pk}:verified:")
    assert {m.channel for m in sent} == {"email", "whatsapp"}
    assert all(m.subject == "Usaha Galamai Mak Ros sudah terverifikasi" for m in sent)


def test_a_phone_only_owner_resets_the_password_with_a_whatsapp_code_then_signs_in(person, reference, settings, monkeypatch):
    # An owner with no email: the code comes by WhatsApp, printed by the console provider as in
    # the quick start (the worker's log there, this test's stream here).
    settings.WHATSAPP_PROVIDER = "console"
    printed = io.StringIO()
    monkeypatch.setattr(ConsoleProvider, "stream", printed)
    user = UserFactory(role="pemilik", email="", phone="+6281266000077")

    owner = person("owner", phone=True)
    page = owner.go("/akun/masuk/")
    page.get_by_role("link", name="Lupa kata sandi?").click()
    owner.look()
    page.get_by_role("link", name="Kirim kode lewat WhatsApp").click()
    owner.look()
    page.get_by_label("Nomor WhatsApp").fill("0812-6600-0077")
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim kode").click()
    owner.look()
    expect(page.get_by_role("heading", name="Masukkan kode 6 angka")).to_be_visible()
    owner.shoot("a3-kode-whatsapp")

    # The message leaves after the commit (in the test settings, in the server's thread).
    wait_until(lambda: "+6281266000077" in printed.getvalue(), timeout=10)
    code = re.search(r"\b(\d{6})\b", printed.getvalue().split("+6281266000077")[-1]).group(1)
    page.get_by_label("Kode 6 angka").fill(code)
    page.locator("#id_password1").fill("Galamai-manih-2027")
    page.locator("#id_password2").fill("Galamai-manih-2027")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan kata sandi baru").click()
    owner.look()
    expect(page.get_by_text("Kata sandi baru sudah tersimpan")).to_be_visible()

    owner.sign_in("0812 6600 0077", password="Galamai-manih-2027")
    expect(page).not_to_have_url(re.compile("/akun/masuk/"))
    user.refresh_from_db()
    assert user.check_password("Galamai-manih-2027")


def test_owner_registers_downloads_the_ics_and_the_waiting_list_moves_up(person, reference):
    first = VerifiedBusinessFactory(name="Rendang Uni Yus")
    second = VerifiedBusinessFactory(name="Bordir Kerancang Mak Ipah")
    session = TrainingSessionFactory(title="Jualan di marketplace untuk IKM pangan", capacity=1)

    yus = person("signed out")
    page = yus.go("/")
    page.get_by_role("link", name="Pelatihan", exact=True).click()
    yus.look()
    expect(page.get_by_text("Sisa 1 tempat")).to_be_visible()
    yus.shoot("c1-katalog-pelatihan")
    page.get_by_role("link", name=session.title).click()
    yus.look()
    page.get_by_role("link", name="Masuk untuk mendaftar").click()
    yus.look()
    page.locator("#id_username").fill(first.owner.user.phone)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    yus.who = "owner"
    expect(page).to_have_url(re.compile(f"/pelatihan/{session.pk}/$"))
    yus.look()
    expect(page.get_by_text(f"Atas nama {first.name}")).to_be_visible()
    page.get_by_role("button", name="Daftar", exact=True).click()
    yus.look()
    expect(page.get_by_role("status").filter(has_text=f"Terdaftar: {first.owner.name} untuk {session.title}.")).to_be_visible()
    yus.shoot("c2-pelatihan-terdaftar")
    with page.expect_download() as download:
        page.get_by_role("link", name="Simpan ke kalender (.ics)").click()
    ics = open(download.value.path(), encoding="utf-8").read()
    assert ics.startswith("BEGIN:VCALENDAR") and "Jualan di marketplace untuk IKM pangan" in ics.replace("\r\n ", "")
    page = yus.go("/pelatihan/")
    expect(page.get_by_text("Penuh — daftar tunggu dibuka")).to_be_visible()

    ipah = person("owner", phone=True)
    ipah.sign_in(second.owner.user.phone)
    page2 = ipah.go(f"/pelatihan/{session.pk}/")
    page2.get_by_role("button", name="Masuk daftar tunggu").click()
    ipah.look()
    expect(page2.get_by_role("status").filter(has_text="Masuk daftar tunggu, urutan ke-1.")).to_be_visible()

    page = yus.go("/pelatihan/saya/")
    page.get_by_role("link", name="Batalkan pendaftaran").click()
    yus.look()  # a question first: nothing is cancelled by one tap
    expect(page.get_by_role("heading", name="Batalkan pendaftaran?")).to_be_visible()
    page.get_by_role("button", name="Ya, batalkan pendaftaran").click()
    yus.look()
    expect(page.get_by_role("status").filter(has_text="Pendaftaran dibatalkan.")).to_be_visible()
    # The seat went to Mak Ipah, first on the waiting list: no undo is offered.
    expect(page.get_by_role("button", name="Urungkan pembatalan")).to_have_count(0)
    page.get_by_role("link", name="Kembali").click()
    expect(page.get_by_text("Belum ada pelatihan yang akan datang.")).to_be_visible()

    page2 = ipah.go("/pelatihan/saya/")
    upcoming = page2.locator("section", has=page2.get_by_role("heading", name="Akan datang"))
    expect(upcoming.get_by_role("link", name=session.title)).to_be_visible()
    expect(upcoming.get_by_text("Terdaftar", exact=True)).to_be_visible()
    expect(page2.get_by_text("Tidak ada pendaftaran di daftar tunggu.")).to_be_visible()
    ipah.shoot("c3-pelatihan-saya-naik-dari-daftar-tunggu")


def test_staff_take_attendance_and_the_owner_downloads_a_certificate_anyone_can_verify(person, staff):
    now = timezone.now()
    session = TrainingSessionFactory(
        title="Foto produk dengan ponsel", starts_at=now - timedelta(hours=4), ends_at=now - timedelta(hours=1)
    )
    registration = RegistrationFactory(session=session, participant_name="Rosmaini")

    desk = person("staff", phone=True)
    desk.sign_in(staff.email)
    page = desk.go(f"/pelatihan/{session.pk}/peserta/")
    row = page.locator(f"#r{registration.pk}")
    expect(row.get_by_text("Belum hadir")).to_be_visible()
    row.get_by_role("button", name="Hadir Rosmaini").click()
    expect(page.locator(f"#r{registration.pk}").get_by_text(re.compile(r"^Hadir \d\d\.\d\d$"))).to_be_visible()
    expect(page.get_by_text("Hadir: Rosmaini.")).to_be_attached()
    desk.look()
    desk.shoot("d1-daftar-hadir")

    assert certificates_issue_for_session(session_id=session.pk) == 1
    certificate = Certificate.objects.get(registration=registration)

    owner = person("owner", phone=True)
    owner.sign_in(registration.business.owner.user.phone)
    page = owner.go("/pelatihan/saya/")
    past = page.locator("section", has=page.get_by_role("heading", name="Sudah lewat"))
    expect(past.get_by_role("link", name="Foto produk dengan ponsel")).to_be_visible()
    owner.shoot("d2-pelatihan-saya-sertifikat")
    with page.expect_download() as download:
        past.get_by_role("link", name="Unduh sertifikat").click()
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"

    checker = person("signed out")
    page = checker.go(f"/sertifikat/{certificate.code}/")
    expect(page.get_by_role("status")).to_contain_text("Sertifikat ini asli.")
    expect(page.locator("dl")).to_contain_text(certificate.number)
    expect(page.locator("dl")).to_contain_text("Rosmaini")
    expect(page.locator("dl")).to_contain_text("Foto produk dengan ponsel")
    checker.shoot("d3-verifikasi-sertifikat")
    page = checker.go("/sertifikat/BUKANKODE1/")
    expect(page.get_by_role("alert")).to_contain_text("Sertifikat dengan kode ini tidak ditemukan.")
    # A mistyped address: the portal's own 404 page (audited like every page).
    page = checker.go("/sertifikat-salah/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Halaman tidak ditemukan")


def test_owner_confirms_an_unusual_turnover_in_the_monthly_report(person, reference):
    business = VerifiedBusinessFactory(name="Galamai Mak Ros")
    last = period_default()
    MonthlyReportFactory(business=business, period=month_add(last, -1), turnover=10_000_000)

    owner = person("owner", phone=True)
    owner.sign_in(business.owner.user.phone)
    page = owner.page
    _open_menu(page)
    page.get_by_role("link", name="Laporan bulanan").click()
    owner.look()
    page.get_by_role("link", name="Isi laporan bulan lalu").click()
    owner.look()
    page.get_by_label("Omzet bulan ini (Rp)").fill("45.000.000")
    page.get_by_label("Tenaga kerja laki-laki").fill("2")
    page.get_by_label("Tenaga kerja perempuan").fill("4")
    page.get_by_label("Porsi penjualan online (%)").fill("35")
    page.get_by_label("Beroperasi normal").check()
    page.get_by_label("Normal", exact=True).check()
    owner.shoot("e1-laporan-bulanan")
    page.get_by_role("button", name="Kirim laporan").click()
    owner.look()
    warning = page.get_by_role("alert").filter(has_text="lebih dari tiga kali omzet bulan sebelumnya")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(re.compile(r"Omzet Rp\s?45\.000\.000 .*\(Rp\s?10\.000\.000\)"))
    owner.shoot("e2-laporan-peringatan-omzet")
    assert not MonthlyReport.objects.filter(business=business, period=last).exists()

    page.get_by_label("Ya, angka ini benar").check()
    page.get_by_role("button", name="Kirim laporan").click()
    owner.look()
    expect(page.get_by_role("status").filter(has_text="untuk Galamai Mak Ros terkirim. Terima kasih!")).to_be_visible()
    report = MonthlyReport.objects.get(business=business, period=last)
    assert (report.turnover, report.unusual_confirmed, report.status) == (45_000_000, True, ReportStatus.SUBMITTED)
    # A staff page opened by an owner: the portal's own 403 page, on the phone.
    page = owner.go("/usaha/ringkasan/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Halaman ini bukan untuk peran Anda")


def test_official_filters_the_recovery_dashboard_by_kecamatan(person, official):
    last = period_default()
    kelurahan = {}
    for k in Kelurahan.objects.select_related("kecamatan").order_by("kecamatan__name", "name"):
        kelurahan.setdefault(k.kecamatan.name, k)
    chosen, other = list(kelurahan.values())[:2]
    for n, where in enumerate((chosen, chosen, other)):
        business = VerifiedBusinessFactory(name=f"IKM uji {n}", kelurahan=where)
        for back in range(3):
            MonthlyReportFactory(business=business, period=month_add(last, -back), turnover=(8 + 2 * back + n) * 1_000_000)
    boss = person("official")
    boss.sign_in(official.email)
    page = boss.page
    page.get_by_role("link", name="Angka pemulihan").click()
    boss.look()
    expect(page.get_by_text("Seluruh kota.")).to_be_visible()
    boss.shoot("f1-dasbor-pemulihan")
    page.get_by_label("Kecamatan", exact=True).select_option(label=chosen.kecamatan.name)
    page.get_by_role("button", name="Tampilkan").click()
    boss.look()
    expect(page).to_have_url(re.compile(f"kecamatan={chosen.kecamatan.pk}"))
    expect(page.get_by_text("Hanya usaha yang sesuai saringan kecamatan dan sektor.")).to_be_visible()
    expect(page.get_by_label("Kecamatan", exact=True)).to_have_value(str(chosen.kecamatan.pk))
    expect(page.locator("canvas[data-drawn='true']").first).to_be_attached()
    boss.shoot("f2-dasbor-disaring-kecamatan")


# --- Journeys 3 and 5 with the keyboard alone ------------------------------------------------

_FOCUS_SHOWN = """el => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return outline || (style.boxShadow && style.boxShadow !== 'none');
}"""


def _tab_until(page, locator, limit: int = 150) -> None:
    """Press Tab until ``locator`` has the focus (reachable by the keyboard, in the page's
    order), and check that the focus can be seen on it (an outline or Bootstrap's focus ring)."""
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            assert locator.evaluate(_FOCUS_SHOWN), f"no visible focus on {locator}"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} not reached with {limit} presses of Tab")


def _keyboard_sign_in(page, login: str) -> None:
    _tab_until(page, page.locator("#id_username"))
    page.keyboard.type(login)
    _tab_until(page, page.locator("#id_password"))
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _keyboard_choose(page, label: str) -> None:
    """A radio button: Tab reaches its group, the arrow keys move to it."""
    target = page.get_by_label(label, exact=True)
    name = target.get_attribute("name")
    _tab_until(page, page.locator(f"input[name='{name}']:checked, input[name='{name}']").first)
    for _ in range(10):
        if target.evaluate("el => el === document.activeElement"):
            page.keyboard.press("Space")
            expect(target).to_be_checked()
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label} not reached with the arrow keys")


def test_owner_finds_registers_and_saves_a_training_with_the_keyboard_only(person, reference):
    business = VerifiedBusinessFactory(name="Keripik Sanjai Uni Eli")
    session = TrainingSessionFactory(title="Foto produk dengan ponsel")

    eli = person("signed out")
    page = eli.go("/")
    _tab_until(page, page.get_by_role("link", name="Pelatihan", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pelatihan")
    _tab_until(page, page.get_by_role("link", name=session.title))
    page.keyboard.press("Enter")
    _tab_until(page, page.get_by_role("link", name="Masuk untuk mendaftar"))
    page.keyboard.press("Enter")
    _keyboard_sign_in(page, business.owner.user.phone)
    eli.who = "owner"
    expect(page).to_have_url(re.compile(f"/pelatihan/{session.pk}/$"))

    _tab_until(page, page.get_by_role("button", name="Daftar", exact=True))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    eli.look()
    expect(page.get_by_role("status").filter(has_text=f"untuk {session.title}.")).to_be_visible()
    _tab_until(page, page.get_by_role("link", name="Simpan ke kalender (.ics)"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert "Foto produk dengan ponsel" in open(download.value.path(), encoding="utf-8").read().replace("\r\n ", "")
    assert session.registrations.filter(business=business).exists()


def test_owner_sends_a_monthly_report_with_the_keyboard_only(person, reference):
    business = VerifiedBusinessFactory(name="Tenun Kubang Ni Ida")
    last = period_default()
    MonthlyReportFactory(business=business, period=month_add(last, -1), turnover=10_000_000)

    ida = person("signed out", phone=True)
    page = ida.go("/akun/masuk/")
    _keyboard_sign_in(page, business.owner.user.phone)
    ida.who = "owner"
    _tab_until(page, page.get_by_role("button", name="Buka menu"))
    page.keyboard.press("Enter")
    _tab_until(page, page.get_by_role("link", name="Laporan bulanan"))
    page.keyboard.press("Enter")
    _tab_until(page, page.get_by_role("link", name="Isi laporan bulan lalu"))
    page.keyboard.press("Enter")

    for label, text in (
        ("Omzet bulan ini (Rp)", "45.000.000"),
        ("Tenaga kerja laki-laki", "1"),
        ("Tenaga kerja perempuan", "3"),
        ("Porsi penjualan online (%)", "20"),
    ):
        _tab_until(page, page.get_by_label(label))
        page.keyboard.type(text)
    _keyboard_choose(page, "Beroperasi normal")
    _keyboard_choose(page, "Normal")
    _tab_until(page, page.get_by_role("button", name="Kirim laporan"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="lebih dari tiga kali omzet bulan sebelumnya")).to_be_visible()
    assert not MonthlyReport.objects.filter(business=business, period=last).exists()

    _tab_until(page, page.get_by_label("Ya, angka ini benar"))
    page.keyboard.press("Space")
    _tab_until(page, page.get_by_role("button", name="Kirim laporan"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ida.look()
    expect(page.get_by_role("status").filter(has_text="terkirim. Terima kasih!")).to_be_visible()
    report = MonthlyReport.objects.get(business=business, period=last)
    assert (report.turnover, report.unusual_confirmed) == (45_000_000, True)


def _registry_xlsx(path, rows: int) -> None:
    """A registry of ``rows`` businesses in the import template's columns (write-only: seconds)."""
    from openpyxl import Workbook

    from businesses.resources import IMPORT_COLUMNS
    from businesses.tests.helpers import row

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Data Usaha")
    sheet.append(list(IMPORT_COLUMNS))
    for n in range(1, rows + 1):
        values = row(n, whatsapp_pemilik=f"0813-{n:05d}-{n % 10000:04d}")  # row() runs out of digits at 10,000
        sheet.append([values[c] for c in IMPORT_COLUMNS])
    book.save(path)


def _watch_progress(page, until, seconds: float) -> list[int]:
    """The progress bar's values, read every half second until ``until`` is visible."""
    seen = []
    deadline = time.monotonic() + seconds
    bar = page.locator("#import-progress-bar")
    while time.monotonic() < deadline:
        if until.is_visible():
            return seen + [int(bar.get_attribute("value"))]
        if bar.count():
            value = bar.get_attribute("value")
            if value is not None and (not seen or seen[-1] != int(value)):
                seen.append(int(value))
        page.wait_for_timeout(500)
    raise AssertionError(f"not done after {seconds:.0f} s; the bar showed {seen}")


@pytest.mark.usefixtures("celery_worker")
def test_staff_import_10000_businesses_and_watch_both_jobs_reach_100_percent(person, staff, tmp_path):
    path = tmp_path / "registri-10000.xlsx"
    _registry_xlsx(path, 10_000)

    desk = person("staff")
    desk.sign_in(staff.email)
    page = desk.go("/admin/businesses/business/import/")
    page.locator("#id_import_file").set_input_files(str(path))
    # The upload answers at once (the bench times every request of this import against 2 s):
    # the rows are read by the preview job, whose progress the next page shows.
    with page.expect_navigation():
        page.get_by_role("button", name="Unggah dan periksa").click()
    desk.look()
    expect(page.locator("#import-progress-label")).to_contain_text("Memeriksa berkas")

    confirm = page.get_by_role("button", name="Konfirmasi impor")
    preview = _watch_progress(page, confirm, seconds=900)
    desk.look()
    assert preview[-1] == 100
    expect(page.locator("#content-main")).to_contain_text("10000 usaha baru, 0 diperbarui")
    assert Business.objects.count() == 0  # the preview saved nothing
    desk.shoot("i1-impor-pratinjau")

    confirm.click()
    desk.look()
    done = page.get_by_text("Impor selesai: 10000 usaha baru")
    imported = _watch_progress(page, done, seconds=900)
    desk.look()
    assert imported[-1] == 100
    assert any(0 < value < 100 for value in preview + imported), f"no progress between 0 and 100: {preview} {imported}"
    expect(page.locator("#import-progress-bar")).to_have_attribute("value", "100")
    assert Business.objects.filter(status=BusinessStatus.PENDING).count() == 10_000
    desk.shoot("i2-impor-selesai")
