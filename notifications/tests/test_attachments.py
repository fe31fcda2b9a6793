import pytest
from django.core import mail
from django.db import transaction

from notifications.models import Channel, Message
from notifications.services import message_queue

pytestmark = pytest.mark.django_db

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def test_the_attachment_goes_with_the_email_and_whatsapp_stays_text(
    settings, whatsapp_gateway, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message_queue(
                key="uji:lampiran",
                subject="Pengingat pelatihan",
                body="Besok pukul 09.00.",
                email="uni@contoh.id",
                phone="+6281234567890",
                attachment=("pelatihan-7.ics", ICS, "text/calendar"),
            )
    [email] = mail.outbox
    [(name, content, mimetype)] = email.attachments
    assert (name, content, mimetype) == ("pelatihan-7.ics", ICS, "text/calendar")
    assert "text/calendar" in email.message().as_string()
    [request] = whatsapp_gateway.received
    assert request["json"]["message"] == "Pengingat pelatihan\n\nBesok pukul 09.00."
    whatsapp = Message.objects.get(channel=Channel.WHATSAPP)
    assert (whatsapp.attachment_name, whatsapp.attachment_content) == ("", "")


def test_a_message_without_attachment_sends_a_plain_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message_queue(key="uji:polos", subject="Halo", body="Isi", email="uni@contoh.id")
    [email] = mail.outbox
    assert email.attachments == [] and email.body == "Isi"
