from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from businesses.models import Kbli, Kelurahan
from businesses.tests.factories import OwnerFactory, UserFactory
from showcase.figures import city_interest, dashboard_interest, owner_interest
from showcase.models import Inquiry, InterestCount, InterestKind

from .factories import ProductFactory

pytestmark = pytest.mark.django_db


def _count(product, kind, day, n, *, on_profile=False):
    InterestCount.objects.create(profile=product.profile, product=None if on_profile else product, kind=kind, day=day, count=n)


def _inquiry(product, province, when):
    return Inquiry.objects.create(
        profile=product.profile,
        product=product,
        buyer_name="Budi",
        buyer_contact="+6281312345678",
        buyer_province=province,
        message="Harga grosir?",
        created_at=when,
    )


def _jakarta(*args):
    return datetime(*args, tzinfo=ZoneInfo("Asia/Jakarta"))


def test_city_figures_add_up_by_month_kecamatan_and_category(showcase_reference):
    kelurahan = list(Kelurahan.objects.select_related("kecamatan").order_by("code"))
    first, other = kelurahan[0], next(k for k in kelurahan if k.kecamatan_id != kelurahan[0].kecamatan_id)
    rendang = ProductFactory(profile__business__kelurahan=first)
    songket = ProductFactory(
        profile__business__kelurahan=other, profile__business__kbli=Kbli.objects.get(version=2020, code="13121")
    )
    _count(rendang, InterestKind.PRODUCT_VIEW, date(2026, 10, 3), 10)
    _count(rendang, InterestKind.PROFILE_VIEW, date(2026, 10, 3), 5, on_profile=True)
    _count(rendang, InterestKind.WHATSAPP, date(2026, 10, 31), 4)
    _count(songket, InterestKind.STORE, date(2026, 11, 1), 2)
    _count(songket, InterestKind.INQUIRY, date(2026, 11, 1), 9)  # the Inquiry rows count instead
    _count(songket, InterestKind.WHATSAPP, date(2026, 9, 30), 100)  # before the months asked
    _inquiry(rendang, "13", _jakarta(2026, 10, 31, 23, 30))  # still October in Payakumbuh
    _inquiry(songket, "31", _jakarta(2026, 11, 1, 0, 30))
    _inquiry(songket, "LN", _jakarta(2026, 11, 20, 12, 0))

    figures = city_interest(start=date(2026, 10, 1), end=date(2026, 11, 1))
    october, november = figures["months"]
    assert (october.label, october.views, october.whatsapp, october.store, october.inquiries, october.outside_share) == (
        date(2026, 10, 1),
        15,
        4,
        0,
        1,
        0.0,
    )
    assert (november.views, november.clicks, november.inquiries, november.outside_percent) == (0, 2, 2, 100)
    total = figures["total"]
    assert (total.views, total.whatsapp, total.store, total.inquiries, total.outside_percent) == (15, 4, 2, 3, 67)
    by_kecamatan = {row.label: (row.views, row.clicks, row.inquiries) for row in figures["by_kecamatan"]}
    assert by_kecamatan == {first.kecamatan.name: (15, 4, 1), other.kecamatan.name: (0, 2, 2)}
    by_category = {row.label: (row.views, row.clicks, row.inquiries) for row in figures["by_category"]}
    assert by_category == {"Rendang & masakan khas": (15, 4, 1), "Tenun & songket": (0, 2, 2)}

    only_songket = city_interest(start=date(2026, 10, 1), end=date(2026, 11, 1), division="13")
    assert (only_songket["total"].views, only_songket["total"].clicks, only_songket["total"].inquiries) == (0, 2, 2)
    only_first = city_interest(start=date(2026, 10, 1), end=date(2026, 11, 1), kecamatan_id=first.kecamatan_id)
    assert only_first["total"].inquiries == 1


def test_months_without_interest_show_zero_and_no_share(showcase_reference):
    figures = city_interest(start=date(2026, 1, 1), end=date(2026, 3, 1))
    assert [(m.label, m.views, m.outside_share) for m in figures["months"]] == [
        (date(2026, 1, 1), 0, None),
        (date(2026, 2, 1), 0, None),
        (date(2026, 3, 1), 0, None),
    ]


def test_the_dashboard_includes_the_current_month_when_it_ends_at_last_month(showcase_reference):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    assert dashboard_interest(start=last_month, end=last_month)["months"][-1].label == this_month
    older = (last_month - timedelta(days=1)).replace(day=1)
    assert dashboard_interest(start=older, end=older)["months"][-1].label == older


def _official(client):
    client.force_login(UserFactory(role=Role.OFFICIAL))
    return client


def test_officials_see_buyer_interest_on_the_dashboard(client, showcase_reference):
    product = ProductFactory()
    _count(product, InterestKind.WHATSAPP, timezone.localdate(), 7)
    _inquiry(product, "31", timezone.now())
    page = _official(client).get(reverse("recovery:dashboard")).content.decode()
    assert 'id="minat-pembeli"' in page and "Minat pembeli" in page
    assert "tidak dihitung" in page  # the one-line explanation
    section = page.split('id="minat-pembeli"')[1].split("</section>")[0]
    assert ">7<" in section and "100%" in section and product.profile.business.name not in section


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_dashboard_reads_buyer_interest_in_one_query_however_much_there_is(client, showcase_reference):
    _official(client)
    url = reverse("recovery:dashboard")
    without = _queries(client, url)
    product = ProductFactory()
    _count(product, InterestKind.WHATSAPP, timezone.localdate(), 1)
    few = _queries(client, url)
    for n in range(12):
        other = ProductFactory(profile__business__kbli=Kbli.objects.get(version=2020, code=("13121", "14302", "10796")[n % 3]))
        for months_ago in range(6):
            day = timezone.localdate() - timedelta(days=30 * months_ago)
            _count(other, InterestKind.PRODUCT_VIEW, day, n + 1)
            _inquiry(other, "32", timezone.now() - timedelta(days=30 * months_ago))
    assert without == few == _queries(client, url)


# --- The owner's own counts ---------------------------------------------------------------------


def test_an_owner_sees_only_their_own_counts_per_month_and_product(client, showcase_reference):
    owner = OwnerFactory()
    mine = ProductFactory(name="Rendang Paru", profile__business__owner=owner)
    theirs = ProductFactory(name="Galamai Rahasia")
    today = timezone.localdate()
    _count(mine, InterestKind.WHATSAPP, today, 3)
    _count(mine, InterestKind.PROFILE_VIEW, today, 8, on_profile=True)
    _count(theirs, InterestKind.WHATSAPP, today, 50)
    _inquiry(mine, "LN", timezone.now())
    client.force_login(owner.user)
    response = client.get(reverse("showcase:interest-mine"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rendang Paru" in page and "Halaman usaha" in page and mine.profile.business.name in page
    assert "Galamai Rahasia" not in page and theirs.profile.business.name not in page and ">50<" not in page
    figures = owner_interest(user=owner.user)
    (business,) = figures["businesses"]
    assert {(r.label, r.views, r.whatsapp, r.inquiries) for r in business["rows"]} == {
        ("Rendang Paru", 0, 3, 1),
        ("Halaman usaha", 8, 0, 0),
    }
    assert business["total"].outside_percent == 100


def test_an_owner_without_a_public_profile_is_told_so(client, showcase_reference):
    owner = OwnerFactory()
    client.force_login(owner.user)
    assert "belum tampil di Etalase IKM" in client.get(reverse("showcase:interest-mine")).content.decode()


def test_the_owner_page_is_for_owners_and_linked_from_their_home(client, showcase_reference):
    url = reverse("showcase:interest-mine")
    assert client.get(url).status_code == 302  # to sign-in
    client.force_login(UserFactory(role=Role.OFFICIAL))
    assert client.get(url).status_code == 403
    owner = OwnerFactory()
    client.force_login(owner.user)
    assert url in client.get(reverse("businesses:mine")).content.decode()


def test_the_owner_page_costs_the_same_queries_however_many_products_and_months(client, showcase_reference):
    owner = OwnerFactory()
    client.force_login(owner.user)
    url = reverse("showcase:interest-mine")
    first = ProductFactory(profile__business__owner=owner)
    _count(first, InterestKind.WHATSAPP, timezone.localdate(), 1)
    few = _queries(client, url)
    for n in range(8):
        product = ProductFactory(profile=first.profile, slug=f"produk-{n}")
        for months_ago in range(10):
            _count(product, InterestKind.PRODUCT_VIEW, timezone.localdate() - timedelta(days=30 * months_ago), n + 1)
            _inquiry(product, "13", timezone.now() - timedelta(days=30 * months_ago))
    ProductFactory(profile__business__owner=owner)  # a second business
    assert _queries(client, url) == few
