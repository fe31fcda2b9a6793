"""The business import as background jobs: the upload request reads only the header row, the
jobs run once each whatever is clicked or enqueued twice, a job and its preview are its
uploader's alone, lost and abandoned jobs are swept, a real worker runs the whole flow, and
the job's pages cost the same number of queries however many rows the file has."""

import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from businesses.models import Business
from businesses.resources import IMPORT_COLUMNS
from payakumbuh_ikm.tests.waiting import wait_until
from spreadsheets.formats import ROWS_SUFFIX, rows_load
from spreadsheets.models import ImportJob, ImportStatus
from spreadsheets.services import import_job_apply, import_job_confirm, import_job_preview, import_jobs_sweep

from .factories import UserFactory
from .helpers import IMPORT_URL, confirm, csv_bytes, row, upload, xlsx

pytestmark = pytest.mark.django_db

JOB_URL = "admin:businesses_business_import_job"
STATUS_URL = "admin:businesses_business_import_job_status"


def test_the_upload_request_reads_only_the_header_row_and_leaves_10000_rows_to_the_job(client, staff):
    client.force_login(staff)
    rows = [row(n) for n in range(1, 10_001)]
    content = csv_bytes(rows) + b"1,2,3" + b",x" * 30 + b"\n"  # a ragged row only the job finds
    client.get(reverse(IMPORT_URL))  # the process's first request imports the URL configuration

    started = time.perf_counter()
    response = client.post(reverse(IMPORT_URL), {"import_file": SimpleUploadedFile("usaha.csv", content)})
    seconds = time.perf_counter() - started

    assert response.status_code == 302
    assert seconds < 2, f"the upload request took {seconds:.2f} s"
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.CHECKING and job.created_by == staff
    import_job_preview(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert "Baris 10002 berisi 33 isian" in job.summary["messages"][0]
    assert not job.file  # a refused file (NIKs, phone numbers) is not kept
    assert Business.objects.count() == 0


def test_confirming_twice_and_running_each_job_twice_imports_once(client, staff):
    client.force_login(staff)
    preview = upload(client, xlsx([row(1), row(2)]))
    job = preview.context["job"]

    assert import_job_preview(job_id=job.pk) is None  # already previewed
    assert import_job_confirm(job=job) is True
    assert import_job_confirm(job=job) is False
    assert import_job_apply(job_id=job.pk) is not None
    assert import_job_apply(job_id=job.pk) is None

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.summary["totals"]["new"] == 2
    assert Business.objects.count() == 2
    assert not job.file


def test_the_preview_keeps_the_rows_it_read_in_place_of_the_upload_and_the_import_reads_them(client, staff):
    client.force_login(staff)
    with TestCase.captureOnCommitCallbacks(execute=False):
        client.post(reverse(IMPORT_URL), {"import_file": SimpleUploadedFile("usaha.xlsx", xlsx([row(1), row(2)]))})
    job = ImportJob.objects.get()
    upload_name = job.file.name

    import_job_preview(job_id=job.pk)
    job.refresh_from_db()
    rows_name = job.file.name
    assert job.status == ImportStatus.READY and rows_name.endswith(ROWS_SUFFIX)
    assert not default_storage.exists(upload_name)  # one copy of the NIKs, not two
    assert sorted(r[IMPORT_COLUMNS.index("nib")] for r in rows_load(job.file.read())) == [row(1)["nib"], row(2)["nib"]]
    job.file.close()

    assert import_job_confirm(job=job) and import_job_apply(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.summary["totals"]["new"] == 2
    assert sorted(Business.objects.values_list("nib", flat=True)) == [row(1)["nib"], row(2)["nib"]]
    assert not job.file and not default_storage.exists(rows_name)


def test_the_import_writes_history_and_marketplaces_as_saving_one_by_one_would(client, staff):
    client.force_login(staff)
    confirm(client, upload(client, xlsx([row(1), row(2, nama_marketplace="")])))

    first, second = Business.objects.order_by("nib")
    assert sorted(first.marketplaces.values_list("name", flat=True)) == ["Shopee", "Tokopedia"]
    assert not second.marketplaces.exists()
    created = first.history.get()
    assert created.history_type == "+" and created.history_user == staff
    assert sorted(m.marketplace.name for m in created.marketplaces.all()) == ["Shopee", "Tokopedia"]
    assert first.owner.history.get().history_type == "+"


def test_a_job_and_its_preview_are_the_uploaders_alone(client, staff):
    client.force_login(staff)
    job = upload(client, xlsx([row(1)])).context["job"]
    colleague = UserFactory(role="staf", email="rekan@contoh.id")
    client.force_login(colleague)

    assert client.get(reverse(JOB_URL, args=[job.pk])).status_code == 404
    assert client.get(reverse(STATUS_URL, args=[job.pk])).status_code == 404
    assert client.post(reverse("admin:businesses_business_import_job_confirm", args=[job.pk])).status_code == 404
    client.force_login(UserFactory(role="pejabat"))
    assert client.get(reverse(JOB_URL, args=[job.pk])).status_code in (302, 403)


def test_the_preview_never_shows_a_nik_in_full(client, staff):
    client.force_login(staff)
    preview = upload(client, xlsx([row(1)]))

    page = preview.content.decode()
    assert row(1)["nik_pemilik"] not in page
    assert row(1)["nik_pemilik"][:4] in page and "*" in page


def test_the_sweep_enqueues_lost_jobs_and_drops_abandoned_previews_once(client, staff):
    client.force_login(staff)
    # Uploaded, but its message to the broker was lost: nothing ran.
    with TestCase.captureOnCommitCallbacks(execute=False):
        client.post(reverse(IMPORT_URL), {"import_file": SimpleUploadedFile("usaha.xlsx", xlsx([row(1)]))})
    lost = ImportJob.objects.get()
    ImportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    abandoned = upload(client, xlsx([row(2)])).context["job"]
    ImportJob.objects.filter(pk=abandoned.pk).update(finished_at=timezone.now() - timedelta(days=2))

    assert import_jobs_sweep() == {"enqueued": [lost.pk], "abandoned": 1}
    assert import_jobs_sweep() == {"enqueued": [], "abandoned": 0}

    lost.refresh_from_db()
    abandoned.refresh_from_db()
    assert lost.status == ImportStatus.READY  # the sweep's enqueue ran the preview (eagerly here)
    assert abandoned.status == ImportStatus.FAILED and not abandoned.file
    assert "Unggah ulang" in abandoned.summary["messages"][0]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_job_pages_cost_the_same_queries_for_2_rows_and_400(client, staff):
    client.force_login(staff)
    small = upload(client, xlsx([row(n) for n in range(1, 3)])).context["job"]
    large = upload(client, xlsx([row(n) for n in range(1, 401)])).context["job"]

    for name in (JOB_URL, STATUS_URL):
        assert _queries(client, reverse(name, args=[small.pk])) == _queries(client, reverse(name, args=[large.pk]))
    done_small = confirm(client, upload(client, xlsx([row(n) for n in range(1001, 1003)]))).context["job"]
    done_large = confirm(client, upload(client, xlsx([row(n) for n in range(2001, 2401)]))).context["job"]
    assert _queries(client, reverse(JOB_URL, args=[done_small.pk])) == _queries(client, reverse(JOB_URL, args=[done_large.pk]))
    assert _queries(client, reverse(IMPORT_URL)) <= 6


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_previews_and_imports_while_the_page_reports_progress(client, reference, celery_worker):
    staff = UserFactory(role="staf", email="staf-pekerja@contoh.id")
    client.force_login(staff)
    response = client.post(reverse(IMPORT_URL), {"import_file": SimpleUploadedFile("usaha.xlsx", xlsx([row(1), row(2)]))})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse(JOB_URL, args=[job.pk])

    def wait_for(status):
        def finished():
            state = client.get(reverse(STATUS_URL, args=[job.pk])).json()
            return None if state["running"] else state

        state = wait_until(finished, timeout=60, step=0.2)
        assert state, f"the job did not reach {status}"
        assert state["status"] == status and state["progress"] == 100

    wait_for(ImportStatus.READY)
    client.post(reverse("admin:businesses_business_import_job_confirm", args=[job.pk]))
    wait_for(ImportStatus.DONE)
    assert Business.objects.count() == 2
    assert "Impor selesai: 2 usaha baru" in client.get(reverse(JOB_URL, args=[job.pk])).content.decode()
