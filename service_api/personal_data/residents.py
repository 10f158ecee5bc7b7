"""A signed-in resident's rights (PIPL 第四十五、四十七条): a copy of their data, and erasure of their account."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, select, update

from service_api.audit.actions import AuditAction
from service_api.audit.record import RESIDENT, Actor, record
from service_api.auth.principal import ACCOUNT_GONE
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import Callback, Citizen, Notification, Photo, Rating, Report, SmsLoginCode, utcnow
from service_api.personal_data.scrub import CALLBACK_CANCELLED, CALLBACK_OPEN, scrub_report
from service_api.reports.phone_match import owned_reports, stored_forms
from service_api.reports.view import report_to_dict
from service_api.vocab import CANCELLABLE_STATES, NotificationState

EXPORT_FORMAT = 1


def _citizen(citizen_id: int) -> Citizen:
    citizen = db.session.get(Citizen, citizen_id)
    if citizen is None:
        raise APIError(401, "login_required", ACCOUNT_GONE)
    return citizen


def _notification(row: Notification) -> dict[str, Any]:
    return {"kind": row.kind, "channel": row.channel, "recipient": row.recipient, "body": row.body,
            "status": row.status, "sent_at": row.sent_at, "read_at": row.read_at, "created_at": row.created_at}


def export_citizen(citizen_id: int) -> dict[str, Any]:
    """Everything held about the resident, as JSON-ready data (their own numbers in full: it is theirs)."""
    citizen = _citizen(citizen_id)
    reports = db.session.scalars(select(Report).where(owned_reports(citizen_id)).order_by(Report.id)).all()
    report_ids = [r.id for r in reports]
    ratings = db.session.scalars(select(Rating).where(Rating.report_id.in_(report_ids)).order_by(Rating.id)).all() \
        if report_ids else []
    notifications = db.session.scalars(select(Notification).where(
        (Notification.citizen_id == citizen_id)
        | Notification.report_id.in_(report_ids)).order_by(Notification.id)).all()
    record(AuditAction.RESIDENT_EXPORT, object_type="citizen", object_id=citizen_id,
           actor=Actor(RESIDENT, citizen_id), detail={"reports": len(reports)})
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "account": {"id": citizen.id, "phone": citizen.phone, "wechat_openid": citizen.wechat_openid,
                    "name": citizen.name, "created_at": citizen.created_at},
        "contact_preferences": {"preferred_channel": citizen.preferred_channel,
                                "sms_opted_out": citizen.sms_opted_out, "sms_opted_out_at": citizen.sms_opted_out_at},
        "reports": [{**report_to_dict(r), "contact_phone": r.contact_phone, "contact_name": r.contact_name}
                    for r in reports],
        "ratings": [{"report": next(r.tracking_no for r in reports if r.id == row.report_id), "round": row.round,
                     "rating": row.rating, "solved": row.solved, "comment": row.comment, "channel": row.channel,
                     "created_at": row.created_at} for row in ratings],
        "notifications": [_notification(n) for n in notifications],
    }


def delete_citizen(citizen_id: int) -> Counter[str]:
    """Erase the account: its personal data goes, its reports stay as anonymous reports (their cases go on)."""
    citizen = _citizen(citizen_id)
    counts: Counter[str] = Counter()
    for report in db.session.scalars(select(Report).where(owned_reports(citizen_id))).all():
        scrub_report(report, counts)
    db.session.execute(update(Photo).where(Photo.owner_citizen_id == citizen_id).values(owner_citizen_id=None))
    for callback in db.session.scalars(select(Callback).where(Callback.citizen_id == citizen_id)):
        callback.phone, callback.citizen_id, callback.transcript = None, None, []
        if callback.status == CALLBACK_OPEN:
            callback.status = CALLBACK_CANCELLED
    for note in db.session.scalars(select(Notification).where(Notification.citizen_id == citizen_id)):
        note.recipient, note.citizen_id = None, None
        if note.status in CANCELLABLE_STATES:
            note.status = NotificationState.CANCELLED
    forms = stored_forms(citizen.phone)
    if forms:
        db.session.execute(delete(SmsLoginCode).where(SmsLoginCode.phone.in_(forms)))
    record(AuditAction.RESIDENT_DELETED, object_type="citizen", object_id=citizen_id,
           actor=Actor(RESIDENT, citizen_id), detail=dict(counts))
    db.session.flush()
    db.session.delete(citizen)
    return counts
