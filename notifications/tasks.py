"""Celery tasks: thin wrappers around the outbox dispatcher and the survey scheduler."""

from __future__ import annotations

import logging

from notifications import outbox
from notifications.celery_app import celery

log = logging.getLogger(__name__)
MAX_BATCHES = 20  # per beat tick; whatever is left waits for the next tick


@celery.task(name="notifications.dispatch", ignore_result=True)
def dispatch() -> int:
    """Beat job: re-queue dead claims, then claim due rows and hand each to a deliver task."""
    outbox.reap_stale()
    handed = 0
    for _ in range(MAX_BATCHES):
        claimed = outbox.claim_due()
        for item in claimed:
            # If the broker is unreachable this raises; the claimed rows come back after CLAIM_STALE.
            deliver.delay(item.id, item.token)
            handed += 1
        if len(claimed) < outbox._settings().outbox_batch_size:
            break
    return handed


@celery.task(name="notifications.deliver", ignore_result=True)
def deliver(notification_id: int, token: str) -> str:
    return outbox.deliver(notification_id, token)


@celery.task(name="notifications.surveys_tick", ignore_result=True)
def surveys_tick() -> dict[str, int]:
    """Beat job: remind once after the reminder delay, then expire unanswered surveys."""
    from service_api.services import surveys

    return {"reminded": surveys.send_reminders(), "expired": surveys.expire_unanswered()}


@celery.task(name="notifications.intake_pending", ignore_result=True)
def intake_pending() -> int:
    """Beat job: retry intake for reports whose inline intake failed or was switched off."""
    from service_api.services.intake_pipeline import process_pending

    return process_pending()
