"""Each WhatsApp provider's adapter against a real local HTTP server that implements the
provider's documented request and answer shapes (notifications/tests/fake_whatsapp.py)."""

import io

import pytest
from django.db import transaction

from notifications.models import Channel, Message, MessageStatus
from notifications.providers.console import ConsoleProvider
from notifications.providers.meta import window_opened
from notifications.services import TemporaryFailure, message_deliver, message_queue
from payakumbuh_ikm.tests.waiting import wait_until

from .fake_whatsapp import FakeMeta, Reply

PHONE = "+6281234567890"
UNREACHABLE = "+6281200000404"


def _row(key="training-reminder:24h:7:v1", phone=PHONE, subject="Pengingat pelatihan", body="Besok pukul 09.00.\nDi Balai IKM."):
    return Message.objects.create(key=key, channel=Channel.WHATSAPP, recipient=phone, subject=subject, body=body)


def _queue(key="uji:wa"):
    with transaction.atomic():
        message_queue(key=key, subject="Halo", body="Isi", phone=PHONE)
    return Message.objects.get(key=key, channel=Channel.WHATSAPP)


# --- Meta's WhatsApp Cloud API ----------------------------------------------------------------------


@pytest.mark.django_db
def test_meta_sends_an_approved_template_with_the_subject_and_body_as_parameters(meta_api):
    message = message_deliver(message_id=_row().pk)
    assert (message.status, message.external_id, message.provider, message.delivery) == (
        MessageStatus.SENT, "wamid.uji1", "meta", "sent"
    )  # fmt: skip
    [request] = meta_api.received
    assert request["path"] == "/v21.0/1234567890/messages"
    assert request["headers"]["Authorization"] == "Bearer EAAG-uji"
    body = request["json"]
    assert (body["messaging_product"], body["to"], body["type"]) == ("whatsapp", "6281234567890", "template")
    assert body["biz_opaque_callback_data"] == f"outbox:{message.pk}"
    template = body["template"]
    assert (template["name"], template["language"]) == ("ikm_pengingat_pelatihan", {"code": "id"})
    # Meta refuses new lines in parameters: the body's lines are joined.
    assert template["components"] == [
        {"type": "body", "parameters": [
            {"type": "text", "text": "Pengingat pelatihan"}, {"type": "text", "text": "Besok pukul 09.00. · Di Balai IKM."},
        ]}
    ]  # fmt: skip


@pytest.mark.django_db
def test_meta_a_template_not_approved_fails_at_once_with_meta_s_reason(meta_api):
    message = message_deliver(message_id=_row(key="training-promoted:5").pk)  # ikm_kursi_tersedia: not approved
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "132001" in message.last_error and "ikm_kursi_tersedia" in message.last_error
    assert len(meta_api.received) == 1


@pytest.mark.django_db
def test_meta_an_undeliverable_number_fails_at_once_and_is_not_retried(meta_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message_queue(key="uji:nomor", subject="Halo", body="Isi", phone=UNREACHABLE)
    message = Message.objects.get(key="uji:nomor")
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "131026" in message.last_error and "not on WhatsApp" in message.last_error
    assert len(meta_api.received) == 1


@pytest.mark.django_db(transaction=True)
def test_meta_rate_limit_and_5xx_are_retried_by_the_worker_until_sent(settings, meta_api, celery_worker):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0
    meta_api.script(
        FakeMeta.error(400, 130429, "Rate limit hit", "Cloud API message throughput has been reached."),
        Reply(503, "Service Unavailable"),
        None,  # then Meta answers as usual
    )
    _queue()
    assert wait_until(lambda: Message.objects.get(key="uji:wa").status == MessageStatus.SENT)
    message = Message.objects.get(key="uji:wa")
    assert (message.attempts, message.external_id) == (3, "wamid.uji1")
    assert len(meta_api.received) == 3


@pytest.mark.django_db
def test_meta_no_answer_in_time_is_not_retried_so_nobody_gets_it_twice(settings, meta_api):
    settings.WHATSAPP_GATEWAY_TIMEOUT = 0.3
    meta_api.script(Reply(200, {"messages": [{"id": "wamid.terlambat"}]}, delay=1.5), None)
    message = message_deliver(message_id=_row().pk)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "timed out" in message.last_error and "mungkin sudah terkirim" in message.last_error
    assert message_deliver(message_id=message.pk).status == MessageStatus.FAILED
    assert len(meta_api.received) == 1


@pytest.mark.django_db
def test_meta_free_text_inside_the_24_hour_window_and_a_template_when_it_closed(meta_api):
    window_opened(PHONE)  # the owner wrote to the business
    meta_api.window = {"6281234567890"}
    first = message_deliver(message_id=_row(key="uji:teks").pk)
    assert first.status == MessageStatus.SENT
    assert meta_api.received[-1]["json"]["type"] == "text"
    assert meta_api.received[-1]["json"]["text"]["body"] == "*Pengingat pelatihan*\n\nBesok pukul 09.00.\nDi Balai IKM."
    meta_api.window = set()  # Meta says the window closed (131047): the template goes instead
    second = message_deliver(message_id=_row(key="uji:teks-2").pk)
    assert second.status == MessageStatus.SENT
    assert [r["json"]["type"] for r in meta_api.received[1:]] == ["text", "template"]
    assert meta_api.received[-1]["json"]["template"]["name"] == "ikm_pemberitahuan"


@pytest.mark.django_db
def test_meta_a_reset_code_goes_as_an_authentication_template(meta_api):
    # The code is drawn as the message leaves (accounts.services.phone_reset_code_body): the
    # template carries it, the stored row does not, and it is the code that resets the password.
    from accounts.roles import Role
    from accounts.services import phone_reset_confirm, phone_reset_request, user_create

    owner = user_create(full_name="Yusnimar", phone=PHONE, password="rendang-lamak-2026", role=Role.OWNER)
    phone_reset_request(phone=PHONE)
    queued = Message.objects.get(key__startswith="reset-code:")
    message = message_deliver(message_id=queued.pk)
    assert message.status == MessageStatus.SENT
    template = meta_api.received[0]["json"]["template"]
    assert template["name"] == "ikm_kode_reset"
    [parameter] = template["components"][0]["parameters"]
    code = parameter["text"]
    assert len(code) == 6 and code.isdigit() and code not in Message.objects.get(pk=message.pk).body
    assert template["components"][1]["sub_type"] == "url"
    assert template["components"][1]["parameters"] == [parameter]
    assert phone_reset_confirm(phone=PHONE, code=code, password="Sanjai-pedas-77") == owner


# --- Fonnte ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_fonnte_posts_the_form_with_the_token_and_keeps_fonnte_s_id(fonnte_api):
    message = message_deliver(message_id=_row().pk)
    assert (message.status, message.external_id, message.provider) == (MessageStatus.SENT, "80000001", "fonnte")
    [request] = fonnte_api.received
    assert request["headers"]["Authorization"] == "fonnte-uji"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {
        "target": "6281234567890",
        "message": "*Pengingat pelatihan*\n\nBesok pukul 09.00.\nDi Balai IKM.",
        "countryCode": "62",
    }


@pytest.mark.django_db
def test_fonnte_an_invalid_number_fails_at_once_with_fonnte_s_reason(fonnte_api):
    message = message_deliver(message_id=_row(phone=UNREACHABLE).pk)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "target invalid" in message.last_error
    assert len(fonnte_api.received) == 1


@pytest.mark.django_db
def test_fonnte_a_wrong_token_fails_with_the_reason(settings, fonnte_api):
    settings.WHATSAPP_FONNTE_TOKEN = "salah"
    message = message_deliver(message_id=_row().pk)
    assert message.status == MessageStatus.FAILED and "invalid token" in message.last_error


@pytest.mark.django_db(transaction=True)
def test_fonnte_rate_limit_and_5xx_are_retried_by_the_worker_until_sent(settings, fonnte_api, celery_worker):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0
    fonnte_api.script(Reply(429, {"reason": "rate limit", "status": False}), Reply(502, "Bad Gateway"), None)
    _queue()
    assert wait_until(lambda: Message.objects.get(key="uji:wa").status == MessageStatus.SENT)
    message = Message.objects.get(key="uji:wa")
    assert (message.attempts, message.external_id) == (3, "80000001")
    assert len(fonnte_api.received) == 3


@pytest.mark.django_db
def test_fonnte_a_refusal_saying_rate_limit_is_temporary(fonnte_api):
    fonnte_api.script(Reply(200, {"reason": "rate limit exceeded, try again later", "status": False}), None)
    message = _row()
    with pytest.raises(TemporaryFailure):
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message_deliver(message_id=message.pk).status == MessageStatus.SENT


@pytest.mark.django_db
def test_fonnte_no_answer_in_time_is_failed_for_staff_not_resent(settings, fonnte_api):
    settings.WHATSAPP_GATEWAY_TIMEOUT = 0.3
    fonnte_api.script(Reply(200, {"status": True, "id": ["1"]}, delay=1.5), None)
    message = message_deliver(message_id=_row().pk)
    assert message.status == MessageStatus.FAILED and "timed out" in message.last_error
    assert len(fonnte_api.received) == 1


# --- the console (quick start) --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_console_provider_prints_the_message_and_counts_it_sent(settings, monkeypatch):
    settings.WHATSAPP_PROVIDER = "console"
    out = io.StringIO()
    monkeypatch.setattr(ConsoleProvider, "stream", out)
    message = message_deliver(message_id=_row().pk)
    assert (message.status, message.external_id) == (MessageStatus.SENT, f"console-{message.pk}")
    printed = out.getvalue()
    assert "WhatsApp ke +6281234567890" in printed and "*Pengingat pelatihan*" in printed and "Di Balai IKM." in printed


def test_the_quick_start_shows_whatsapp_and_production_leaves_it_off():
    from pathlib import Path

    settings_dir = Path(__file__).resolve().parents[2] / "payakumbuh_ikm" / "settings"
    assert 'WHATSAPP_PROVIDER = env("WHATSAPP_PROVIDER", default="console")' in (settings_dir / "local.py").read_text()
    assert 'WHATSAPP_PROVIDER = env("WHATSAPP_PROVIDER", default="")' in (settings_dir / "base.py").read_text()


@pytest.mark.django_db
def test_an_unknown_provider_fails_the_message_with_the_choices(settings):
    settings.WHATSAPP_PROVIDER = "twilio"
    message = message_deliver(message_id=_row().pk)
    assert message.status == MessageStatus.FAILED and "meta, fonnte, console, webhook" in message.last_error
