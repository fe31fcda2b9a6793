"""The reports officials receive: the monthly e-mail carries the PDF (and the Excel under the
size limit) besides its link; staff and officials choose the day of the month and the
recipients, and can build now; the daily job waits for the chosen day and is safe to run twice."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from businesses.tests.factories import UserFactory
from notifications.models import Message
from recovery import report_files, tasks
from recovery.models import ReportFile, ReportFileKind, ReportSchedule

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_monthly_email_attaches_the_pdf_and_the_excel_under_the_limit(closed_month):
    first = closed_month["first"]
    messages = list(Message.objects.filter(key__startswith=f"recovery-report:{first.period:%Y-%m}:"))
    assert len(messages) == 2
    for message in messages:
        names = [name for name, _stored, _type in message.attachment_files]
        assert names == [report_files.download_name(first, "pdf"), report_files.download_name(first, "xlsx")]
        assert reverse("recovery:report-files") in message.body  # the link stays
        assert "Dinas Tenaga Kerja dan Perindustrian Kota Payakumbuh" in message.body


def test_an_excel_above_the_limit_stays_behind_the_link(closed_month):
    ReportSchedule.objects.create(pk=1, excel_attach_max_kb=0)
    files = report_files.report_attachments(closed_month["first"])
    assert [mimetype for _n, _s, mimetype in files] == ["application/pdf"]


def test_the_email_is_sent_with_the_stored_files_attached(closed_month, django_capture_on_commit_callbacks):
    from notifications.delivery import message_deliver

    message = Message.objects.filter(key__startswith="recovery-report:").first()
    message_deliver(message_id=message.pk)
    sent = mail.outbox[-1]
    attached = {name: content for name, content, _type in sent.attachments}
    assert attached[report_files.download_name(closed_month["first"], "pdf")].startswith(b"%PDF")
    assert attached[report_files.download_name(closed_month["first"], "xlsx")].startswith(b"PK")


def test_the_daily_job_waits_for_the_chosen_day_then_builds_once(closed_month, monkeypatch, django_capture_on_commit_callbacks):
    nxt = report_files.selectors.month_add(closed_month["period"], 1)
    monkeypatch.setattr(tasks, "period_closed", lambda today=None: nxt)
    today = timezone.localdate().day
    if today < 28:
        ReportSchedule.objects.create(pk=1, day_of_month=today + 1)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.monthly_report_build_task() is None
        assert not ReportFile.objects.filter(kind=ReportFileKind.MONTHLY, period=nxt).exists()
    ReportSchedule.objects.update_or_create(pk=1, defaults={"day_of_month": min(today, 28)})
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.monthly_report_build_task()
    assert ReportFile.objects.filter(kind=ReportFileKind.MONTHLY, period=nxt).count() == 1


def test_chosen_recipients_get_the_email_instead_of_every_official(closed_month):
    staff = UserFactory(role="staf")
    schedule = report_files.report_schedule_save(day_of_month=1, recipient_ids=[staff.pk], excel_attach_max_kb=10, actor=staff)
    assert list(report_files.report_recipients()) == [staff]
    assert schedule.recipients.count() == 1


def test_an_official_sets_the_schedule_and_bad_input_saves_nothing(reference, roles):
    official = UserFactory(role="pejabat")
    other = UserFactory(role="pejabat")
    owner = UserFactory(role="pemilik")
    client = _client(official)
    url = reverse("recovery:report-schedule")
    page = client.get(url).content.decode()
    assert other.email in page and owner.email not in page  # only staff and officials to choose from

    bad = client.post(url, {"day_of_month": "31", "excel_attach_max_kb": "100", "recipients": [other.pk]})
    assert bad.status_code == 200 and "1 sampai 28" in bad.content.decode()
    assert not ReportSchedule.objects.exists()
    stranger = client.post(url, {"day_of_month": "12", "excel_attach_max_kb": "100", "recipients": [owner.pk]})
    assert stranger.status_code == 200 and not ReportSchedule.objects.exists()

    done = client.post(url, {"day_of_month": "12", "excel_attach_max_kb": "100", "recipients": [other.pk]})
    assert done.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert schedule.day_of_month == 12 and schedule.excel_attach_max_kb == 100 and schedule.updated_by == official
    assert list(schedule.recipients.all()) == [other]


def test_build_now_builds_the_latest_closed_month_once_however_often_pressed(
    closed_month,
    django_capture_on_commit_callbacks,
):
    nxt = report_files.selectors.month_add(closed_month["period"], 1)
    assert tasks.period_closed() == closed_month["period"]
    client = _client(closed_month["officials"][0])
    page = client.get(reverse("recovery:report-files")).content.decode()
    assert "Buat sekarang" in page and reverse("recovery:report-build-now") in page
    for _press in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("recovery:report-build-now"))
        assert response.status_code == 302
    files = ReportFile.objects.filter(kind=ReportFileKind.MONTHLY, period=closed_month["period"])
    assert files.count() == 1  # built already, figures unchanged: nothing new
    assert not ReportFile.objects.filter(period=nxt).exists()


def test_owners_have_no_schedule_or_build_now(reference, roles):
    client = _client(UserFactory(role="pemilik"))
    assert client.get(reverse("recovery:report-schedule")).status_code == 404
    assert client.post(reverse("recovery:report-build-now")).status_code == 404


def test_the_schedule_form_speaks_the_visitors_language(reference, roles):
    """The form's labels are translated per request: a form class built at import time with the
    eager gettext kept the language of whichever request loaded the module first."""
    client = _client(UserFactory(role="pejabat"))
    url = reverse("recovery:report-schedule")
    assert "Tanggal pembuatan laporan bulanan" in client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "Day of the month to build the monthly report" in english and "E-mail recipients" in english
    assert "Tanggal pembuatan laporan bulanan" not in english
