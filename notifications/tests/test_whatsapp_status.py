"""Delivery statuses from the providers' webhooks: signed or refused, idempotent, never backwards."""

import hashlib
import hmac
import json
import logging

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import Channel, Delivery, Message, MessageStatus
from notifications.providers.meta import window_open
from notifications.services import message_deliver

from .fake_whatsapp import Reply

pytestmark = pytest.mark.django_db

PHONE = "+6281234567890"
META = reverse("notifications:whatsapp-meta")
APP_SECRET = "rahasia-aplikasi-uji"


@pytest.fixture
def meta_hook(settings, meta_api):
    settings.WHATSAPP_META_APP_SECRET = APP_SECRET
    settings.WHATSAPP_META_VERIFY_TOKEN = "token-verifikasi-uji"
    return meta_api


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)  # the provider has no CSRF cookie


def _sent(key="uji:status"):
    row = Message.objects.create(key=key, channel=Channel.WHATSAPP, recipient=PHONE, subject="Halo", body="Isi")
    return message_deliver(message_id=row.pk)


def _meta_payload(*statuses, messages=()):
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "6275212345", "phone_number_id": "1234567890"}}
    if statuses:
        value["statuses"] = list(statuses)
    if messages:
        value["messages"] = list(messages)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA-1", "changes": [{"value": value, "field": "messages"}]}],
    }


def _status(message, status, **extra):
    return {"id": message.external_id, "status": status, "timestamp": "1765000000", "recipient_id": "6281234567890", **extra}


def _post_meta(client, payload, secret=APP_SECRET, signature=None):
    body = json.dumps(payload).encode()
    if signature is None:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": signature} if signature else {}
    return client.post(META, body, content_type="application/json", headers=headers)


def test_meta_handshake_echoes_the_challenge_only_for_the_verify_token(client, meta_hook, caplog):
    answer = client.get(
        META, {"hub.mode": "subscribe", "hub.verify_token": "token-verifikasi-uji", "hub.challenge": "1158201444"}
    )
    assert (answer.status_code, answer.content) == (200, b"1158201444")
    with caplog.at_level(logging.WARNING, logger="notifications.webhooks"):
        wrong = client.get(META, {"hub.mode": "subscribe", "hub.verify_token": "tebakan", "hub.challenge": "1"})
    assert wrong.status_code == 403 and b"1" not in wrong.content
    assert "refused" in caplog.text


def test_meta_handshake_is_refused_when_no_verify_token_is_set(client, settings):
    settings.WHATSAPP_META_VERIFY_TOKEN = ""
    answer = client.get(META, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert answer.status_code == 403


def test_signed_statuses_move_the_row_forward_and_replays_and_late_ones_change_nothing(csrf_client, meta_hook):
    message = _sent()
    assert (message.external_id, message.delivery) == ("wamid.uji1", Delivery.SENT)
    assert _post_meta(csrf_client, _meta_payload(_status(message, "delivered"))).json() == {"changed": 1}
    assert _post_meta(csrf_client, _meta_payload(_status(message, "read"))).json() == {"changed": 1}
    # Meta retries a callback it thinks was lost, and statuses can arrive out of order.
    assert _post_meta(csrf_client, _meta_payload(_status(message, "read"))).json() == {"changed": 0}
    assert _post_meta(csrf_client, _meta_payload(_status(message, "delivered"))).json() == {"changed": 0}
    assert _post_meta(csrf_client, _meta_payload(_status(message, "sent"))).json() == {"changed": 0}
    message.refresh_from_db()
    assert (message.status, message.delivery) == (MessageStatus.SENT, Delivery.READ)
    assert message.delivery_at.timestamp() == 1765000000


def test_read_first_then_delivered_stays_read(csrf_client, meta_hook):
    message = _sent()
    _post_meta(csrf_client, _meta_payload(_status(message, "read"), _status(message, "delivered")))
    message.refresh_from_db()
    assert message.delivery == Delivery.READ


def test_a_failed_status_fails_the_row_with_meta_s_reason_but_never_after_delivered(csrf_client, meta_hook):
    message, other = _sent("uji:gagal"), _sent("uji:sampai")
    error = {"code": 131026, "title": "Message undeliverable", "error_data": {"details": "Nomor tidak memakai WhatsApp"}}
    _post_meta(csrf_client, _meta_payload(_status(message, "failed", errors=[error])))
    message.refresh_from_db()
    assert (message.status, message.delivery) == (MessageStatus.FAILED, Delivery.FAILED)
    assert "131026" in message.delivery_error and "Nomor tidak memakai WhatsApp" in message.last_error
    _post_meta(csrf_client, _meta_payload(_status(other, "delivered"), _status(other, "failed", errors=[error])))
    other.refresh_from_db()
    assert (other.status, other.delivery, other.delivery_error) == (MessageStatus.SENT, Delivery.DELIVERED, "")


@pytest.mark.parametrize(
    "how", ["unsigned", "wrong secret", "tampered body", "malformed header"]
)  # fmt: skip
def test_unsigned_or_wrongly_signed_calls_are_refused_and_logged(csrf_client, meta_hook, caplog, how):
    message = _sent()
    payload = _meta_payload(_status(message, "read"))
    with caplog.at_level(logging.WARNING, logger="notifications.webhooks"):
        if how == "unsigned":
            answer = _post_meta(csrf_client, payload, signature="")
        elif how == "wrong secret":
            answer = _post_meta(csrf_client, payload, secret="bukan-rahasianya")
        elif how == "tampered body":
            good = "sha256=" + hmac.new(APP_SECRET.encode(), json.dumps(payload).encode(), hashlib.sha256).hexdigest()
            tampered = _meta_payload(_status(message, "read"), _status(message, "delivered"))
            answer = _post_meta(csrf_client, tampered, signature=good)
        else:
            answer = _post_meta(csrf_client, payload, signature="md5=abc")
    assert answer.status_code == 403
    assert "signature" in caplog.text
    message.refresh_from_db()
    assert message.delivery == Delivery.SENT


def test_without_an_app_secret_every_post_is_refused(csrf_client, meta_hook, settings):
    settings.WHATSAPP_META_APP_SECRET = ""
    message = _sent()
    assert _post_meta(csrf_client, _meta_payload(_status(message, "read")), secret="").status_code == 403


def test_a_status_for_another_message_or_provider_changes_nothing(csrf_client, meta_hook):
    message = _sent()
    Message.objects.filter(pk=message.pk).update(provider="fonnte")
    answer = _post_meta(csrf_client, _meta_payload({"id": "wamid.tidak-ada", "status": "read"}, _status(message, "read")))
    assert answer.json() == {"changed": 0}


def test_a_send_without_an_answer_is_marked_sent_when_meta_reports_it(csrf_client, meta_hook, settings):
    settings.WHATSAPP_GATEWAY_TIMEOUT = 0.3
    meta_hook.script(Reply(200, {"messages": [{"id": "wamid.lambat"}]}, delay=1.5), None)
    message = _sent()
    assert (message.status, message.external_id) == (MessageStatus.FAILED, "")
    status = {
        "id": "wamid.lambat",
        "status": "delivered",
        "timestamp": "1765000000",
        "biz_opaque_callback_data": f"outbox:{message.pk}",
    }
    _post_meta(csrf_client, _meta_payload(status))
    message.refresh_from_db()
    assert (message.status, message.delivery, message.external_id) == (MessageStatus.SENT, Delivery.DELIVERED, "wamid.lambat")
    assert len(meta_hook.received) == 1  # and it was never sent twice


def test_a_forged_or_huge_callback_id_is_nobody_s(csrf_client, meta_hook):
    message = _sent()
    for ours in ("outbox:99999999999999999999999999999", "outbox:-1", "bukan:1"):
        answer = _post_meta(csrf_client, _meta_payload({"id": "wamid.x", "status": "read", "biz_opaque_callback_data": ours}))
        assert answer.json() == {"changed": 0}
    message.refresh_from_db()
    assert message.delivery == Delivery.SENT


def test_an_incoming_message_opens_the_24_hour_window(csrf_client, meta_hook):
    assert not window_open(PHONE)
    incoming = {"from": "6281234567890", "id": "wamid.masuk", "timestamp": "1765000000", "type": "text", "text": {"body": "Halo"}}
    assert _post_meta(csrf_client, _meta_payload(messages=[incoming])).status_code == 200
    assert window_open(PHONE)


def test_the_webhooks_are_rate_limited(csrf_client, meta_hook, settings):
    settings.RATELIMIT_WHATSAPP_WEBHOOK = "3/m"
    message = _sent()
    answers = [_post_meta(csrf_client, _meta_payload(_status(message, "read"))).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


# --- Fonnte ----------------------------------------------------------------------------------------


@pytest.fixture
def fonnte_hook(settings, fonnte_api):
    settings.WHATSAPP_FONNTE_WEBHOOK_SECRET = "rahasia-fonnte-uji"
    return fonnte_api


def _fonnte(client, data, secret="rahasia-fonnte-uji"):
    url = reverse("notifications:whatsapp-fonnte", kwargs={"secret": secret})
    return client.post(url, json.dumps(data), content_type="application/json")


def test_fonnte_statuses_with_the_secret_move_forward_only(csrf_client, fonnte_hook):
    message = _sent()
    assert message.external_id == "80000001"
    base = {"device": "6275212345", "id": "80000001", "stateid": "s-1"}
    assert _fonnte(csrf_client, {**base, "status": "sent", "state": "delivered"}).json() == {"changed": 1}
    assert _fonnte(csrf_client, {**base, "status": "sent", "state": "read"}).json() == {"changed": 1}
    assert _fonnte(csrf_client, {**base, "status": "sent", "state": "read"}).json() == {"changed": 0}  # replay
    assert _fonnte(csrf_client, {**base, "status": "sent", "state": "delivered"}).json() == {"changed": 0}  # late
    message.refresh_from_db()
    assert message.delivery == Delivery.READ


def test_fonnte_an_invalid_number_reported_later_fails_the_row(csrf_client, fonnte_hook):
    message = _sent()
    _fonnte(csrf_client, {"id": message.external_id, "status": "invalid"})
    message.refresh_from_db()
    assert (message.status, message.delivery, message.delivery_error) == (MessageStatus.FAILED, Delivery.FAILED, "invalid")


def test_fonnte_pending_changes_nothing(csrf_client, fonnte_hook):
    message = _sent()
    assert _fonnte(csrf_client, {"id": message.external_id, "status": "pending"}).json() == {"changed": 0}


def test_fonnte_a_wrong_or_unset_secret_is_refused_and_logged(client, fonnte_hook, settings, caplog):
    message = _sent()
    with caplog.at_level(logging.WARNING, logger="notifications.webhooks"):
        assert _fonnte(client, {"id": message.external_id, "state": "read"}, secret="tebakan").status_code == 403
        settings.WHATSAPP_FONNTE_WEBHOOK_SECRET = ""
        assert _fonnte(client, {"id": message.external_id, "state": "read"}, secret="x").status_code == 403
    assert caplog.text.count("refused") >= 2
    message.refresh_from_db()
    assert message.delivery == Delivery.SENT


def test_fonnte_accepts_a_form_post_too(client, fonnte_hook):
    message = _sent()
    url = reverse("notifications:whatsapp-fonnte", kwargs={"secret": "rahasia-fonnte-uji"})
    assert client.post(url, {"id": message.external_id, "state": "delivered"}).json() == {"changed": 1}
