"""Owners sign up and register a business in one flow; staff verify, reject or deactivate."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from businesses import services
from businesses.models import Business, BusinessStatus, DuplicateFlag, Kbli, Kelurahan, Marketplace, Owner
from notifications.models import Message

from .factories import BusinessFactory, OwnerFactory

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    kelurahan = Kelurahan.objects.get(code="13.76.02.1002")
    data = {
        "full_name": "Yusnimar",
        "nik": "1376025505800001",
        "phone": "0812-6600-1234",
        "email": "yus@contoh.id",
        "password1": "galamai-manih-2026",
        "password2": "galamai-manih-2026",
        "consent": "on",
        "usaha-nib": "9120 0000 11111",
        "usaha-name": "Rendang Uni Yus",
        "usaha-products": "Rendang daging",
        "usaha-kbli": Kbli.objects.get(code="10750").pk,
        "usaha-kelurahan": kelurahan.pk,
        "usaha-address": "Jl. Soekarno-Hatta No. 5",
        "usaha-year_founded": "2009",
        "usaha-workers_male": "1",
        "usaha-workers_female": "4",
        "usaha-investment": "Rp 85.000.000",
        "usaha-turnover_2019": "32.000.000",
        "usaha-sells_in_shop": "on",
        "usaha-sells_on_marketplace": "on",
        "usaha-marketplaces": [Marketplace.objects.get(name="Shopee").pk],
        "usaha-reaches_city": "on",
        "usaha-reaches_other_provinces": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_owner_signs_up_and_registers_business_as_pending(client, reference):
    response = client.post(reverse("businesses:signup"), signup_data())
    business = Business.objects.get()
    assert response.status_code == 302 and response.url == reverse("businesses:detail", args=[business.pk])
    assert business.status == BusinessStatus.PENDING
    assert business.nib == "9120000011111"
    assert business.investment == 85_000_000 and business.turnover_2019 == 32_000_000
    assert list(business.marketplaces.values_list("name", flat=True)) == ["Shopee"]
    business.refresh_from_db()
    assert business.is_online is True and business.size_class == "kecil"
    owner = business.owner
    assert owner.nik == "1376025505800001" and owner.phone == "+6281266001234"
    assert owner.consent_at is not None
    assert owner.user.phone == "+6281266001234" and owner.user.groups.filter(name="Pemilik IKM").exists()
    page = client.get(response.url)
    assert "Menunggu verifikasi" in page.content.decode()


def test_signup_form_is_served_in_indonesian(client, reference):
    body = client.get(reverse("businesses:signup")).content.decode()
    assert "Daftarkan usaha IKM Anda" in body and "data-kbli-picker" in body and "galamai" in body


@pytest.mark.parametrize(
    ("override", "field_message"),
    [
        ({"nik": "1376020513800001"}, "bulan lahir"),
        ({"phone": "0751-12345"}, "Nomor WhatsApp tidak valid"),
        ({"usaha-nib": "123"}, "NIB harus 13 angka"),
        ({"usaha-investment": "banyak"}, "Tulis angka dalam Rupiah"),
        ({"usaha-workers_male": "0", "usaha-workers_female": "0"}, "Isi jumlah tenaga kerja"),
        ({"usaha-marketplaces": None}, "Pilih marketplace"),
        ({"password2": "lain-sekali-2026"}, "Kedua kata sandi tidak sama"),
        ({"password1": "12345678", "password2": "12345678"}, "kata sandi"),
        ({"consent": None}, "Persetujuan diperlukan"),
        ({"usaha-year_founded": "2090"}, "masa depan"),
    ],
)
def test_bad_input_is_refused_with_indonesian_message_and_nothing_saved(client, reference, override, field_message):
    response = client.post(reverse("businesses:signup"), signup_data(**override))
    assert response.status_code == 200
    assert field_message.lower() in response.content.decode().lower()
    assert not User.objects.exists() and not Owner.objects.exists() and not Business.objects.exists()


def test_second_business_with_same_nib_is_refused(client, reference):
    BusinessFactory(nib="9120000011111")
    response = client.post(reverse("businesses:signup"), signup_data())
    assert "NIB ini sudah terdaftar" in response.content.decode()
    assert Business.objects.count() == 1 and not User.objects.filter(phone="+6281266001234").exists()


def test_second_owner_with_same_nik_is_refused(client, reference):
    OwnerFactory(nik="1376025505800001")
    response = client.post(reverse("businesses:signup"), signup_data())
    assert "NIK ini sudah terdaftar" in response.content.decode()
    assert not Business.objects.exists()


def test_signed_in_owner_registers_a_second_business(client, owner):
    client.force_login(owner.user)
    data = {
        k.removeprefix("usaha-"): v for k, v in signup_data(**{"usaha-nib": "9120000022222"}).items() if k.startswith("usaha-")
    }
    response = client.post(reverse("businesses:new"), data)
    assert response.status_code == 302
    assert owner.businesses.get().status == BusinessStatus.PENDING


def test_likely_duplicates_are_flagged_for_staff(reference):
    first = BusinessFactory(name="Rendang Uni Ita", owner=OwnerFactory(phone="+6281211112222", user=None))
    same_name = BusinessFactory(name="Rendang Uni Itaa", kelurahan=first.kelurahan)
    services.business_flag_duplicates(business=same_name)
    same_phone = BusinessFactory(
        name="Kerupuk Sanjai",
        owner=OwnerFactory(phone="+6281211112222", user=None),
        kelurahan=Kelurahan.objects.order_by("-code").first(),
    )
    services.business_flag_duplicates(business=same_phone)
    flags = set(DuplicateFlag.objects.values_list("business__name", "other__name", "reason"))
    assert flags == {("Rendang Uni Itaa", "Rendang Uni Ita", "name"), ("Kerupuk Sanjai", "Rendang Uni Ita", "phone")}


def test_different_names_in_same_kelurahan_are_not_flagged(reference):
    first = BusinessFactory(name="Rendang Uni Ita")
    other = BusinessFactory(name="Tenun Balai Panjang", kelurahan=first.kelurahan)
    assert services.business_flag_duplicates(business=other) == []


class TestVerification:
    def test_staff_verify_in_bulk_and_each_owner_is_told_after_commit(
        self, admin_client_staff, reference, django_capture_on_commit_callbacks
    ):
        businesses = BusinessFactory.create_batch(3)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = admin_client_staff.post(
                reverse("admin:businesses_business_changelist"),
                {"action": "verify", "_selected_action": [b.pk for b in businesses]},
            )
        assert response.status_code == 302
        assert set(Business.objects.values_list("status", flat=True)) == {BusinessStatus.VERIFIED}
        # an email and a WhatsApp message for each owner, and one refresh of the recovery figures
        assert len(callbacks) == 7
        assert len(mail.outbox) == 3 and "terverifikasi" in mail.outbox[0].subject
        assert Message.objects.filter(channel="email", status="sent").count() == 3

    def test_nothing_is_sent_when_the_transaction_rolls_back(self, staff, business, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                from django.db import transaction

                with transaction.atomic():
                    services.businesses_set_status(business_ids=[business.pk], status=BusinessStatus.VERIFIED, by=staff)
                    raise RuntimeError("gagal")
            except RuntimeError:
                pass
        assert callbacks == [] and mail.outbox == []
        business.refresh_from_db()
        assert business.status == BusinessStatus.PENDING

    def test_verifying_twice_tells_the_owner_once(self, staff, business, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            services.businesses_set_status(business_ids=[business.pk], status=BusinessStatus.VERIFIED, by=staff)
            services.businesses_set_status(business_ids=[business.pk], status=BusinessStatus.VERIFIED, by=staff)
        assert len(mail.outbox) == 1

    def test_rejection_needs_a_reason_and_tells_it(self, admin_client_staff, business, django_capture_on_commit_callbacks):
        url = reverse("admin:businesses_business_changelist")
        page = admin_client_staff.post(url, {"action": "reject", "_selected_action": [business.pk]})
        assert page.status_code == 200 and "Alasan penolakan" in page.content.decode()
        empty = admin_client_staff.post(url, {"action": "reject", "_selected_action": [business.pk], "apply": "1", "reason": ""})
        assert empty.status_code == 200
        business.refresh_from_db()
        assert business.status == BusinessStatus.PENDING
        with django_capture_on_commit_callbacks(execute=True):
            admin_client_staff.post(
                url, {"action": "reject", "_selected_action": [business.pk], "apply": "1", "reason": "Foto NIB tidak terbaca"}
            )
        business.refresh_from_db()
        assert business.status == BusinessStatus.REJECTED and business.rejection_reason == "Foto NIB tidak terbaca"
        assert "Foto NIB tidak terbaca" in mail.outbox[0].body

    def test_owner_sees_verified_status(self, client, staff, business):
        services.businesses_set_status(business_ids=[business.pk], status=BusinessStatus.VERIFIED, by=staff)
        client.force_login(business.owner.user)
        assert "Terverifikasi" in client.get(reverse("businesses:mine")).content.decode()


@pytest.fixture
def admin_client_staff(client, staff):
    client.force_login(staff)
    return client


def test_sign_ups_from_one_address_are_rate_limited(client, reference):
    for _ in range(20):
        client.post(reverse("businesses:signup"), signup_data(consent=None))
    response = client.post(reverse("businesses:signup"), signup_data())
    assert "Terlalu banyak pendaftaran" in response.content.decode()
    assert not Business.objects.exists()


def test_staff_decide_one_business_from_its_admin_page(client, staff, business):
    client.force_login(staff)
    url = reverse("admin:businesses_business_change", args=[business.pk])
    page = client.get(url)
    assert "Simpan dan verifikasi" in page.content.decode()
    form = page.context["adminform"].form
    data = {
        **{k: v for k, v in form.initial.items() if v is not None and k != "marketplaces"},
        "kbli": business.kbli_id,
        "kelurahan": business.kelurahan_id,
        "owner": business.owner_id,
        "certifications-TOTAL_FORMS": 0,
        "certifications-INITIAL_FORMS": 0,
        "duplicate_flags-TOTAL_FORMS": 0,
        "duplicate_flags-INITIAL_FORMS": 0,
    }
    client.post(url, {**data, "_reject": "1", "decision_reason": ""})
    business.refresh_from_db()
    assert business.status == BusinessStatus.PENDING
    client.post(url, {**data, "_verify": "1"})
    business.refresh_from_db()
    assert business.status == BusinessStatus.VERIFIED and business.status_changed_by == staff
