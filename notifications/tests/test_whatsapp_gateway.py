"""WhatsApp through the HTTP gateway, against a real local HTTP server playing the gateway."""

import socket

import pytest
from django.core import mail
from django.db import transaction

from notifications.models import Channel, Message, MessageStatus
from notifications.services import TemporaryFailure, message_deliver, message_queue
from payakumbuh_ikm.tests.waiting import wait_until

from .fake_whatsapp import Reply

PHONE = "+6281234567890"


def _queue(key="uji:wa", **kwargs):
    with transaction.atomic():
        message_queue(key=key, subject="Usaha terverifikasi", body="Selamat, usaha Anda terverifikasi.", phone=PHONE, **kwargs)
    return Message.objects.get(key=key, channel=Channel.WHATSAPP)


def _whatsapp_row(key="uji:wa"):
    return Message.objects.create(key=key, channel=Channel.WHATSAPP, recipient=PHONE, subject="Halo", body="Isi")


@pytest.mark.django_db
def test_a_whatsapp_message_is_posted_to_the_gateway_and_its_id_kept(whatsapp_gateway, django_capture_on_commit_callbacks):
    whatsapp_gateway.script(Reply(200, {"id": "wamid.42", "status": "accepted"}))
    with django_capture_on_commit_callbacks(execute=True):
        message = _queue()
    message.refresh_from_db()
    assert (message.status, message.external_id, message.attempts) == (MessageStatus.SENT, "wamid.42", 1)
    assert message.sent_at is not None
    [request] = whatsapp_gateway.received
    assert request["path"] == "/kirim"
    assert request["headers"]["Authorization"] == "Bearer token-uji"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["json"] == {"to": PHONE, "message": "Usaha terverifikasi\n\nSelamat, usaha Anda terverifikasi."}


@pytest.mark.django_db
def test_a_gateway_answer_without_an_id_still_counts_as_sent(whatsapp_gateway):
    whatsapp_gateway.script(Reply(202, "diterima"))
    message = message_deliver(message_id=_whatsapp_row().pk)
    assert (message.status, message.external_id) == (MessageStatus.SENT, "")


@pytest.mark.django_db
def test_a_message_the_gateway_refuses_fails_at_once_with_the_gateway_s_reason(
    whatsapp_gateway, django_capture_on_commit_callbacks
):
    whatsapp_gateway.script(Reply(400, {"error": "nomor tidak terdaftar di WhatsApp"}))
    with django_capture_on_commit_callbacks(execute=True):  # the real task, run eagerly
        message = _queue()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "400" in message.last_error and "nomor tidak terdaftar di WhatsApp" in message.last_error
    assert len(whatsapp_gateway.received) == 1  # no retry


@pytest.mark.django_db(transaction=True)
def test_a_gateway_error_is_retried_by_the_worker_until_the_gateway_answers(settings, whatsapp_gateway, celery_worker):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0
    whatsapp_gateway.script(Reply(503, "Service Unavailable"), Reply(502, "Bad Gateway"), Reply(200, {"id": "wa-3"}))
    _queue()
    assert wait_until(lambda: Message.objects.get(key="uji:wa").status == MessageStatus.SENT)
    message = Message.objects.get(key="uji:wa")
    assert (message.attempts, message.external_id) == (3, "wa-3")
    assert "502" in message.last_error  # the last error stays visible to staff
    assert len(whatsapp_gateway.received) == 3


@pytest.mark.django_db(transaction=True)
def test_a_gateway_that_keeps_failing_ends_failed_after_the_retries(settings, whatsapp_gateway, celery_worker):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0
    whatsapp_gateway.script(Reply(500, "Internal Server Error"))
    _queue()
    assert wait_until(lambda: Message.objects.get(key="uji:wa").status == MessageStatus.FAILED)
    message = Message.objects.get(key="uji:wa")
    assert message.attempts == 6 and "500" in message.last_error
    assert len(whatsapp_gateway.received) == 6


@pytest.mark.django_db
def test_a_gateway_that_took_the_message_but_did_not_answer_in_time_is_not_sent_again(settings, whatsapp_gateway):
    # The request left: the gateway may have sent it. A retry could send it twice, so the row is
    # failed with the reason for staff to check (as a worker killed mid-send is).
    settings.WHATSAPP_GATEWAY_TIMEOUT = 0.3
    whatsapp_gateway.script(Reply(200, {"id": "terlambat"}, delay=1.5))
    message = message_deliver(message_id=_whatsapp_row().pk)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "timed out" in message.last_error and "mungkin sudah terkirim" in message.last_error
    message_deliver(message_id=message.pk)
    assert len(whatsapp_gateway.received) == 1


@pytest.mark.django_db
def test_an_unreachable_gateway_is_a_temporary_failure(settings):
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.WHATSAPP_GATEWAY_URL = f"http://127.0.0.1:{port}/kirim"
    message = _whatsapp_row()
    with pytest.raises(TemporaryFailure):
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and "refused" in message.last_error.lower()


@pytest.mark.django_db
def test_with_the_gateway_off_whatsapp_is_skipped_with_the_reason_and_email_still_goes(
    settings, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_GATEWAY_URL = ""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            message_queue(key="uji:mati", subject="Halo", body="Isi", email="uni@contoh.id", phone=PHONE)
    whatsapp = Message.objects.get(key="uji:mati", channel=Channel.WHATSAPP)
    assert whatsapp.status == MessageStatus.SKIPPED and "WHATSAPP_GATEWAY_URL" in whatsapp.last_error
    assert len(callbacks) == 2
    assert Message.objects.get(key="uji:mati", channel=Channel.EMAIL).status == MessageStatus.SENT
    assert [m.to for m in mail.outbox] == [["uni@contoh.id"]]


@pytest.mark.django_db
def test_a_whatsapp_message_queued_before_the_gateway_was_turned_off_is_skipped(settings):
    settings.WHATSAPP_GATEWAY_URL = ""
    message = message_deliver(message_id=_whatsapp_row().pk)
    assert message.status == MessageStatus.SKIPPED and "WHATSAPP_GATEWAY_URL" in message.last_error
