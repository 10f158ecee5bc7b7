"""The outbox as staff watch it over the API (/api/v1/notifications): rows by state, and a failed row sent
again. The workers (notifications/) do the sending; this only reads rows and sets one back to pending."""

from __future__ import annotations

from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import Notification, utcnow
from service_api.vocab import NotificationState


def outbox_page(status: str, channel: str | None, page: int, size: int) -> tuple[list[Notification], int]:
    """One page of the rows in `status` (and on `channel`), newest first, and how many there are."""
    query = db.session.query(Notification).filter(Notification.status == status)
    if channel:
        query = query.filter(Notification.channel == channel)
    total = query.count()
    rows = query.order_by(Notification.id.desc()).offset((page - 1) * size).limit(size).all()
    return rows, total


def resend(notification_id: int) -> Notification:
    """Send a failed row again from now, with fresh attempts. 404 unknown, 409 not failed."""
    row = db.session.get(Notification, notification_id, with_for_update=True)
    if row is None:
        raise APIError(404, "notification_not_found", "未找到该通知")
    if row.status != NotificationState.FAILED:
        raise APIError(409, "not_failed", "只有发送失败的通知可以重新发送")
    # An uncertain row keeps its flag: the worker looks the message up at the provider before resending.
    row.status, row.attempts, row.send_after, row.last_error = NotificationState.PENDING, 0, utcnow(), None
    db.session.commit()
    return row
