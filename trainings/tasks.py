"""Periodic training jobs (scheduled in payakumbuh_ikm/celery.py). Each reads what is due from
the database and is safe to run twice or concurrently: see trainings/notices.py."""

from celery import shared_task

from . import notices


@shared_task
def reminders_queue_task() -> int:
    return notices.reminders_queue()


@shared_task
def sessions_follow_up_task() -> dict:
    """Close sessions that have ended, ask attendees for feedback, and start building the
    certificates of every recently finished session that still misses some."""
    finished = notices.sessions_finish()
    requested = notices.feedback_requests_queue()
    sessions = notices.sessions_needing_certificates()
    for session_id in sessions:
        certificates_issue_task.delay(session_id)
    return {"finished": len(finished), "feedback_requests": requested, "certificate_sessions": len(sessions)}


@shared_task(acks_late=True)
def certificates_issue_task(session_id: int) -> int:
    from .certificates import certificates_issue_for_session

    return certificates_issue_for_session(session_id=session_id)
