"""The README's tour, followed in a real browser: every page it names, as the role it names, on a
city with realistic data (the seeded topic names, dozens of businesses, a year of reports), at
360 px and at 1366 px.

Every page is audited like the journeys' pages (axe, Nu Html Checker, phone check: see
conftest.py and test_pages_checked.py). The journeys' own data missed what a phone shows with
real data: their topics are "Topik uji 1", so the topic badge "Pemasaran online (marketplace dan
media sosial)" never overflowed a card, and they never opened the completeness list. Here each
page is also measured directly, and the figures printed (run with -s to read them):
sideways scroll at 360 px, the menu's height at 1366 px, the completeness list's height, the
dashboard's main chart on a phone.
"""

import re
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from playwright.sync_api import expect

from businesses.models import Kelurahan
from businesses.tests.factories import UserFactory
from recovery.selectors import month_add, period_default
from recovery.tests.factories import MonthlyReportFactory
from showcase.models import Category, ProductStatus
from showcase.reference import showcase_reference_load
from showcase.tests.factories import ProductFactory, ProfileFactory
from showcase.tests.public_helpers import ProductPhotoFactory, StoreLinkFactory
from trainings.models import Topic
from trainings.tests.factories import RegistrationFactory, TopicFactory, TrainingSessionFactory, VerifiedBusinessFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]

README = Path(__file__).resolve().parents[3] / "README.md"
LONG_TOPIC = "Pemasaran online (marketplace dan media sosial)"
WIDE = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}

# The tour in the README, role by role: the pages it names by path. The README must name each
# (test_the_readme_names_every_page_of_its_tour); the browser opens each as that role.
TOUR = {
    "signed out": ["/", "/pelatihan/", "/usaha/daftar/", "/etalase/", "/info/bantuan/"],
    "owner": ["/usaha/saya/", "/pelatihan/saya/", "/pemulihan/saya/", "/etalase/kelola/"],
    "staff": ["/usaha/ringkasan/", "/usaha/", "/pemulihan/kelengkapan/", "/admin/", "/admin/showcase/product/"],
    "official": [
        "/pemulihan/dasbor/",
        "/pemulihan/angka/",
        "/pemulihan/target/",
        "/pemulihan/laporan/",
        "/pelatihan/umpan-balik/",
    ],
}

SIDEWAYS = """() => {
  const doc = document.documentElement;
  return {scroll: doc.scrollWidth, client: doc.clientWidth, height: doc.scrollHeight};
}"""
# Elements inside a card that stick out of it (a badge that does not wrap).
OUT_OF_CARD = """() => [...document.querySelectorAll('.card .badge')].filter((b) => {
  const card = b.closest('.card').getBoundingClientRect(), r = b.getBoundingClientRect();
  return r.width > 0 && (r.right > card.right + 1 || r.left < card.left - 1);
}).map((b) => b.innerText.trim())"""
MENU = """() => {
  const nav = document.querySelector('.navbar-portal');
  if (!nav) return {height: 0, rows: 0, overflow: 0};  // the Django admin has its own header
  // Rows: an item starts a new one when it begins below the bottom of the row before.
  const items = [...document.querySelectorAll('#nav-utama .nav-link, #nav-utama .btn, .navbar-brand, .navbar-portal [hreflang]')]
    .filter((a) => a.offsetParent).map((a) => a.getBoundingClientRect()).sort((a, b) => a.top - b.top);
  let rows = 0, bottom = -1;
  for (const r of items) { if (r.top >= bottom) { rows += 1; bottom = r.bottom; } else bottom = Math.max(bottom, r.bottom); }
  const broken = [...document.querySelectorAll('#nav-utama .nav-link')].filter((a) => a.getClientRects().length > 1 || a.getBoundingClientRect().height > 60).length;
  // How far the rightmost item reaches past the bar's content box (> 0: out of the green bar,
  // once the language switch over the white page at 1280 px).
  const box = nav.querySelector('.container'), inner = box.getBoundingClientRect().right - parseFloat(getComputedStyle(box).paddingRight);
  const overflow = Math.round(Math.max(...items.map((r) => r.right)) - inner);
  return {height: Math.round(nav.getBoundingClientRect().height), rows: rows + broken, overflow};
}"""
CHART = """() => {
  const canvas = document.querySelector('canvas[data-chart="trend"]');
  const chart = window.Chart && window.Chart.getChart(canvas);
  if (!chart) return null;
  return {canvas: Math.round(canvas.getBoundingClientRect().height), plot: Math.round(chart.chartArea.height),
          legend: Math.round(chart.legend.height)};
}"""


def test_the_readme_names_every_page_of_its_tour():
    readme = README.read_text(encoding="utf-8")
    tour = readme.split("## A short tour", 1)[1].split("\n## ", 1)[0]
    missing = [path for paths in TOUR.values() for path in paths if f"`{path}`" not in tour]
    assert missing == []


@pytest.fixture
def city(reference):
    """Sixty verified businesses in every kecamatan, half of them reporting, one owner with a
    gap in their reports, a session of the seeded topic with the longest name."""
    last = period_default()
    kelurahan = list(Kelurahan.objects.select_related("kecamatan").order_by("code"))
    businesses = [
        VerifiedBusinessFactory(name=f"Rendang dan Galamai Usaha Bersama Nomor {n}", kelurahan=kelurahan[n % len(kelurahan)])
        for n in range(60)
    ]
    for n, business in enumerate(businesses[:30]):
        for back in range(6):
            MonthlyReportFactory(business=business, period=month_add(last, -back), turnover=(6 + n % 9 + back) * 1_000_000)
    mine = VerifiedBusinessFactory(name="Galamai Mak Ros")
    for back in (0, 2, 3):  # last month, then a month missing, then two more
        MonthlyReportFactory(business=mine, period=month_add(last, -back), turnover=9_000_000)
    topic = Topic.objects.filter(name=LONG_TOPIC).first() or TopicFactory(name=LONG_TOPIC, slug="pemasaran-online-uji")
    session = TrainingSessionFactory(topic=topic, title="Berjualan di marketplace dan media sosial untuk IKM pangan olahan")
    registration = RegistrationFactory(session=session, business=mine)
    for business in businesses[:5]:
        RegistrationFactory(session=session, business=business)
    return {"mine": mine, "session": session, "registration": registration, "last": last, **_showcase(mine, businesses)}


def _showcase(mine, businesses) -> dict:
    """Twelve public businesses with two products each (the first with a photo and a store
    link); the owner's own with a shown product, one waiting for approval and a store link."""
    showcase_reference_load()
    # The information pages' first text comes from a data migration, which a transactional test's
    # flush empties: made again here the migration's way.
    import_module("pages.migrations.0002_default_pages").create_pages(django_apps, None)
    for n, business in enumerate(businesses[:12]):
        profile = ProfileFactory(business=business, slug=f"usaha-bersama-{n}")
        first = ProductFactory(profile=profile, name=f"Rendang daging sapi kering kemasan 250 gram nomor {n}")
        ProductPhotoFactory(product=first)
        ProductFactory(profile=profile, name=f"Galamai durian kotak kayu nomor {n}")
        StoreLinkFactory(profile=profile)
    profile = ProfileFactory(business=mine, slug="galamai-mak-ros", story="Galamai diaduk enam jam di kuali besar.")
    shown = ProductFactory(profile=profile, slug="galamai-durian", name="Galamai durian kotak kayu 500 gram")
    ProductPhotoFactory(product=shown)
    waiting = ProductFactory(profile=profile, slug="kipang-kacang", name="Kipang kacang", status=ProductStatus.PENDING)
    StoreLinkFactory(profile=profile)
    return {"profile": profile, "shown": shown, "waiting": waiting}


def _check(person, url: str, figures: dict) -> dict:
    """Open ``url`` at 1366 px, then measure it there and at 360 px (the audit measures again)."""
    page = person.page
    page.set_viewport_size(WIDE)
    response = page.goto(url)
    assert response.ok, f"[{person.who}] {url}: {response.status}"
    page.wait_for_load_state("load")
    wide = page.evaluate(SIDEWAYS) | {"menu": page.evaluate(MENU)}
    page.set_viewport_size(PHONE)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    phone = page.evaluate(SIDEWAYS) | {"out_of_card": page.evaluate(OUT_OF_CARD), "chart": page.evaluate(CHART)}
    person.look()
    figures[f"[{person.who}] {url}"] = {"1366": wide, "360": phone}
    return figures[f"[{person.who}] {url}"]


def test_the_readme_tour_as_each_role_fits_a_phone_and_a_desktop(person, city, staff, official):
    figures: dict = {}
    session, registration, mine = city["session"], city["registration"], city["mine"]
    profile, shown = city["profile"], city["shown"]
    category = shown.profile.business.kbli.showcase_categories.first() or Category.objects.first()
    extra = {
        "signed out": [
            f"/pelatihan/{session.pk}/",
            "/etalase/cari/?q=randang",  # a typo: the search still finds rendang
            f"/etalase/kategori/{category.slug}/",
            f"/etalase/{profile.slug}/",
            f"/etalase/{profile.slug}/{shown.slug}/",
            f"/etalase/minat/tanya/{profile.slug}/",
            "/info/kontak/",
            "/info/privasi/",
            "/info/ketentuan/",
        ],
        "owner": [
            f"/pelatihan/{session.pk}/",
            f"/pemulihan/usaha/{mine.pk}/",
            f"/pelatihan/pendaftaran/{registration.pk}/qr/",
            f"/pelatihan/pendaftaran/{registration.pk}/batal/",
            f"/etalase/kelola/{mine.pk}/",
            f"/etalase/kelola/{mine.pk}/profil/",
            f"/etalase/kelola/{mine.pk}/produk/",
            f"/etalase/kelola/{mine.pk}/produk/tambah/",
            f"/etalase/kelola/{mine.pk}/produk/{city['waiting'].pk}/",
            f"/etalase/kelola/{mine.pk}/tautan/",
            "/etalase/minat/saya/",
        ],
        "staff": [
            f"/pelatihan/{session.pk}/peserta/",
            f"/pelatihan/{session.pk}/",
            f"/admin/showcase/product/{city['waiting'].pk}/change/",
        ],
        "official": [],
    }
    logins = {"owner": mine.owner.user.phone, "staff": staff.email, "official": official.email}
    for who, paths in TOUR.items():
        visitor = person(who)
        if who in logins:
            visitor.sign_in(logins[who])
        for path in paths + extra[who]:
            _check(visitor, path, figures)

    for where, seen in sorted(figures.items()):
        wide, phone = seen["1366"], seen["360"]
        print(
            f"{where}: 360 px scrollWidth {phone['scroll']}/{phone['client']}, height {phone['height']}; "
            f"1366 px height {wide['height']}, menu {wide['menu']['height']} px in {wide['menu']['rows']} row(s)"
            + (f"; phone chart {phone['chart']}" if phone["chart"] else "")
        )
    problems = [
        where
        for where, seen in figures.items()
        if seen["360"]["scroll"] > seen["360"]["client"]
        or seen["360"]["out_of_card"]
        or seen["1366"]["menu"]["rows"] > 1
        or seen["1366"]["menu"]["overflow"] > 0
    ]
    assert problems == []
    completeness = figures["[staff] /pemulihan/kelengkapan/"]["1366"]["height"]
    assert completeness < 3000, completeness
    chart = figures["[official] /pemulihan/dasbor/"]["360"]["chart"]
    assert chart and chart["canvas"] >= 280 and chart["plot"] >= 150, chart


def test_the_staff_menu_stays_on_one_line_inside_the_bar_on_every_desktop_width(person, staff):
    # Staff have the longest menu (eight items, "Keluar", the language switch). From 1200 px the
    # menu is open; at 1280 px it once ran 37 px past the window, the switch over the white page.
    desk = person("staff")
    desk.sign_in(staff.email)
    seen = {}
    for width in (1200, 1280, 1366, 1440, 1600, 1920):
        desk.page.set_viewport_size({"width": width, "height": 800})
        desk.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        seen[width] = desk.page.evaluate(MENU) | {"scroll": desk.page.evaluate(SIDEWAYS)["scroll"]}
    print(seen)
    assert {w: m for w, m in seen.items() if m["rows"] > 1 or m["overflow"] > 0 or m["scroll"] > w} == {}


def test_the_owner_sees_a_missing_month_in_the_report_history_with_a_link_to_fill_it(person, city):
    mine, last = city["mine"], city["last"]
    gap = month_add(last, -1)
    owner = person("owner", phone=True)
    owner.sign_in(mine.owner.user.phone)
    page = owner.go(f"/pemulihan/usaha/{mine.pk}/")
    month = timezone.datetime(gap.year, gap.month, 1).strftime("%Y-%m")
    row = page.locator("tr", has=page.get_by_text("Belum dilaporkan"))
    expect(row).to_have_count(1)
    link = row.get_by_role("link", name=re.compile("^Isi laporan"))
    expect(link).to_have_attribute("href", f"/pemulihan/usaha/{mine.pk}/lapor/?periode={month}")
    link.click()
    owner.look()
    expect(page).to_have_url(re.compile(f"periode={month}$"))


def test_a_browser_preferring_english_sees_indonesian_and_the_switch(person, reference):
    visitor = person("signed out", phone=True)
    visitor.page.context.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})
    page = visitor.go("/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    english = page.get_by_role("link", name="EN English")  # beside the menu button, not behind it
    expect(english).to_be_visible()
    english.click()
    visitor.look()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page = visitor.go("/pelatihan/")  # remembered
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.fixture
def staff(reference):
    return UserFactory(role="staf", email="staf@disnakerin.contoh.id", full_name="Staf Disnakerin Uji", is_staff=True)


@pytest.fixture
def official(reference):
    return UserFactory(role="pejabat", email="pejabat@contoh.id", full_name="Pejabat Kota Uji")
