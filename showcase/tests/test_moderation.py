"""Staff moderation in the admin: the queue of waiting products, approve, refuse with a reason,
reports, the trusted mark; the owner is told of each decision; waiting products are not public."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from businesses.tests.factories import UserFactory
from notifications.models import Message
from showcase import services
from showcase.models import Product, ProductReport, ProductStatus, Profile
from showcase.selectors import products_public

from .factories import ProductFactory, ProfileFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:showcase_product_changelist")


@pytest.fixture
def staff(reference):
    return UserFactory(role="staf")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def pending(reference):
    profile = ProfileFactory()
    return ProductFactory(profile=profile, status=ProductStatus.PENDING, decided_at=None, name="Kerupuk Sanjai")


def test_a_new_product_is_not_public_until_approved(pending, staff):
    assert not products_public().filter(pk=pending.pk).exists()
    services.product_approve(product=pending, actor=staff)
    assert products_public().filter(pk=pending.pk).exists()
    services.product_update(product=pending, actor=pending.profile.business.owner.user, data={"name": "Sanjai balado"})
    assert not products_public().filter(pk=pending.pk).exists()


def test_staff_see_the_queue_filtered_on_waiting_products(staff_client, pending):
    ProductFactory(name="Sudah tampil")
    page = staff_client.get(QUEUE + "?status__exact=pending").content.decode()
    assert "Kerupuk Sanjai" in page and "Sudah tampil" not in page
    detail = staff_client.get(reverse("admin:showcase_product_change", args=[pending.pk]))
    assert detail.status_code == 200 and "Kerupuk Sanjai" in detail.content.decode()


def test_an_owner_or_official_cannot_open_the_queue(client, pending):
    client.force_login(pending.profile.business.owner.user)
    assert client.get(QUEUE).status_code == 302  # the admin sends non-staff to its sign-in
    client.force_login(UserFactory(role="pejabat"))
    assert client.get(QUEUE).status_code == 302


def test_approving_from_the_queue_shows_it_and_tells_the_owner(staff_client, pending, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        response = staff_client.post(QUEUE, {"action": "approve", ACTION_CHECKBOX_NAME: [pending.pk]}, follow=True)
    assert "1 produk disetujui" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == ProductStatus.APPROVED and pending.decided_by is not None
    owner = pending.profile.business.owner
    told = Message.objects.filter(recipient__in=[owner.phone, owner.email], subject__contains="sudah tampil")
    assert told.exists()


def test_refusing_asks_for_a_reason_first_and_sends_it_to_the_owner(staff_client, pending):
    ask = staff_client.post(QUEUE, {"action": "refuse", ACTION_CHECKBOX_NAME: [pending.pk]})
    assert ask.status_code == 200 and "Alasan" in ask.content.decode() and "Kerupuk Sanjai" in ask.content.decode()
    pending.refresh_from_db()
    assert pending.status == ProductStatus.PENDING
    blank = staff_client.post(QUEUE, {"action": "refuse", "apply": "1", "reason": "  ", ACTION_CHECKBOX_NAME: [pending.pk]})
    assert blank.status_code == 200
    staff_client.post(
        QUEUE, {"action": "refuse", "apply": "1", "reason": "Foto bukan produk sendiri", ACTION_CHECKBOX_NAME: [pending.pk]}
    )
    pending.refresh_from_db()
    assert pending.status == ProductStatus.REFUSED and pending.refusal_reason == "Foto bukan produk sendiri"
    body = Message.objects.get(subject__contains="belum dapat ditampilkan", channel="whatsapp").body
    assert "Foto bukan produk sendiri" in body


def test_marking_a_profile_trusted_shows_its_next_products_at_once(staff_client, pending):
    profile = pending.profile
    url = reverse("admin:showcase_profile_changelist")
    staff_client.post(url, {"action": "mark_trusted", ACTION_CHECKBOX_NAME: [profile.pk]})
    assert Profile.objects.get(pk=profile.pk).trusted
    pending.refresh_from_db()
    assert pending.status == ProductStatus.PENDING  # what waits still waits for a decision
    product = services.product_create(
        profile=profile, actor=profile.business.owner.user, data={"name": "Galamai", "price_min": 25_000, "unit": "kotak"}
    )
    assert product.status == ProductStatus.APPROVED


def test_a_report_taken_down_refuses_the_product_with_the_resolution(staff_client, reference):
    product = ProductFactory(name="Rendang palsu")
    report = services.product_report_create(product=product, reason="fraud", message="Tidak dikirim")
    url = reverse("admin:showcase_productreport_changelist")
    assert "Rendang palsu" in staff_client.get(url + "?status=open").content.decode()
    staff_client.post(
        url,
        {
            "action": "resolve_and_refuse",
            "apply": "1",
            "reason": "Penjual tidak dapat dihubungi",
            ACTION_CHECKBOX_NAME: [report.pk],
        },
    )
    report.refresh_from_db()
    product.refresh_from_db()
    assert report.resolved_at is not None and report.resolution == "Penjual tidak dapat dihubungi"
    assert product.status == ProductStatus.REFUSED and not products_public().filter(pk=product.pk).exists()
    assert "Rendang palsu" not in staff_client.get(url + "?status=open").content.decode()


def test_a_report_closed_without_action_leaves_the_product_shown(staff_client, reference):
    product = ProductFactory()
    report = services.product_report_create(product=product, reason="wrong")
    url = reverse("admin:showcase_productreport_changelist")
    staff_client.post(
        url, {"action": "resolve", "apply": "1", "reason": "Sudah dicek, sesuai", ACTION_CHECKBOX_NAME: [report.pk]}
    )
    assert ProductReport.objects.get(pk=report.pk).resolved_at is not None
    assert Product.objects.get(pk=product.pk).status == ProductStatus.APPROVED


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_moderation_pages_keep_their_query_count(staff_client, pending):
    urls = [
        QUEUE,
        QUEUE + "?status__exact=pending",
        reverse("admin:showcase_productreport_changelist"),
        reverse("admin:showcase_profile_changelist"),
    ]
    small = {url: _count(staff_client, url) for url in urls}
    for _ in range(20):
        product = ProductFactory(status=ProductStatus.PENDING)
        services.product_report_create(product=product, reason="other")
    large = {url: _count(staff_client, url) for url in urls}
    assert small == large
    assert max(large.values()) <= 15, large
