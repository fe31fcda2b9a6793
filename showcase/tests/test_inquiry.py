import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import Channel, Message, MessageStatus
from showcase.forms_interest import form_stamp
from showcase.inquiries import inquiries_erase_old
from showcase.models import Inquiry, InterestCount

from .factories import ProductFactory, ProfileFactory

PHONE = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer(client):
    client.defaults.update(HTTP_USER_AGENT=PHONE, REMOTE_ADDR="203.0.113.7")
    return client


def _data(profile, **extra):
    return {
        "nama": "Siti Aminah",
        "kontak": "0813-1234-5678",
        "provinsi": "31",
        "pesan": "Apakah bisa kirim 5 kg rendang ke Jakarta minggu depan?",
        "situs": "",
        "tanda": form_stamp(profile.pk, time.time() - 20),
    } | extra


def _url(profile):
    return reverse("showcase:inquiry", args=[profile.slug])


def test_the_form_works_without_javascript_and_carries_csrf_and_a_signed_time(buyer, reference):
    product = ProductFactory()
    response = buyer.get(_url(product.profile) + f"?produk={product.slug}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "csrfmiddlewaretoken" in page and 'name="tanda"' in page and 'name="situs"' in page
    assert product.name in page and "<script" not in page.split("<main")[-1].split("</main>")[0]
    assert "Sumatera Barat" in page and "Papua" in page
    assert response["X-Robots-Tag"] == "noindex"


def test_an_inquiry_is_kept_forwarded_to_the_owner_and_counted(buyer, reference, mailoutbox, django_capture_on_commit_callbacks):
    product = ProductFactory(profile__order_phone="+6281266000001")
    profile = product.profile
    with django_capture_on_commit_callbacks(execute=True):
        response = buyer.post(_url(profile), _data(profile, produk=product.slug))
    assert response.status_code == 302
    assert response["Location"] == reverse("showcase:inquiry-sent", args=[profile.slug])
    inquiry = Inquiry.objects.get()
    assert (inquiry.profile, inquiry.product, inquiry.buyer_province) == (profile, product, "31")
    assert inquiry.buyer_contact == "+6281312345678" and inquiry.forwarded_at is not None
    assert list(InterestCount.objects.values_list("product_id", "kind", "count")) == [(product.pk, "inquiry", 1)]
    # The outbox keeps no buyer data; the email that left has it.
    rows = Message.objects.filter(key=f"showcase-inquiry:{inquiry.pk}")
    assert {(m.channel, m.recipient) for m in rows} == {
        (Channel.EMAIL, profile.business.owner.email),
        (Channel.WHATSAPP, "+6281266000001"),
    }
    assert not any("Siti" in m.body or "Jakarta" in m.body for m in rows)
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "Siti Aminah" in body and "DKI Jakarta" in body and "+6281312345678" in body and "5 kg rendang" in body
    assert product.name in body
    assert buyer.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kontak": "bukan kontak"}, "nomor WhatsApp"),
        ({"kontak": "siti@contoh"}, "email tidak valid"),
        ({"provinsi": "99"}, "pilihan yang tersedia"),
        ({"nama": ""}, "tidak boleh kosong"),
        ({"pesan": "x" * 1001}, "1000"),
        ({"nama": "Siti\x1b[31m"}, "karakter"),
    ],
)
def test_bad_input_is_refused_in_indonesian_and_nothing_is_saved(buyer, reference, change, message):
    profile = ProfileFactory()
    response = buyer.post(_url(profile), _data(profile, **change))
    assert response.status_code == 200
    assert message.lower() in response.content.decode().lower()
    assert not Inquiry.objects.exists() and not Message.objects.exists() and not InterestCount.objects.exists()


def test_an_email_contact_is_accepted(buyer, reference):
    profile = ProfileFactory()
    assert buyer.post(_url(profile), _data(profile, kontak=" Siti@Contoh.ID ")).status_code == 302
    assert Inquiry.objects.get().buyer_contact == "siti@contoh.id"


@pytest.mark.parametrize(
    ("age", "message"),
    [(0, "terlalu cepat"), (1, "terlalu cepat"), (25 * 3600, "terlalu lama"), (None, "tidak dikenal")],
)
def test_a_form_sent_too_fast_too_late_or_forged_is_refused(buyer, reference, age, message):
    profile = ProfileFactory()
    stamp = "palsu" if age is None else form_stamp(profile.pk, time.time() - age)
    response = buyer.post(_url(profile), _data(profile, tanda=stamp))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Inquiry.objects.exists()


def test_a_form_shown_for_another_business_is_refused(buyer, reference):
    profile, other = ProfileFactory(), ProfileFactory()
    response = buyer.post(_url(profile), _data(profile, tanda=form_stamp(other.pk, time.time() - 20)))
    assert response.status_code == 200
    assert not Inquiry.objects.exists()


def test_a_robot_filling_the_hidden_field_is_thanked_and_nothing_is_kept(buyer, reference):
    profile = ProfileFactory()
    response = buyer.post(_url(profile), _data(profile, situs="http://spam.example"))
    assert response.status_code == 302
    assert not Inquiry.objects.exists() and not Message.objects.exists() and not InterestCount.objects.exists()


def test_inquiries_from_one_address_are_limited(buyer, reference, settings):
    settings.RATELIMIT_SHOWCASE_INQUIRY = "2/h"
    profile = ProfileFactory()
    assert [buyer.post(_url(profile), _data(profile)).status_code for _ in range(3)] == [302, 302, 200]
    assert Inquiry.objects.count() == 2
    other = Client(HTTP_USER_AGENT=PHONE, REMOTE_ADDR="198.51.100.9")
    assert other.post(_url(profile), _data(profile)).status_code == 302


def test_csrf_is_checked(reference):
    profile = ProfileFactory()
    strict = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=PHONE)
    assert strict.post(_url(profile), _data(profile)).status_code == 403
    assert not Inquiry.objects.exists()


def test_a_hidden_business_or_product_has_no_form(buyer, reference):
    product = ProductFactory()
    assert buyer.get(_url(product.profile) + "?produk=tidak-ada").status_code == 200  # about the business itself
    product.profile.withdrawn_at = timezone.now()
    product.profile.save()
    assert buyer.get(_url(product.profile)).status_code == 404
    assert buyer.post(_url(product.profile), _data(product.profile)).status_code == 404
    assert not Inquiry.objects.exists()


def _inquiry(profile, days_ago, **extra):
    return Inquiry.objects.create(
        profile=profile,
        buyer_name="Budi",
        buyer_contact="+6281312345678",
        buyer_province="32",
        message="Harga grosir?",
        created_at=timezone.now() - timedelta(days=days_ago),
        **extra,
    )


def test_the_sweep_erases_old_buyer_data_keeps_province_and_date_and_runs_twice_safely(reference, settings):
    settings.INQUIRY_RETENTION_DAYS = 90
    profile = ProfileFactory()
    old, recent = _inquiry(profile, 91), _inquiry(profile, 89)
    assert inquiries_erase_old() == 1
    assert inquiries_erase_old() == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.buyer_name, old.buyer_contact, old.message, old.buyer_province) == ("", "", "", "32")
    assert old.erased_at is not None and old.created_at < recent.created_at
    first_erased_at = old.erased_at
    inquiries_erase_old()
    old.refresh_from_db()
    assert old.erased_at == first_erased_at
    assert recent.buyer_name == "Budi" and recent.erased_at is None


def test_a_message_still_queued_when_its_inquiry_is_erased_is_not_sent(reference, mailoutbox):
    from notifications.services import message_deliver
    from showcase.inquiries import INQUIRY_KEY_PREFIX

    profile = ProfileFactory()
    inquiry = _inquiry(profile, 100)
    message = Message.objects.create(
        key=f"{INQUIRY_KEY_PREFIX}{inquiry.pk}", channel=Channel.EMAIL, recipient="pemilik@contoh.id", subject="x", body="x"
    )
    inquiries_erase_old()
    assert message_deliver(message_id=message.pk).status == MessageStatus.FAILED
    assert mailoutbox == []


def test_the_sweep_is_scheduled_daily():
    import showcase.tasks  # noqa: F401 - registers the task, as the worker's autodiscovery does
    from payakumbuh_ikm.celery import app

    entry = app.conf.beat_schedule["showcase-inquiries-erase"]
    assert entry["task"] == "showcase.tasks.inquiries_erase_task" and entry["schedule"] == 86400.0
    assert entry["task"] in app.tasks


def test_the_inquiry_page_costs_the_same_queries_however_many_businesses(buyer, reference, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        profile = ProfileFactory()
        with CaptureQueriesContext(connection) as page:
            assert buyer.get(_url(profile)).status_code == 200
        return len(page)

    few = get()
    for _ in range(10):
        ProductFactory()
    assert get() == few
