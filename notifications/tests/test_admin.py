"""The outbox in the admin: staff find failures, read why, and send failed messages again."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from accounts.roles import GROUP_NAMES, Role
from notifications.models import Channel, Message, MessageStatus

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_message_changelist")


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_user(
        email="staf@contoh.id", password="rahasia-ikm-123", full_name="Staf Uji", is_staff=True
    )
    user.groups.add(Group.objects.get(name=GROUP_NAMES[Role.STAFF]))
    client.force_login(user)
    return client


def _message(key, status, **fields):
    return Message.objects.create(
        key=key,
        channel=Channel.EMAIL,
        recipient=f"{key.replace(':', '-')}@contoh.id",
        subject="Halo",
        body="Isi",
        status=status,
        **fields,
    )


def test_staff_find_failed_messages_by_status_channel_and_key_and_read_the_error(staff_client):
    _message("usaha:1:terverifikasi", MessageStatus.FAILED, attempts=6, last_error="Connection refused by smtp.contoh.id")
    _message("usaha:2:terverifikasi", MessageStatus.SENT, attempts=1)
    response = staff_client.get(CHANGELIST, {"status__exact": "failed", "channel__exact": "email"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("key", flat=True)) == ["usaha:1:terverifikasi"]
    assert "Connection refused by smtp.contoh.id" in response.content.decode()
    assert "Kirim ulang" in response.content.decode()
    found = staff_client.get(CHANGELIST, {"q": "usaha:2"}).context["cl"].result_list
    assert [m.key for m in found] == ["usaha:2:terverifikasi"]
    found = staff_client.get(CHANGELIST, {"q": "usaha-1"}).context["cl"].result_list  # by recipient
    assert [m.key for m in found] == ["usaha:1:terverifikasi"]


def test_the_outbox_is_read_only_in_the_admin(staff_client):
    message = _message("usaha:1", MessageStatus.FAILED)
    assert staff_client.get(reverse("admin:notifications_message_add")).status_code == 403
    change = reverse("admin:notifications_message_change", args=[message.pk])
    assert staff_client.get(change).status_code == 200  # viewable
    assert staff_client.post(change, {"status": "sent", "recipient": "lain@contoh.id"}).status_code == 403
    assert staff_client.get(reverse("admin:notifications_message_delete", args=[message.pk])).status_code == 403
    message.refresh_from_db()
    assert (message.status, message.recipient) == (MessageStatus.FAILED, "usaha-1@contoh.id")


def test_kirim_ulang_puts_failed_messages_back_in_the_queue_and_sends_them_after_the_commit(
    staff_client, django_capture_on_commit_callbacks
):
    failed = _message("usaha:1", MessageStatus.FAILED, attempts=6, last_error="Connection refused")
    sent = _message("usaha:2", MessageStatus.SENT, attempts=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(CHANGELIST, {"action": "resend", "_selected_action": [failed.pk, sent.pk]}, follow=True)
    notices = [str(m) for m in response.context["messages"]]
    assert "1 pesan gagal diantrekan untuk dikirim ulang." in notices
    assert "1 pesan lain tidak gagal dan dibiarkan." in notices
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (MessageStatus.QUEUED, 6, "Connection refused")
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()  # the commit: the task runs (eagerly in tests)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (MessageStatus.SENT, 7)
    assert [m.to for m in mail.outbox] == [["usaha-1@contoh.id"]]
    sent.refresh_from_db()
    assert (sent.status, sent.attempts) == (MessageStatus.SENT, 1)


def test_kirim_ulang_needs_its_own_permission(client):
    viewer = get_user_model().objects.create_user(
        email="lihat@contoh.id", password="rahasia-ikm-123", full_name="Hanya Melihat", is_staff=True
    )
    viewer.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(viewer)
    failed = _message("usaha:1", MessageStatus.FAILED)
    assert "Kirim ulang" not in client.get(CHANGELIST).content.decode()
    client.post(CHANGELIST, {"action": "resend", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == MessageStatus.FAILED


def _whatsapp(key, status, delivery=""):
    return Message.objects.create(
        key=key, channel=Channel.WHATSAPP, recipient="+6281200000001", subject="Halo", body="Isi",
        status=status, delivery=delivery, provider="meta",
    )  # fmt: skip


def test_staff_see_each_message_s_delivery_and_the_rate_per_channel(staff_client):
    _whatsapp("wa:1", MessageStatus.SENT, "read")
    _whatsapp("wa:2", MessageStatus.SENT, "delivered")
    _whatsapp("wa:3", MessageStatus.SENT, "sent")
    _whatsapp("wa:4", MessageStatus.FAILED, "failed")
    _whatsapp("wa:5", MessageStatus.SKIPPED)
    _message("email:1", MessageStatus.SENT)
    _message("email:2", MessageStatus.FAILED)
    response = staff_client.get(CHANGELIST)
    summary = {row["channel"]: row for row in response.context["delivery_summary"]}
    assert {k: summary["whatsapp"][k] for k in ("total", "tried", "reached", "read", "failed", "skipped", "rate")} == {
        "total": 5, "tried": 4, "reached": 2, "read": 1, "failed": 1, "skipped": 1, "rate": 50.0,
    }  # fmt: skip
    assert (summary["email"]["reached"], summary["email"]["rate"]) == (1, 50.0)
    page = response.content.decode()
    assert "Tingkat sampai per saluran" in page and "50,0%" in page  # Indonesian decimal comma
    assert "Dibaca" in page and "Sampai di ponsel" in page  # the delivery column
    read = staff_client.get(CHANGELIST, {"delivery__exact": "read"}).context["cl"].result_list
    assert [m.key for m in read] == ["wa:1"]


def test_the_outbox_page_reads_as_many_queries_at_20_as_at_2000_messages(staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(n, start):
        Message.objects.bulk_create(
            Message(key=f"wa:{i}", channel=Channel.WHATSAPP, recipient="+62812", subject="Halo", body="Isi",
                    status=MessageStatus.SENT, delivery=["sent", "delivered", "read", "failed"][i % 4], provider="meta")
            for i in range(start, n)
        )  # fmt: skip

    grow(20, 0)
    staff_client.get(CHANGELIST)  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(CHANGELIST).status_code == 200
    grow(2000, 20)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(CHANGELIST)
    assert response.context["delivery_summary"][0]["total"] == 2000
    assert len(many) == len(few) <= 15
