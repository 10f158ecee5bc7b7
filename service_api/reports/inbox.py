"""A signed-in resident's messages: their in-app list, and those of every report they own by the rule of
/me/reports (phone_match.owned_reports). A report not linked to an account has no in-app rows: its messages
are the texts sent to its phone or WeChat; a linked one's are its in-app rows (no doubles)."""

from __future__ import annotations

from sqlalchemy import and_, or_
from sqlalchemy.orm import Query

from service_api.extensions import db
from service_api.models import Notification, Report, utcnow
from service_api.reports.phone_match import owned_reports
from service_api.vocab import TEXT_CHANNELS, Channel, NotificationState

VISIBLE_STATES = (NotificationState.SENT, NotificationState.DELIVERED)


def _mine(citizen_id: int) -> Query[Notification]:
    return db.session.query(Notification).outerjoin(Report, Notification.report_id == Report.id).filter(
        Notification.status.in_(VISIBLE_STATES),
        or_(and_(Notification.citizen_id == citizen_id, Notification.channel == Channel.INAPP),
            and_(owned_reports(citizen_id),
                 or_(Notification.channel == Channel.INAPP,
                     and_(Report.citizen_id.is_(None), Notification.channel.in_(TEXT_CHANNELS))))))


def inbox_page(citizen_id: int, unread_only: bool, page: int, size: int) -> tuple[list[Notification], int, int]:
    """One page of the resident's messages, newest first; how many there are (unread ones only when
    `unread_only`) and how many are unread."""
    query = _mine(citizen_id)
    unread = query.filter(Notification.read_at.is_(None)).count()
    if unread_only:
        query = query.filter(Notification.read_at.is_(None))
    total = query.count()
    rows = query.order_by(Notification.id.desc()).offset((page - 1) * size).limit(size).all()
    return rows, total, unread


def mark_read(citizen_id: int, notification_id: int) -> Notification | None:
    """Mark one of the resident's messages read (again: no change); None when it is not theirs."""
    row = _mine(citizen_id).filter(Notification.id == notification_id).one_or_none()
    if row is not None and row.read_at is None:
        row.read_at = utcnow()
        db.session.commit()
    return row


def mark_all_read(citizen_id: int) -> int:
    """Mark all the resident's unread messages read; how many there were."""
    rows = _mine(citizen_id).filter(Notification.read_at.is_(None)).all()
    now = utcnow()
    for row in rows:
        row.read_at = now
    db.session.commit()
    return len(rows)
