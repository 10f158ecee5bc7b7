"""Writes notification rows in the same transaction as the change they announce.

Workers in `notifications/` claim and send them; this module never sends anything itself.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from service_api.extensions import db
from service_api.messages import OUT_OF_SCOPE_HINT, render
from service_api.models import Case, Citizen, Notification, Report, utcnow
from service_api.services.workflow import REJECT_REASONS, Actor, TransitionRequest, on_transition

SHANGHAI = ZoneInfo("Asia/Shanghai")
URGENT_KINDS = frozenset()  # every kind waits for quiet hours unless listed here


def report_link(report: Report) -> str:
    base = current_app.extensions["settings"].public_base_url.rstrip("/")
    return f"{base}/r/{report.tracking_no}"


def channels_for(report: Report) -> list[tuple[str, str | None]]:
    """Where to tell this report's resident: (channel, recipient) pairs, by how they reached us."""
    citizen = db.session.get(Citizen, report.citizen_id) if report.citizen_id else None
    result: list[tuple[str, str | None]] = []
    if report.citizen_id is not None:
        result.append(("inapp", None))
    openid = report.wechat_openid or (citizen.wechat_openid if citizen else None)
    if openid and report.channel in ("miniprogram", "chatbot"):
        result.append(("wechat", openid))
    elif report.contact_phone and not (citizen and citizen.sms_opted_out):
        result.append(("sms", report.contact_phone))
    return result


def enqueue(kind: str, report: Report, case: Case | None, send_after: datetime | None = None,
            **values: object) -> list[Notification]:
    values.setdefault("tracking_no", report.tracking_no)
    values.setdefault("link", report_link(report))
    if case is not None:
        values.setdefault("case_no", case.case_no)
    body = render(kind, **values)
    rows = []
    for channel, recipient in channels_for(report):
        row = Notification(
            kind=kind, channel=channel, recipient=recipient, citizen_id=report.citizen_id, report_id=report.id,
            case_id=case.id if case else None, body=body, urgent=kind in URGENT_KINDS,
            send_after=send_after or utcnow(), payload={k: str(v) for k, v in values.items()},
        )
        db.session.add(row)
        rows.append(row)
    return rows


def report_received(report: Report) -> None:
    enqueue("received", report, None)


def report_merged(report: Report, case: Case) -> None:
    enqueue("merged", report, case)


def _subscribers(case: Case) -> list[Report]:
    return db.session.query(Report).filter_by(case_id=case.id).order_by(Report.id).all()


@on_transition
def _announce_transition(case: Case, action: str, actor: Actor, request: TransitionRequest) -> None:
    kind = {"register": "registered", "reject": "rejected", "dispatch": "dispatched", "resolve": "resolved",
            "close": "closed", "reopen": "reopened"}.get(action)
    if kind is None:
        return
    values: dict[str, object] = {}
    if kind == "rejected":
        values["reason"] = REJECT_REASONS.get(request.reason or "", request.reason or "")
        values["hint"] = OUT_OF_SCOPE_HINT if request.reason == "out_of_scope" else ""
    if kind == "dispatched":
        values["department"] = case.department.name if case.department else "责任单位"
        values["deadline"] = case.deadline.astimezone(SHANGHAI).strftime("%m月%d日%H:%M") if case.deadline else "按规定"
    if kind == "resolved":
        values["outcome"] = case.outcome or ""
    for report in _subscribers(case):
        enqueue(kind, report, case, **values)
