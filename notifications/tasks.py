"""Celery tasks: thin wrappers around the outbox dispatcher and the survey scheduler."""

from __future__ import annotations

import logging

from notifications import outbox
from notifications.celery_app import celery

log = logging.getLogger(__name__)
CHUNK = 10  # rows per deliver task: fewer broker round trips; each row is still claimed and sent on its own


@celery.task(name="notifications.dispatch", ignore_result=True)
def dispatch() -> int:
    """Beat job: re-queue dead claims, then claim due rows (up to one batch in flight) and hand each to a
    deliver task. What does not fit waits for the next tick, so queued tasks never go stale."""
    outbox.reap_stale()
    free = outbox.free_slots()
    if not free:
        return 0
    claimed = outbox.claim_due(limit=free)
    for start in range(0, len(claimed), CHUNK):
        # If the broker is unreachable this raises; the claimed rows come back after CLAIM_STALE.
        chunk = claimed[start:start + CHUNK]
        deliver_many.delay([item.id for item in chunk], chunk[0].token)
    return len(claimed)


@celery.task(name="notifications.deliver", ignore_result=True)
def deliver(notification_id: int, token: str) -> str:
    return outbox.deliver(notification_id, token)


@celery.task(name="notifications.deliver_many", ignore_result=True)
def deliver_many(notification_ids: list[int], token: str) -> list[str]:
    """Deliver rows of one claim in turn. Re-running it (redelivery after a lost worker) skips rows already
    handled, because each row leaves 'claimed' by compare-and-set."""
    return [outbox.deliver(notification_id, token) for notification_id in notification_ids]


@celery.task(name="notifications.surveys_tick", ignore_result=True)
def surveys_tick() -> dict[str, int]:
    """Beat job: remind once after the reminder delay, then expire unanswered surveys."""
    from service_api.feedback import surveys

    return {"reminded": surveys.send_reminders(), "expired": surveys.expire_unanswered()}


@celery.task(name="notifications.intake_pending", ignore_result=True)
def intake_pending() -> int:
    """Beat job: retry intake for reports whose inline intake failed or was switched off."""
    from service_api.cases.intake_pipeline import process_pending

    return process_pending()


@celery.task(name="notifications.stats_refresh", ignore_result=True)
def stats_refresh() -> int:
    """Beat job: fold the last minute's changes into the stats rollup, so stats requests seldom find work."""
    from service_api.stats.rollup import refresh

    return refresh().cases


@celery.task(name="notifications.personal_data_retention", ignore_result=True)
def personal_data_retention() -> int:
    """Beat job (daily): anonymise the personal data of cases finished more than PERSONAL_DATA_RETENTION_DAYS
    ago, and drop audit entries older than AUDIT_RETENTION_DAYS (never less than six months)."""
    from flask import current_app

    from service_api.audit.verify import prune
    from service_api.personal_data.anonymise import anonymise

    settings = current_app.extensions["settings"]
    counts = anonymise(settings.personal_data_retention_days)
    prune(settings.audit_retention_days)
    return counts["reports"]
