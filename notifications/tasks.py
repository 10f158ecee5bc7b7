"""The outbox's Celery tasks: claim due rows and deliver them. (The API's other periodic jobs are in
service_api/jobs.py; the Celery app schedules both.)"""

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
