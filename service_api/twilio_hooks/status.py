"""Message and call status callbacks: keep each notification's delivery state up to date."""

from __future__ import annotations

from service_api.extensions import db
from service_api.hotline.callbacks import create_callback
from service_api.models import Citizen, HotlineCall, Notification, Report, Survey, utcnow

DELIVERED = {"delivered", "read", "completed"}
FAILED = {"undelivered", "failed", "busy", "no-answer", "canceled"}
ORDER = ["accepted", "scheduled", "queued", "sending", "sent", "initiated", "ringing", "in-progress",
         "delivered", "read", "completed", "undelivered", "failed", "busy", "no-answer", "canceled"]
OPTED_OUT_CODE = "21610"


def apply_status(sid: str, provider_status: str, error_code: str | None, notification_ref: str | None) -> bool:
    """Update the notification this callback is about. Returns False when no row matches."""
    provider_status = (provider_status or "").lower()
    row = db.session.query(Notification).filter_by(provider_id=sid).with_for_update().first() if sid else None
    if row is None and notification_ref and notification_ref.isdigit():
        row = db.session.get(Notification, int(notification_ref), with_for_update=True)
    if row is None:
        _hotline_call_status(sid, provider_status)
        db.session.commit()
        return False
    if _rank(provider_status) >= _rank(row.provider_status):  # callbacks may arrive out of order
        row.provider_status = provider_status
    if provider_status in DELIVERED and row.status in ("sending", "sent"):
        row.status = "delivered"
    elif provider_status in FAILED and row.status in ("sending", "sent"):
        row.status = "failed"
        row.last_error = f"provider status {provider_status}" + (f", error {error_code}" if error_code else "")
        if error_code == OPTED_OUT_CODE and row.recipient:
            citizen = db.session.query(Citizen).filter_by(phone=row.recipient).one_or_none()
            if citizen is not None:
                citizen.sms_opted_out, citizen.sms_opted_out_at = True, utcnow()
        if row.channel == "voice":
            _survey_call_missed(row)
    row.updated_at = utcnow()
    db.session.commit()
    return True


def _rank(status: str | None) -> int:
    return ORDER.index(status) if status in ORDER else -1


def _survey_call_missed(row: Notification) -> None:
    """An unanswered survey call becomes a callback task for agents."""
    survey_id = (row.payload or {}).get("survey_id")
    if not (survey_id and str(survey_id).isdigit()):
        return
    survey = db.session.get(Survey, int(survey_id))
    if survey is None or survey.status not in ("scheduled", "pending"):
        return
    report = db.session.get(Report, survey.report_id)
    create_callback(kind="survey", phone=row.recipient, citizen_id=report.citizen_id if report else None,
                    report_id=survey.report_id, case_id=survey.case_id, survey_id=survey.id,
                    reason="回访电话未接通，请人工回访")


def _hotline_call_status(sid: str, provider_status: str) -> None:
    call = db.session.query(HotlineCall).filter_by(call_sid=sid).one_or_none() if sid else None
    if call is not None and provider_status in DELIVERED | FAILED and call.status == "open":
        call.status = "closed"
