"""Owners sign up and register a business in one flow; staff verify, reject or deactivate."""

import random
import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from rapidfuzz import fuzz

from accounts.models import User
from businesses import services
from businesses.models import Business, BusinessStatus, DuplicateFlag, DuplicateReason, Kelurahan, Owner
from notifications.models import Message

from .factories import BusinessFactory, OwnerFactory
from .helpers import signup_data

pytestmark = pytest.mark.django_db


def test_owner_signs_up_and_registers_business_as_pending(client, reference):
    response = client.post(reverse("businesses:signup"), signup_data())
    business = Business.objects.get()
    # Not signed in: the answer is the one a sign-up with registered details gets (finding 7).
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
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
    welcome = Message.objects.filter(key=f"signup-welcome:{owner.user.pk}")
    assert {m.recipient for m in welcome} == {"+6281266001234", "yus@contoh.id"}
    assert "Rendang Uni Yus" in welcome[0].body
    client.post(reverse("accounts:login"), {"username": "0812-6600-1234", "password": "galamai-manih-2026"})
    page = client.get(reverse("businesses:mine"))
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
        ({"password1": "12345678", "password2": "12345678"}, "terlalu umum"),
        ({"consent": None}, "Persetujuan diperlukan"),
        ({"usaha-year_founded": "2090"}, "masa depan"),
    ],
)
def test_bad_input_is_refused_with_indonesian_message_and_nothing_saved(client, reference, override, field_message):
    response = client.post(reverse("businesses:signup"), signup_data(**override))
    assert response.status_code == 200
    # In the forms' errors, not just somewhere on the page: labels and help texts are always there.
    errors = [str(e) for key in ("account_form", "business_form") for es in response.context[key].errors.values() for e in es]
    assert any(field_message.lower() in error.lower() for error in errors), errors
    assert not User.objects.exists() and not Owner.objects.exists() and not Business.objects.exists()


@pytest.fixture
def registered(reference):
    """An owner with an account, NIK, WhatsApp number, email and a business with a NIB."""
    owner = OwnerFactory(nik="1376025505800001", user__phone="+6281266001234", user__email="yus@contoh.id")
    BusinessFactory(owner=owner, nib="9120000011111")
    return owner


NEW_PERSON = {
    "full_name": "Orang Lain",
    "nik": "1376021203900002",
    "phone": "0813-7700-5555",
    "email": "lain@contoh.id",
    "usaha-nib": "9120000099999",
}


def _answer(response):
    """What a visitor can observe of a sign-up answer."""
    return (
        response.status_code,
        response.get("Location"),
        sorted(response.cookies),
        [str(m) for m in get_messages(response.wsgi_request)],
    )


@pytest.mark.parametrize(
    "taken",
    [
        {"nik": "1376025505800001"},
        {"phone": "+62 812 6600 1234"},
        {"email": "YUS@contoh.id"},
        {"usaha-nib": "9120000011111"},
    ],
    ids=["nik", "phone", "email", "nib"],
)
def test_sign_up_answers_alike_whether_or_not_a_detail_is_registered(reference, registered, taken):
    # Audit finding 7: the form said "NIK ini sudah terdaftar" (NIB, number, email alike).
    counts_before = (User.objects.count(), Owner.objects.count(), Business.objects.count())
    refused = Client().post(reverse("businesses:signup"), signup_data(**{**NEW_PERSON, **taken}))
    assert (User.objects.count(), Owner.objects.count(), Business.objects.count()) == counts_before
    accepted = Client().post(
        reverse("businesses:signup"),
        signup_data(nik="3171017101000001", phone="0813-7700-6666", email="baru@contoh.id", **{"usaha-nib": "9120000088888"}),
    )
    assert Owner.objects.count() == counts_before[1] + 1
    assert _answer(refused) == _answer(accepted)
    assert refused.status_code == 302 and "_auth_user_id" not in refused.wsgi_request.session
    # The holder is told, by WhatsApp and email, through the outbox.
    told = Message.objects.filter(key__startswith="signup-attempt:")
    assert {m.recipient for m in told} == {"+6281266001234", "yus@contoh.id"}
    assert "mencoba mendaftar" in told[0].body
    # The person signing up is pointed to Disnakerin at the contact they gave, unless it is the holder's.
    pointed = {m.recipient for m in Message.objects.filter(key__startswith="signup-refused:")}
    assert pointed == ({"+6281377005555", "lain@contoh.id"} if set(taken) <= {"nik", "usaha-nib"} else set())


def test_repeated_attempts_tell_the_holder_once_an_hour(client, registered):
    for _ in range(3):
        client.post(reverse("businesses:signup"), signup_data(**{**NEW_PERSON, "nik": "1376025505800001"}))
    assert Message.objects.filter(key__startswith="signup-attempt:").count() == 2  # WhatsApp + email, once


@pytest.mark.parametrize(
    "copy",
    [
        # Audit finding 2: full-width digits are the same identifiers (NFKC), and so the same owner.
        {"nik": "\uff11\uff13\uff17\uff16\uff10\uff12\uff15\uff15\uff10\uff15\uff18\uff10\uff10\uff10\uff10\uff11"},
        {"phone": "\uff10\uff18\uff11\uff12\uff16\uff16\uff10\uff10\uff11\uff12\uff13\uff14"},
        {"usaha-nib": "\uff19\uff11\uff12\uff10\uff10\uff10\uff10\uff10\uff11\uff11\uff11\uff11\uff11"},
        {"email": "\uff59\uff55\uff53\uff20\uff43\uff4f\uff4e\uff54\uff4f\uff48\uff0e\uff49\uff44"},
    ],
    ids=["nik", "phone", "nib", "email"],
)
def test_a_full_width_copy_of_an_owners_details_is_that_owner(client, registered, copy):
    client.post(reverse("businesses:signup"), signup_data(**{**NEW_PERSON, **copy}))
    assert Owner.objects.count() == 1 and Business.objects.count() == 1
    assert Message.objects.filter(key__startswith="signup-attempt:", recipient="+6281266001234").exists()


@pytest.mark.parametrize(
    ("copy", "message"),
    [
        (
            {"nik": "\u0661\u0663\u0667\u0666\u0660\u0662\u0665\u0665\u0660\u0665\u0668\u0660\u0660\u0660\u0660\u0661"},
            "NIK harus 16 angka",
        ),
        ({"phone": "0812\u0666\u0666\u0660\u0660\u0661\u0662\u0663\u0664"}, "Nomor WhatsApp tidak valid"),
        ({"usaha-nib": "\u0669\u0661\u0662\u0660\u0660\u0660\u0660\u0660\u0661\u0661\u0661\u0661\u0661"}, "NIB harus 13 angka"),
        ({"email": "pem\u0131l\u0131k@contoh.id"}, "huruf latin tanpa tanda"),
    ],
    ids=["nik", "phone", "nib", "email"],
)
def test_other_scripts_digits_and_look_alike_letters_are_refused(client, reference, copy, message):
    # Arabic-Indic digits matched \d and made a look-alike identity beside the real owner.
    response = client.post(reverse("businesses:signup"), signup_data(**{**NEW_PERSON, **copy}))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Owner.objects.exists() and not User.objects.exists()


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


@pytest.mark.parametrize("few", [20, 0], ids=["sign-up", "import"])
def test_the_same_or_a_similar_name_in_another_kelurahan_is_flagged_too(reference, monkeypatch, few):
    monkeypatch.setattr(services, "FEW_NEW_BUSINESSES", few)
    here, elsewhere = Kelurahan.objects.order_by("code")[0], Kelurahan.objects.order_by("-code")[0]
    first = BusinessFactory(name="Rendang Uni Ita", kelurahan=here)
    unrelated = BusinessFactory(name="Tenun Balai Panjang", kelurahan=elsewhere)
    same = BusinessFactory(name="RENDANG UNI ITA", kelurahan=elsewhere)
    similar = BusinessFactory(name="UD Rendang Uni Itaa", kelurahan=elsewhere)
    services.businesses_flag_duplicates(business_ids=[same.pk])
    services.business_flag_duplicates(business=similar)
    flags = set(DuplicateFlag.objects.values_list("business__name", "other__name", "reason"))
    assert flags == {
        ("RENDANG UNI ITA", "Rendang Uni Ita", "name"),
        ("UD Rendang Uni Itaa", "Rendang Uni Ita", "name"),
        ("UD Rendang Uni Itaa", "RENDANG UNI ITA", "name"),
    }
    assert not DuplicateFlag.objects.filter(other__in=[unrelated, first.pk + 10_000]).exists()


def test_different_names_in_same_kelurahan_are_not_flagged(reference):
    first = BusinessFactory(name="Rendang Uni Ita")
    other = BusinessFactory(name="Tenun Balai Panjang", kelurahan=first.kelurahan)
    assert services.business_flag_duplicates(business=other) == []


ALIKE_NAMES = ("Rendang Uni Ani", "Rendang Mak Ani", "Randang Uni Ana", "UD Rendang Uni Ani", "RENDANG UNI ANI 2",
               "Galamai Rosna", "Galamai Rosnah", "Rosna 2", "Rosnah 2", "Rosna", "Batiah Amak", "Batiah Etek",
               "Toko", "UD", "Kerupuk Sanjai", "Sanjai Balado")  # fmt: skip


@pytest.mark.parametrize("few", [20, 0], ids=["sign-up", "import"])
def test_similar_names_are_exactly_the_pairs_the_rule_names(reference, monkeypatch, few):
    """The check's indexes, length window and per-name grouping find every pair the rule names,
    and only those, as comparing each new business with every older one would: a business in the
    same kelurahan or sharing a word of 3 letters or more, whose normalised name reaches the ratio."""
    monkeypatch.setattr(services, "FEW_NEW_BUSINESSES", few)
    rng = random.Random(15)
    places = list(Kelurahan.objects.order_by("code")[:3])
    registry = [BusinessFactory(name=rng.choice(ALIKE_NAMES), kelurahan=rng.choice(places)) for _ in range(60)]
    new = registry[35:]
    if few:  # registered one by one
        for business in new:
            services.business_flag_duplicates(business=business)
    else:  # imported together
        services.businesses_flag_duplicates(business_ids=[b.pk for b in new])

    def normalised(business):
        return services._normalised_name(business.name)

    expected, kelurahan_only = set(), set()
    for business in new:
        for other in registry:
            if other.pk >= business.pk or fuzz.ratio(normalised(business), normalised(other)) < 85 - 1e-6:
                continue
            share_a_word = services._name_words(normalised(business)) & services._name_words(normalised(other))
            if share_a_word or business.kelurahan_id == other.kelurahan_id:
                expected.add((business.pk, other.pk))
            if not share_a_word and business.kelurahan_id == other.kelurahan_id:
                kelurahan_only.add((business.pk, other.pk))
    flagged = set(DuplicateFlag.objects.filter(reason=DuplicateReason.SIMILAR_NAME).values_list("business", "other"))
    assert flagged == expected
    # Each way of being a candidate is exercised: a name elsewhere sharing a word, not the same
    # name, and one only in the same kelurahan.
    assert kelurahan_only and any(
        Business.objects.get(pk=b).kelurahan_id != Business.objects.get(pk=o).kelurahan_id
        and Business.objects.get(pk=b).name != Business.objects.get(pk=o).name
        for b, o in expected
    )


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
        # (the public pages' version bump after the commit, once per business saved, sends nothing)
        sends = [c for c in callbacks if c.__qualname__.startswith("enqueue_on_commit")]
        assert len(sends) == 7
        assert len(mail.outbox) == 3 and "terverifikasi" in mail.outbox[0].subject
        assert Message.objects.filter(channel="email", status="sent").count() == 3

    def test_nothing_is_sent_when_the_transaction_rolls_back(self, staff, pending_business, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                from django.db import transaction

                with transaction.atomic():
                    services.businesses_set_status(
                        business_ids=[pending_business.pk], status=BusinessStatus.VERIFIED, actor=staff
                    )
                    raise RuntimeError("gagal")
            except RuntimeError:
                pass
        assert callbacks == [] and mail.outbox == []
        pending_business.refresh_from_db()
        assert pending_business.status == BusinessStatus.PENDING

    def test_verifying_twice_tells_the_owner_once(self, staff, pending_business, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            services.businesses_set_status(business_ids=[pending_business.pk], status=BusinessStatus.VERIFIED, actor=staff)
        pending_business.refresh_from_db()
        first = (pending_business.status, pending_business.status_changed_at, pending_business.history.count())
        with django_capture_on_commit_callbacks(execute=True):
            services.businesses_set_status(business_ids=[pending_business.pk], status=BusinessStatus.VERIFIED, actor=staff)
        pending_business.refresh_from_db()
        # The second call changes nothing: not the time of the decision, not the history.
        assert first[0] == BusinessStatus.VERIFIED
        assert (pending_business.status, pending_business.status_changed_at, pending_business.history.count()) == first
        assert len(mail.outbox) == 1

    def test_rejection_needs_a_reason_and_tells_it(
        self, admin_client_staff, pending_business, django_capture_on_commit_callbacks
    ):
        url = reverse("admin:businesses_business_changelist")
        page = admin_client_staff.post(url, {"action": "reject", "_selected_action": [pending_business.pk]})
        assert page.status_code == 200 and "Alasan penolakan" in page.content.decode()
        empty = admin_client_staff.post(
            url, {"action": "reject", "_selected_action": [pending_business.pk], "apply": "1", "reason": ""}
        )
        assert empty.status_code == 200
        pending_business.refresh_from_db()
        assert pending_business.status == BusinessStatus.PENDING
        with django_capture_on_commit_callbacks(execute=True):
            admin_client_staff.post(
                url,
                {"action": "reject", "_selected_action": [pending_business.pk], "apply": "1", "reason": "Foto NIB tidak terbaca"},
            )
        pending_business.refresh_from_db()
        assert (
            pending_business.status == BusinessStatus.REJECTED and pending_business.rejection_reason == "Foto NIB tidak terbaca"
        )
        assert "Foto NIB tidak terbaca" in mail.outbox[0].body

    def test_owner_sees_verified_status(self, client, staff, pending_business):
        services.businesses_set_status(business_ids=[pending_business.pk], status=BusinessStatus.VERIFIED, actor=staff)
        client.force_login(pending_business.owner.user)
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
    # An empty POST once limited is told the same (it was a 500: the message went to an
    # unbound form).
    empty = client.post(reverse("businesses:signup"), {})
    assert empty.status_code == 200 and "Terlalu banyak pendaftaran" in empty.content.decode()


def test_staff_decide_one_business_from_its_admin_page(client, staff, pending_business):
    client.force_login(staff)
    url = reverse("admin:businesses_business_change", args=[pending_business.pk])
    page = client.get(url)
    assert "Simpan dan verifikasi" in page.content.decode()
    form = page.context["adminform"].form
    data = {
        **{k: v for k, v in form.initial.items() if v is not None and k != "marketplaces"},
        "kbli": pending_business.kbli_id,
        "kelurahan": pending_business.kelurahan_id,
        "owner": pending_business.owner_id,
        "certifications-TOTAL_FORMS": 0,
        "certifications-INITIAL_FORMS": 0,
        "duplicate_flags-TOTAL_FORMS": 0,
        "duplicate_flags-INITIAL_FORMS": 0,
    }
    client.post(url, {**data, "_reject": "1", "decision_reason": ""})
    pending_business.refresh_from_db()
    assert pending_business.status == BusinessStatus.PENDING
    client.post(url, {**data, "_verify": "1"})
    pending_business.refresh_from_db()
    assert pending_business.status == BusinessStatus.VERIFIED and pending_business.status_changed_by == staff


def _fieldset_holding(page: str, element_id: str) -> str:
    """The <fieldset>...</fieldset> around ``id="element_id"`` (the innermost one)."""
    at, depth = page.index(f'id="{element_id}"'), 0
    for tag in reversed(list(re.finditer(r"<fieldset\b|</fieldset>", page[:at]))):
        depth += 1 if tag[0] == "</fieldset>" else -1
        if depth < 0:
            start = tag.start()
            break
    end = at
    for tag in re.finditer(r"<fieldset\b|</fieldset>", page[at:]):
        depth += 1 if tag[0] == "</fieldset>" else -1
        if depth == 0:
            end = at + tag.end()
            break
    return page[start:end]


def test_a_fresh_sign_up_form_asks_each_question_under_its_legend_and_answers_none(client, reference):
    page = client.get(reverse("businesses:signup")).content.decode()
    channels = _fieldset_holding(page, "id_usaha-sells_in_shop")
    assert "<legend" in channels and "Di mana Anda menjual produk?" in channels
    assert 'id="id_usaha-sells_on_whatsapp"' in channels and 'name="usaha-marketplaces"' in channels
    markets = _fieldset_holding(page, "id_usaha-reaches_city")
    assert "Ke mana saja produk Anda terjual?" in markets and 'id="id_usaha-reaches_export"' in markets
    workers = _fieldset_holding(page, "id_usaha-workers_male")
    assert "termasuk pemilik" in workers and 'id="id_usaha-workers_female"' in workers
    # Nothing answered for the owner: no box ticked, no worker count standing in the fields.
    assert re.search(r'<input[^>]*id="id_usaha-reaches_city"[^>]*>', page)[0].count("checked") == 0
    for field in ("workers_male", "workers_female"):
        assert "value=" not in re.search(rf'<input[^>]*id="id_usaha-{field}"[^>]*>', page)[0]
    # Sent unchanged, the form asks for what is missing; it does not refuse its own defaults.
    response = client.post(reverse("businesses:signup"), {})
    errors = response.context["business_form"].errors
    assert "Isi jumlah tenaga kerja" not in str(errors) and "workers_male" in errors
    assert "reaches_city" in errors


def test_an_owner_s_own_business_keeps_its_answers_on_the_edit_form(reference, owner):
    from businesses.forms import BusinessForm

    business = BusinessFactory(owner=owner, workers_male=2, workers_female=0, reaches_city=True)
    form = BusinessForm(instance=business, include_nib=False)
    assert (form["workers_male"].value(), form["workers_female"].value(), form["reaches_city"].value()) == (2, 0, True)


def test_the_sign_in_field_offers_the_full_keyboard_for_a_number_or_an_email(client):
    page = client.get(reverse("accounts:login")).content.decode()
    field = re.search(r'<input[^>]*id="id_username"[^>]*>', page)[0]
    assert 'inputmode="text"' in field and "email" not in field
