"""Imports as background jobs: the upload is checked in the request (format, size, header row:
milliseconds at any size), stored, and previewed by a job, which keeps the rows it read in
place of the file; once staff confirm, a second job imports those rows, all or nothing.
Progress is kept in the cache while a job runs, because the import's own transaction hides its
writes until it ends; the job's row says the rest.

Which resource imports a kind is wired in settings (SPREADSHEET_IMPORTERS), so that this
layer, below every domain app, imports none of them.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.models import User
from payakumbuh_ikm.enqueue import enqueue, enqueue_on_commit

from .formats import ROWS_SUFFIX, ImportFileError, detect_format, file_headers, rows_dump, rows_load
from .models import ImportJob, ImportStatus
from .resources import StrictImportResource, result_messages

logger = logging.getLogger(__name__)

# Lines of refusal kept for the page (a file of 20,000 bad rows has more than anyone reads).
MAX_MESSAGES = 500
# A job still running this long after it started was lost with its worker: run it again.
STALE_AFTER = timedelta(hours=1)
# A job never started this long after it was queued lost its message to the broker.
SWEEP_AFTER = timedelta(minutes=2)
# A preview not confirmed within this time is abandoned: its file (NIKs) is deleted.
ABANDONED_AFTER = timedelta(hours=24)
PROGRESS_SECONDS = 6 * 3600


def resource_class(kind: str) -> type[StrictImportResource]:
    return import_string(settings.SPREADSHEET_IMPORTERS[kind])


def _progress_key(job_id: int) -> str:
    return f"spreadsheets:import-job:{job_id}:progress"


def import_job_progress(job: ImportJob) -> int:
    """The percent a running job reached (from the cache), else the one its row keeps."""
    if job.is_running:
        try:
            return int(cache.get(_progress_key(job.pk)) or job.progress)
        except (TypeError, ValueError):
            return job.progress
    return job.progress


def _set_progress(job_id: int, percent: int) -> None:
    cache.set(_progress_key(job_id), min(max(int(percent), 0), 100), PROGRESS_SECONDS)


def _phase_progress(job_id: int, start: int, end: int):
    """A resource's progress(done, total) mapped onto start..end percent of the job."""

    def progress(done: int, total: int) -> None:
        _set_progress(job_id, start + (end - start) * done // max(total, 1))

    return progress


def import_job_start(*, kind: str, actor: User, data: bytes, file_name: str) -> ImportJob:
    """Check an upload's format and header row, store it, and queue its preview. Raises
    ImportFileError (an Indonesian reason) for a file that cannot be imported at all. ``actor``
    may import ``kind`` (the view checks the permission)."""
    resource = resource_class(kind)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(_("Berkas terlalu besar. Bagi menjadi beberapa berkas."))
    _format, headers = file_headers(data, data_sheet=resource.data_sheet)
    problem = resource.headers_problem(headers)
    if problem:
        raise ImportFileError(problem)
    extension = "csv" if _format.__name__.startswith("CSV") else "xlsx"
    with transaction.atomic():
        job = ImportJob(kind=kind, created_by=actor, file_name=file_name[:255])
        # A random name: storage that serves files by name must not let names be guessed.
        job.file.save(f"impor-{kind}-{secrets.token_hex(12)}.{extension}", ContentFile(data), save=False)
        job.save()
        # The job's row is committed first; if the broker is unreachable then, the page still
        # shows the job as waiting and import_jobs_sweep (beat) enqueues it again.
        enqueue_on_commit("spreadsheets.tasks.import_preview_task", job.pk)
    return job


def _claim(job_id: int, status: str) -> ImportJob | None:
    """Mark a queued (or lost) job of ``status`` as started; None when another run has it or it
    moved on. One UPDATE: two workers cannot both claim it."""
    stale = timezone.now() - STALE_AFTER
    claimed = (
        ImportJob.objects.filter(pk=job_id, status=status)
        .filter(Q(started_at__isnull=True) | Q(started_at__lt=stale))
        .update(started_at=timezone.now(), progress=0, error="")
    )
    return ImportJob.objects.select_related("created_by").get(pk=job_id) if claimed else None


def _read(job: ImportJob, resource: StrictImportResource):
    """The job's rows: from the upload, or, once previewed, from the rows the preview read."""
    with job.file.open("rb") as stored:
        data = stored.read()
    if job.file.name.endswith(ROWS_SUFFIX):
        return rows_load(data)
    return detect_format(data)().create_dataset(data, data_sheet=resource.data_sheet)


def _keep_rows_only(job: ImportJob, dataset) -> str:
    """Store the rows the preview read in place of the upload, for the import to read back (an
    .xlsx of 10,000 rows takes 6 s to parse; its rows, 0.1 s). The import checks the same cells
    again. The rows file holds what the upload held and lives as long as it would have (it is the
    job's file). Returns the upload's name, to delete once the job's row names the rows file."""
    upload = job.file.name
    job.file.save(f"impor-{job.kind}-{secrets.token_hex(12)}{ROWS_SUFFIX}", ContentFile(rows_dump(dataset)), save=False)
    return upload


def _problems(result) -> list[str]:
    """The result's refusals in Indonesian; a database error (the data changed during the
    import) is told in words and logged, not shown as the database's English."""
    lines = []
    for error in result.base_errors:
        if isinstance(error.error, ImportFileError):
            lines.append(str(error.error))
        else:
            logger.error("Import failed: %r", error.error)
            lines.append(_("Data di portal berubah selama impor sehingga berkas tidak dapat disimpan. Unggah ulang berkasnya."))
    result.base_errors = []
    return lines + result_messages(result)


def _job_close(job: ImportJob, *, status: str, summary: dict, keep_file: bool) -> None:
    """Record how a job ended (its status and summary, finished now) and clean up after it: the
    uploaded file is deleted unless ``keep_file`` (a preview waiting to be confirmed still needs
    it), and its live progress leaves the cache."""
    job.status = status
    job.summary = summary
    job.progress = 100
    job.finished_at = timezone.now()
    if not keep_file and job.file:
        job.file.delete(save=False)
    job.save(update_fields=["status", "summary", "progress", "finished_at", "file"])
    cache.delete(_progress_key(job.pk))


def _summary(resource, result, problems: list[str]) -> dict:
    return {
        "totals": {"new": result.totals["new"], "update": result.totals["update"], "skip": result.totals["skip"]},
        "messages": problems[:MAX_MESSAGES],
        "message_count": len(problems),
        "invalid_rows": len(result.invalid_rows),
        "preview_columns": list(resource.preview_columns),
        "preview": resource.preview,
    }


def _run(job: ImportJob, *, dry_run: bool, start: int, end: int) -> tuple[StrictImportResource, object, list[str], object]:
    """Read and check (or import) the job's rows: the resource, its result (None when the file
    cannot be read), the refusals, and the rows read."""
    resource = resource_class(job.kind)(user=job.created_by, progress=_phase_progress(job.pk, start, end))
    with translation.override(settings.LANGUAGE_CODE):
        try:
            dataset = _read(job, resource)
        except ImportFileError as error:
            return resource, None, [str(error)], None
        _set_progress(job.pk, start)
        result = resource.import_data(dataset, dry_run=dry_run)
        return resource, result, _problems(result), dataset


def import_job_preview(*, job_id: int) -> ImportJob | None:
    """Read every row of an uploaded file and check it as the import would, saving nothing:
    the job is then ready to confirm, or refused with each row's reason. Safe to run twice."""
    job = _claim(job_id, ImportStatus.CHECKING)
    if job is None:
        return None
    try:
        resource, result, problems, dataset = _run(job, dry_run=True, start=5, end=100)
        upload = None if result is None or problems else _keep_rows_only(job, dataset)
    except Exception as error:
        _fail(job, error)
        raise
    if upload is None:
        summary = _summary(resource, result, problems) if result is not None else {"messages": problems, "message_count": 1}
        _job_close(job, status=ImportStatus.REFUSED, summary=summary, keep_file=False)
    else:
        _job_close(job, status=ImportStatus.READY, summary=_summary(resource, result, []), keep_file=True)
        job.file.storage.delete(upload)
    return job


def import_job_confirm(*, job: ImportJob) -> bool:
    """Queue the import of a previewed job; False when it is not ready (confirmed already,
    refused, or its file was abandoned)."""
    with transaction.atomic():
        confirmed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.READY).update(
            status=ImportStatus.APPLYING, confirmed_at=timezone.now(), started_at=None, progress=0
        )
        if confirmed:
            enqueue_on_commit("spreadsheets.tasks.import_apply_task", job.pk)
    return bool(confirmed)


def import_job_apply(*, job_id: int) -> ImportJob | None:
    """Import a confirmed job's rows as its preview read them, all or nothing: they are checked
    again (the data may have changed since the preview) and written only if every one is valid.
    Safe to run twice: a job already imported or being imported is left alone."""
    job = _claim(job_id, ImportStatus.APPLYING)
    if job is None:
        return None
    try:
        resource, result, problems, _dataset = _run(job, dry_run=False, start=0, end=90)
    except Exception as error:
        _fail(job, error)
        raise
    if result is None or problems:
        summary = _summary(resource, result, problems) if result is not None else {"messages": problems, "message_count": 1}
        _job_close(job, status=ImportStatus.FAILED, summary=summary, keep_file=False)
    else:
        _job_close(job, status=ImportStatus.DONE, summary=_summary(resource, result, []) | {"preview": []}, keep_file=False)
    return job


def _fail(job: ImportJob, error: Exception) -> None:
    """An unexpected error: nothing was saved (the import's transaction rolled back)."""
    message = _("Impor gagal karena kesalahan di server; tidak ada data yang disimpan. Coba unggah ulang nanti.")
    job.error = f"{type(error).__name__}: {error}"[:2000]
    job.save(update_fields=["error"])
    _job_close(job, status=ImportStatus.FAILED, summary={"messages": [message], "message_count": 1}, keep_file=False)


def import_jobs_sweep(*, now=None) -> dict:
    """The beat's pass: enqueue again every job whose message to the broker was lost or whose
    worker died (a claim is one UPDATE, so a job enqueued twice runs once), and delete the
    files of previews nobody confirmed within a day. Safe to run twice."""
    now = now or timezone.now()
    lost = ImportJob.objects.filter(status__in=[ImportStatus.CHECKING, ImportStatus.APPLYING]).filter(
        Q(started_at__isnull=True, created_at__lt=now - SWEEP_AFTER, confirmed_at__isnull=True)
        | Q(started_at__isnull=True, confirmed_at__lt=now - SWEEP_AFTER)
        | Q(started_at__lt=now - STALE_AFTER)
    )
    enqueued = []
    for job_id, status in lost.order_by("pk").values_list("pk", "status")[:200]:
        task = "import_preview_task" if status == ImportStatus.CHECKING else "import_apply_task"
        enqueue(f"spreadsheets.tasks.{task}", job_id)
        enqueued.append(job_id)
    abandoned = 0
    for job in ImportJob.objects.filter(status=ImportStatus.READY, finished_at__lt=now - ABANDONED_AFTER)[:200]:
        message = _("Pratinjau tidak dikonfirmasi dalam sehari; berkasnya sudah dihapus. Unggah ulang untuk mengimpor.")
        _job_close(
            job, status=ImportStatus.FAILED, summary={**job.summary, "messages": [message], "message_count": 1}, keep_file=False
        )
        abandoned += 1
    return {"enqueued": enqueued, "abandoned": abandoned}
