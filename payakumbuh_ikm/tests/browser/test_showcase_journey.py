"""The Etalase IKM end to end, in a real browser (issue 12): an owner opts in and adds a product
with a photo from a 360 px phone, staff approve it in the admin, a visitor from another province
finds it by searching with a typo, sees the link-preview tags, presses "Pesan lewat WhatsApp" and
lands on the wa.me link with the order text; the click then shows in the owner's figures and on
the officials' dashboard, as a number.

Every page is audited like the other journeys' pages (conftest.Person.look)."""

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from businesses.tests.factories import UserFactory, VerifiedBusinessFactory
from showcase.models import InterestCount, InterestKind, Product, ProductStatus
from showcase.reference import showcase_reference_load

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]

# A buyer's phone browser: the showcase does not count headless browsers (HeadlessChrome) as buyers.
PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36"
)
ORDER_PHONE = "0812-6655-4433"


def _photo() -> dict:
    """A phone camera's photo: a 2000 x 1500 px JPEG, as Playwright uploads a file."""
    buffer = io.BytesIO()
    image = Image.new("RGB", (2000, 1500), (150, 90, 40))
    for x in range(0, 2000, 100):  # some detail, so the file is not trivially small
        image.paste((200, 160, 60), (x, 0, x + 40, 1500))
    image.save(buffer, "JPEG", quality=85)
    return {"name": "galamai.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def test_owner_shows_a_product_staff_approve_it_and_a_buyer_orders_on_whatsapp(person, reference):
    showcase_reference_load()
    business = VerifiedBusinessFactory(name="Galamai Mak Ros")
    owner_user = business.owner.user
    staff = UserFactory(role="staf", email="staf.etalase@contoh.id", full_name="Staf Etalase", is_staff=True)
    official = UserFactory(role="pejabat", email="pejabat.etalase@contoh.id", full_name="Pejabat Etalase")

    # The owner, on a phone: opt in, tell the story, add a product with a photo.
    owner = person("owner", phone=True)
    owner.sign_in(owner_user.phone)
    page = owner.go("/etalase/kelola/")
    page.get_by_role("link", name="Tampilkan di etalase").click()
    owner.look()
    page.get_by_role("checkbox", name=re.compile("Saya setuju nama usaha")).check()
    page.get_by_role("button", name="Setuju dan lanjutkan").click()
    owner.look()
    expect(page.get_by_role("status").filter(has_text="Usaha Anda kini dapat tampil di Etalase IKM")).to_be_visible()
    page.get_by_label("Cerita usaha").fill("Galamai diaduk enam jam di kuali besar, resep sejak 1978.")
    page.get_by_label("Nomor WhatsApp untuk pesanan").fill(ORDER_PHONE)
    page.get_by_role("button", name="Simpan", exact=True).click()
    owner.look()
    expect(page.get_by_role("status").filter(has_text="Profil etalase disimpan")).to_be_visible()

    page = owner.go(f"/etalase/kelola/{business.pk}/produk/tambah/")
    page.get_by_label("Nama produk").fill("Galamai Durian Kotak Kayu")
    page.get_by_label("Keterangan").fill("Galamai durian asli, tahan tiga minggu, dikemas kotak kayu.")
    page.get_by_label(re.compile(r"Harga \(Rp\)")).fill("85000")
    page.get_by_label("Satuan").fill("kotak")
    page.get_by_label("Foto produk").set_input_files(_photo())
    page.get_by_role("button", name="Simpan produk").click()
    owner.look()
    expect(page.get_by_role("status").filter(has_text="Galamai Durian Kotak Kayu")).to_be_visible()
    product = Product.objects.get(profile__business=business)
    assert product.status == ProductStatus.PENDING
    assert product.photos.count() == 1
    expect(page.locator("img[src*='.webp']").first).to_be_visible()  # the photo, made into WebP

    # Staff, at a desk: approve it from the moderation queue.
    desk = person("staff")
    desk.sign_in(staff.email)
    page = desk.go("/admin/showcase/product/?status__exact=pending")
    row = page.locator("#result_list tbody tr", has_text="Galamai Durian Kotak Kayu")
    row.locator("input.action-select").check()
    page.locator("select[name='action']").select_option("approve")
    page.locator("button[name='index']").click()
    desk.look()
    product.refresh_from_db()
    assert (product.status, product.decided_by_id) == (ProductStatus.APPROVED, staff.pk)

    # A buyer in another province, on a phone: search with a typo, open, order on WhatsApp.
    buyer = person("signed out", phone=True, user_agent=PHONE_BROWSER)
    page = buyer.go("/etalase/")
    page.get_by_role("searchbox").first.fill("glamai durian")
    page.get_by_role("searchbox").first.press("Enter")
    buyer.look()
    expect(page).to_have_url(re.compile(r"/etalase/cari/\?q=glamai"))
    page.get_by_role("link", name="Galamai Durian Kotak Kayu").first.click()
    buyer.look()
    expect(page.get_by_role("heading", level=1)).to_have_text("Galamai Durian Kotak Kayu")
    # The tags a shared link's preview is made from (WhatsApp, Facebook): title, picture, price.
    expect(page.locator("meta[property='og:title']")).to_have_attribute("content", re.compile("Galamai Durian Kotak Kayu"))
    expect(page.locator("meta[property='og:image']")).to_have_attribute("content", re.compile(r"^http.*\.webp$"))
    expect(page.locator("meta[property='og:description']")).to_have_attribute("content", re.compile(r"\S"))
    # The button opens a new tab on the portal's counted redirect, which forwards to wa.me (not
    # reachable from here: the request the tab makes is what the test reads).
    wa_me = re.compile(r"^https://wa\.me/")
    with page.context.expect_event("request", predicate=lambda request: wa_me.match(request.url)) as forwarded:
        page.get_by_role("link", name="Pesan lewat WhatsApp").first.click()
    where = urlsplit(forwarded.value.url)
    assert (where.netloc, where.path) == ("wa.me", "/6281266554433")
    assert "Galamai Durian Kotak Kayu" in parse_qs(where.query)["text"][0]
    counted = InterestCount.objects.filter(profile__business=business, kind=InterestKind.WHATSAPP)
    assert sum(counted.values_list("count", flat=True)) == 1

    # The click in the owner's figures...
    page = owner.go("/etalase/minat/saya/")
    table = page.get_by_role("region", name="Galamai Mak Ros")
    total = table.locator("tfoot tr")
    expect(total.locator("td").nth(1)).to_have_text("1")  # Klik WhatsApp

    # ... and on the officials' dashboard, as a number.
    boss = person("official")
    boss.sign_in(official.email)
    page = boss.go("/pemulihan/dasbor/")
    card = page.locator(".card", has_text="Klik WhatsApp dan toko online")
    expect(card.locator("p.h3")).to_have_text("1")
