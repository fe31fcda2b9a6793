from celery import shared_task


@shared_task
def import_preview_task(job_id: int) -> int | None:
    """Check every row of an uploaded spreadsheet; progress is kept for the job's page."""
    from .services import import_job_preview

    job = import_job_preview(job_id=job_id)
    return job.pk if job else None


@shared_task
def import_apply_task(job_id: int) -> int | None:
    """Import a confirmed spreadsheet, all or nothing."""
    from .services import import_job_apply

    job = import_job_apply(job_id=job_id)
    return job.pk if job else None


@shared_task
def import_jobs_sweep_task() -> dict:
    """The beat's pass over lost jobs and abandoned previews."""
    from .services import import_jobs_sweep

    return import_jobs_sweep()
