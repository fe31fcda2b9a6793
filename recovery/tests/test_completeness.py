"""Who reported, who reported no activity, who has not; the monthly reminder and the staff
follow-up list."""

import pytest
from django.urls import reverse

from businesses.models import Kecamatan, Kelurahan
from notifications.models import Message
from recovery import selectors, services
from recovery.models import ReportStatus
from recovery.selectors import month_add, period_default
from recovery.tasks import reminders_send_task

from .factories import MonthlyReportFactory, NoActivityReportFactory, VerifiedBusinessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(reference):
    k1, k2 = Kecamatan.objects.order_by("code")[:2]
    in_k1 = Kelurahan.objects.filter(kecamatan=k1).first()
    in_k2 = Kelurahan.objects.filter(kecamatan=k2).first()
    reported = MonthlyReportFactory(business__kelurahan=in_k1, business__name="Rendang Lapor").business
    returned = MonthlyReportFactory(
        business__kelurahan=in_k2, business__name="Galamai Dikembalikan", status=ReportStatus.RETURNED, return_note="Cek"
    ).business
    idle = NoActivityReportFactory(business__kelurahan=in_k2, business__name="Bordir Libur").business
    silent_k1 = VerifiedBusinessFactory(kelurahan=in_k1, name="Batiah Diam")
    silent_k2 = VerifiedBusinessFactory(kelurahan=in_k2, name="Kopi Diam")
    # Not verified, or reported for another month only: not in this month's lists as reporters.
    VerifiedBusinessFactory(kelurahan=in_k1, name="Tenun Menunggu", status="pending")
    MonthlyReportFactory(business=silent_k1, period=month_add(period_default(), -1))
    return {
        "k1": k1,
        "k2": k2,
        "reported": reported,
        "returned": returned,
        "idle": idle,
        "silent_k1": silent_k1,
        "silent_k2": silent_k2,
    }


def names(items):
    return sorted(getattr(item, "business", item).name for item in items)


def test_completeness_lists_reporters_no_activity_and_missing(month):
    lists = selectors.completeness(period=period_default())
    assert names(lists["reported"]) == ["Galamai Dikembalikan", "Rendang Lapor"]
    assert names(lists["no_activity"]) == ["Bordir Libur"]
    assert names(lists["missing"]) == ["Batiah Diam", "Kopi Diam"]


def test_completeness_for_one_kecamatan(month):
    lists = selectors.completeness(period=period_default(), kecamatan_id=month["k2"].pk)
    assert names(lists["reported"]) == ["Galamai Dikembalikan"]
    assert names(lists["no_activity"]) == ["Bordir Libur"]
    assert names(lists["missing"]) == ["Kopi Diam"]


def test_follow_up_page_lists_non_reporters_with_their_phone_by_kecamatan(client, month, staff):
    client.force_login(staff)
    url = reverse("recovery:completeness")
    page = client.get(url, {"periode": f"{period_default():%Y-%m}", "kecamatan": month["k1"].pk}).content.decode()
    assert "Batiah Diam" in page and month["silent_k1"].owner.phone in page
    assert "Kopi Diam" not in page and month["silent_k2"].owner.phone not in page
    assert "Rendang Lapor" in page
    page = client.get(url).content.decode()  # default: last month, every kecamatan
    assert "Kopi Diam" in page and month["silent_k2"].owner.phone in page


def test_staff_reach_a_late_reporter_in_whatsapp_with_the_message_typed(client, month, staff, settings):
    # A wa.me link with the reminder already written, the link to the month's form in it: staff
    # on a phone tap and send (a tel: link only dialled).
    from urllib.parse import parse_qs, urlsplit

    settings.SITE_URL = "https://ikm.payakumbuhkota.go.id"
    client.force_login(staff)
    period = f"{period_default():%Y-%m}"
    page = client.get(reverse("recovery:completeness"), {"periode": period, "kecamatan": month["k1"].pk}).content.decode()
    silent = month["silent_k1"]
    start = page.index(f'href="https://wa.me/{silent.owner.phone.removeprefix("+")}?text=')
    link = urlsplit(page[start + 6 : page.index('"', start + 6)].replace("&amp;", "&"))
    [text] = parse_qs(link.query)["text"]
    form = "https://ikm.payakumbuhkota.go.id" + reverse("recovery:report-form", args=[silent.pk]) + f"?periode={period}"
    assert text.startswith(f"Halo {silent.owner.name}, laporan bulanan Batiah Diam untuk ") and form in text
    assert "tel:" not in page


def test_reminders_go_to_non_reporters_once_however_often_the_job_runs(month, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reminders_send()
    again = reminders_send_task.delay(f"{period_default():%Y-%m}").get()
    assert again == 0
    keys = set(Message.objects.values_list("key", flat=True))
    period = f"{period_default():%Y-%m}"
    assert keys == {f"recovery-reminder:{month['silent_k1'].pk}:{period}", f"recovery-reminder:{month['silent_k2'].pk}:{period}"}
    assert first == Message.objects.count() == 4  # email and WhatsApp for each
    assert all("belum masuk" in m.subject for m in Message.objects.all())


def test_the_reminder_links_straight_to_the_months_form_through_sign_in(client, month, settings):
    settings.SITE_URL = "https://ikm.payakumbuhkota.go.id"
    services.reminders_send()
    silent = month["silent_k1"]
    [email] = Message.objects.filter(key__startswith=f"recovery-reminder:{silent.pk}:", channel="email")
    form = reverse("recovery:report-form", args=[silent.pk]) + f"?periode={period_default():%Y-%m}"
    assert f"https://ikm.payakumbuhkota.go.id{form}" in email.body
    # From a phone not signed in: the sign-in page, then that month's form.
    landing = client.get(form)
    assert landing.status_code == 302 and landing.url.startswith(reverse("accounts:login"))
    client.force_login(silent.owner.user)
    page = client.get(form)
    assert page.status_code == 200 and f'value="{period_default():%Y-%m}' in page.content.decode()


def _nudge(client, **data):
    return client.post(reverse("recovery:completeness-nudge"), {"periode": f"{period_default():%Y-%m}", **data}, follow=True)


def test_staff_remind_one_late_owner_now_at_most_once_a_day(client, month, staff):
    from accounts.models import AuditAction, AuditEvent

    client.force_login(staff)
    silent = month["silent_k1"]
    page = client.get(reverse("recovery:completeness")).content.decode()
    assert f'name="usaha" value="{silent.pk}"' in page and "Ingatkan semua yang belum melapor" in page
    done = _nudge(client, usaha=silent.pk)
    assert "1 pemilik diingatkan" in done.content.decode()
    sent = Message.objects.filter(key__startswith=f"recovery-nudge:{silent.pk}:")
    assert {m.channel for m in sent} == {"email", "whatsapp"}
    assert all(reverse("recovery:report-form", args=[silent.pk]) in m.body for m in sent)
    assert not Message.objects.filter(key__startswith=f"recovery-nudge:{month['silent_k2'].pk}:").exists()
    [event] = AuditEvent.objects.filter(action=AuditAction.NUDGE)
    assert (event.actor, event.object_ids) == (staff, [silent.pk])
    # Pressed again the same day: nothing more is sent, and the page says so.
    again = _nudge(client, usaha=silent.pk)
    assert "sudah diingatkan hari ini" in again.content.decode() and sent.count() == 2
    # A business that reported is never reminded.
    _nudge(client, usaha=month["reported"].pk)
    assert not Message.objects.filter(key__startswith=f"recovery-nudge:{month['reported'].pk}:").exists()


def test_staff_remind_every_late_owner_of_one_kecamatan(client, month, staff):
    client.force_login(staff)
    done = _nudge(client, kecamatan=month["k2"].pk)
    assert done.redirect_chain[-1][0].endswith(f"kecamatan={month['k2'].pk}")
    reminded = {m.key.split(":")[1] for m in Message.objects.filter(key__startswith="recovery-nudge:")}
    assert reminded == {str(month["silent_k2"].pk)}


def test_reminding_is_rate_limited_per_staff_member(client, month, staff, settings):
    settings.RATELIMIT_NUDGE = "2/h"
    client.force_login(staff)
    for _ in range(2):
        _nudge(client, usaha=month["silent_k1"].pk)
    limited = _nudge(client, usaha=month["silent_k2"].pk)
    assert "Terlalu banyak pengingat" in limited.content.decode()
    assert not Message.objects.filter(key__startswith=f"recovery-nudge:{month['silent_k2'].pk}:").exists()


def test_a_nudge_without_a_month_changes_nothing(client, month, staff):
    client.force_login(staff)
    response = client.post(reverse("recovery:completeness-nudge"), {"periode": "9999999999-01"}, follow=True)
    assert "Pengingat tidak dapat dikirim" in response.content.decode()
    assert not Message.objects.filter(key__startswith="recovery-nudge:").exists()


def test_reminders_for_another_month_are_separate(month):
    services.reminders_send()
    services.reminders_send(period=month_add(period_default(), -1))
    earlier = f"{month_add(period_default(), -1):%Y-%m}"
    # The month before: everyone but silent_k1 (who reported then) is reminded.
    reminded = set(Message.objects.filter(key__endswith=earlier).values_list("key", flat=True))
    assert f"recovery-reminder:{month['silent_k1'].pk}:{earlier}" not in reminded
    assert f"recovery-reminder:{month['reported'].pk}:{earlier}" in reminded


def test_the_reminder_is_scheduled_monthly_on_the_fifth():
    from payakumbuh_ikm.celery import app

    entry = app.conf.beat_schedule["recovery-reminders"]
    assert entry["task"] == "recovery.tasks.reminders_send_task"
    assert entry["schedule"].day_of_month == {5}


@pytest.mark.django_db(transaction=True)
def test_the_reminder_job_through_a_real_worker_sends_each_owner_one_email(reference, worker_idle):
    from django.core import mail

    silent = [VerifiedBusinessFactory(), VerifiedBusinessFactory()]
    MonthlyReportFactory()  # a reporter: not reminded
    reminders_send_task.delay()
    reminders_send_task.delay()  # beat fired twice, or two beats

    assert worker_idle()  # both jobs and every send they queued have run: a third email would be here
    assert sorted(m.to[0] for m in mail.outbox) == sorted(b.owner.email for b in silent)
    assert Message.objects.filter(key__startswith="recovery-reminder:").count() == 4
