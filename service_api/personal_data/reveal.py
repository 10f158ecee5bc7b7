"""Revealing a case's resident contacts to staff who must reach them, with a reason, logged and rate-limited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from service_api.audit.actions import AuditAction
from service_api.audit.models import AuditEntry
from service_api.audit.record import STAFF, record
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import Callback, Case, HotlineCall, Report, StaffUser, utcnow

# Roles whose work includes calling or visiting the resident (回电, 上门核实); reviewers and auditors never do.
REVEAL_ROLES = ("agent", "dispatcher", "handler", "admin")
REVEAL_REASONS = {
    "callback": "回电联系反映人",
    "site_visit": "上门核实需联系反映人",
    "clarify": "核实反映内容或位置",
    "survey": "满意度回访",
}
CALLER_ID_OBJECT = "hotline_call"
CALLER_ID_REASON = "接听来电登记（来电显示）"
MIN_TYPED_REASON = 4
MAX_REASON = 200


@dataclass(frozen=True)
class Contact:
    tracking_no: str
    channel: str
    phone: str | None
    name: str | None


def reason_text(reason: str | None) -> str:
    """The reason as logged: a listed code's text, or what the user typed (at least a few characters)."""
    reason = (reason or "").strip()
    if reason in REVEAL_REASONS:
        return REVEAL_REASONS[reason]
    if len(reason) < MIN_TYPED_REASON:
        listed = "、".join(REVEAL_REASONS.values())
        raise APIError(422, "reason_required",
                       f"请选择查看原因，或填写至少 {MIN_TYPED_REASON} 个字的原因（可选：{listed}）")
    if len(reason) > MAX_REASON:
        raise APIError(422, "reason_too_long", f"原因最多 {MAX_REASON} 字")
    return reason


def _allow_reveal(user: StaffUser, reason: str | None) -> str:
    """The reason to log, once the user's role and hourly limit allow a reveal (else a 403/422/429 APIError)."""
    if user.role not in REVEAL_ROLES:
        raise APIError(403, "reveal_forbidden", "您的角色无权查看居民联系方式")
    text = reason_text(reason)
    limit = current_app.extensions["settings"].contact_reveal_per_hour
    if _reveals_in_last_hour(user) >= limit:
        raise APIError(429, "reveal_limit", f"每小时最多查看 {limit} 次居民联系方式，请稍后再试")
    return text


def _reveals_in_last_hour(user: StaffUser) -> int:
    """Reveals asked for; the caller ids of calls the agent answers (log_caller_id) are part of taking calls."""
    since = utcnow() - timedelta(hours=1)
    return db.session.execute(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == str(AuditAction.CONTACT_REVEAL), AuditEntry.actor_type == STAFF,
        AuditEntry.actor_id == user.id, AuditEntry.at >= since,
        or_(AuditEntry.object_type.is_(None), AuditEntry.object_type != CALLER_ID_OBJECT))).scalar_one()


def log_caller_id(call: HotlineCall) -> None:
    """The call form shows the number of the call being registered (来电显示): logged like a reveal, so every
    whole number staff see is in the trail, but not limited (the caller commits)."""
    record(AuditAction.CONTACT_REVEAL, object_type=CALLER_ID_OBJECT, object_id=call.id, reason=CALLER_ID_REASON,
           detail={"status": call.status, "report_id": call.report_id})


def reveal_contacts(case: Case, user: StaffUser, reason: str | None) -> list[Contact]:
    """The full phones and names of the case's reports; one audit entry per reveal (the caller commits)."""
    text = _allow_reveal(user, reason)
    reports = db.session.query(Report).filter_by(case_id=case.id).order_by(Report.id).all()
    contacts = [Contact(r.tracking_no, r.channel, r.contact_phone, r.contact_name) for r in reports
                if r.contact_phone or r.contact_name]
    record(AuditAction.CONTACT_REVEAL, object_type="case", object_id=case.case_no, reason=text,
           detail={"reports": [c.tracking_no for c in contacts]})
    return contacts


def reveal_callback_phone(callback: Callback, user: StaffUser, reason: str | None) -> str | None:
    """The number an agent is to call back; logged and limited like a case's contacts (the caller commits)."""
    text = _allow_reveal(user, reason)
    case = db.session.get(Case, callback.case_id) if callback.case_id else None
    record(AuditAction.CONTACT_REVEAL, object_type="callback", object_id=callback.id, reason=text,
           detail={"kind": callback.kind, "case_no": case.case_no if case else None})
    return callback.phone


def revealed_callback_recently(callback: Callback, user: StaffUser) -> bool:
    """Whether `user` revealed this callback's number within the hour (then the call form may carry it)."""
    since = utcnow() - timedelta(hours=1)
    return db.session.execute(select(AuditEntry.id).where(
        AuditEntry.action == str(AuditAction.CONTACT_REVEAL), AuditEntry.actor_type == STAFF,
        AuditEntry.actor_id == user.id,
        AuditEntry.object_type == "callback", AuditEntry.object_id == str(callback.id),
        AuditEntry.at >= since).limit(1)).first() is not None
