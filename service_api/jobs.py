"""The API's periodic jobs, run by Celery beat: one task per job, named for what it does.

They are `shared_task`s so that this package never imports `notifications` (whose Celery app lists this module
in `include` and schedules the tasks by name). Each is idempotent: running one twice changes nothing.
"""

from __future__ import annotations

from celery import shared_task
from flask import current_app

RETRY_INTAKE = "intake.retry_pending"
REFRESH_STATS = "stats.refresh"
REMIND_AND_EXPIRE_SURVEYS = "surveys.remind_and_expire"
APPLY_RETENTION = "personal_data.apply_retention"


@shared_task(name=RETRY_INTAKE, ignore_result=True)
def retry_pending_intake() -> int:
    """Retry intake for reports whose inline intake failed or was switched off (INTAKE_INLINE=0)."""
    from service_api.cases.intake_pipeline import process_pending

    return process_pending()


@shared_task(name=REFRESH_STATS, ignore_result=True)
def refresh_stats() -> int:
    """Fold the last minute's changes into the stats rollup, so stats requests seldom find work."""
    from service_api.stats.rollup import refresh

    return refresh().cases


@shared_task(name=REMIND_AND_EXPIRE_SURVEYS, ignore_result=True)
def remind_and_expire_surveys() -> dict[str, int]:
    """Remind once after the reminder delay, then expire unanswered surveys."""
    from service_api.feedback import surveys

    return {"reminded": surveys.send_reminders(), "expired": surveys.expire_unanswered()}


@shared_task(name=APPLY_RETENTION, ignore_result=True)
def apply_retention() -> int:
    """(daily) Anonymise the personal data of cases finished more than PERSONAL_DATA_RETENTION_DAYS ago, and drop
    audit entries older than AUDIT_RETENTION_DAYS (never less than six months)."""
    from service_api.audit.verify import prune
    from service_api.personal_data.anonymise import anonymise

    settings = current_app.extensions["settings"]
    counts = anonymise(settings.personal_data_retention_days)
    prune(settings.audit_retention_days)
    return counts["reports"]
