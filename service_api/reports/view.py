"""How a report looks to the resident who made it: status, public timeline, outcome, rating."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for

from service_api.cases.workflow import REJECT_REASONS, STATUS_TEXT, TRANSITIONS
from service_api.components.casework import report_component
from service_api.extensions import db
from service_api.messages import rejection_hint
from service_api.models import Case, CaseEvent, Rating, Report
from service_api.photos import photo_links
from service_api.privacy import mask_text
from service_api.reference.matters import matter_of
from service_api.vocab import HANDLED_STATUSES, Status

# What happened, as a timeline says it: each entry its own words, not "立案：已立案" (a label and the status it led
# to); a dispatch names the department and the deadline, an extension the new deadline (public_event_text).
EVENT_TEXT = {
    "receive": "您的反映已受理",
    "merge": "与同一问题的其他反映合并办理",
    "register": "已立案",
    "dispatch": "已派遣，正在处置",
    "return": "已退回，重新派遣处置",
    "verify": "核查通过",
    "close": "已结案",
    "reopen": "重新办理",
    "extend": "处置期限已延长",
}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def report_status(report: Report) -> str:
    return report.case.status if report.case is not None else Status.RECEIVED


def public_event_text(event: CaseEvent, case: Case) -> str:
    """What a public timeline says about one event, in words and masked: these pages are open to anyone
    holding the number (and numbers are sequential), so a phone typed into an outcome must not show."""
    transition = TRANSITIONS.get(event.action)
    data = event.data or {}
    text = EVENT_TEXT.get(event.action) or (transition.label if transition else event.action)
    deadline = _local_time(data.get("deadline"))
    if event.action == "dispatch" and data.get("department_name"):
        text = f"已派遣至{data['department_name']}" + (f"，处置时限{deadline}" if deadline else "")
    elif event.action == "dispatch" and deadline:
        text = f"已派遣，处置时限{deadline}"
    elif event.action == "extend" and deadline:
        text = f"处置期限已延长至{deadline}"
    elif event.action == "resolve" and case.outcome:
        text = f"处置完成：{case.outcome}"
    elif event.action == "reject":
        text = f"不予立案：{reject_reason_text(case, (event.data or {}).get('reason') or case.reject_reason)}"
    return mask_text(text) or text


def _local_time(iso: str | None) -> str | None:
    """"12月8日17:00" (Beijing time) for an ISO time kept in an event's data."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(SHANGHAI)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def reject_reason_text(case: Case, reason: str | None) -> str:
    """The reason as the resident's message gave it, with the referral (物业, 12345 …) for out-of-scope matters."""
    text = REJECT_REASONS.get(reason or "", "原因未注明")
    hint = rejection_hint(reason, case.extra)
    return f"{text}。{hint}" if hint else text


def public_timeline(case: Case | None, report: Report) -> list[dict[str, Any]]:
    entries = [{"at": report.created_at, "action": "submitted", "text": f"提交成功，受理编号 {report.tracking_no}"}]
    if case is None:
        return entries
    events = db.session.query(CaseEvent).filter_by(case_id=case.id, public=True).order_by(CaseEvent.id)
    for event in events:
        if event.action == "receive":
            continue
        entries.append({"at": event.created_at, "action": event.action, "text": public_event_text(event, case)})
    return entries


def report_to_dict(report: Report, *, access_token: str | None = None, masked: bool = False) -> dict[str, Any]:
    """The report as its resident sees it; `masked` for staff, who read phone and ID numbers in the resident's
    words masked, as on the console (the whole number only through a logged reveal)."""
    case = report.case
    status = report_status(report)
    rating = None
    if case is not None:
        # The rating of the current closing round: once a case is reopened and closed again, it awaits a new one.
        row = db.session.query(Rating).filter_by(case_id=case.id, report_id=report.id,
                                                 round=case.reopen_count + 1).one_or_none()
        if row is not None:
            rating = {"rating": row.rating, "solved": row.solved,
                      "comment": mask_text(row.comment) if masked else row.comment, "updated_at": row.updated_at}
    data: dict[str, Any] = {
        "id": report.id,
        "tracking_no": report.tracking_no,
        "status": status,
        "status_text": STATUS_TEXT.get(status, status),
        "case_no": case.case_no if case else None,
        "matter": matter_of(case.matter_code if case else (report.matter_code if report.in_scope else None)),
        "description": mask_text(report.description) if masked else report.description,
        "address": report.address,
        "location": {"lat": report.lat, "lng": report.lng, "crs": "cgcs2000"} if report.lat is not None else None,
        "location_description": report.location_description,
        "channel": report.channel,
        "created_at": report.created_at,
        "photos": [photo_links(p.id) for p in report.photos],
        "timeline": public_timeline(case, report),
        "outcome": mask_text(case.outcome) if case and case.status in HANDLED_STATUSES else None,
        "outcome_photos": [photo_links(p.id) for p in case.outcome_photos] if case else [],
        "rating": rating,
        # Intake found a private or property-company matter: where the resident should turn instead.
        "referral": (case.extra or {}).get("referral") if case is not None else None,
        "component": report_component(report),
        "links": {
            "self": url_for("reports.ReportById", report_ref=report.tracking_no),
            "rating": url_for("reports.ReportById", report_ref=report.id) + "/rating",
        },
    }
    join = join_outcome(report)
    if join is not None:
        data["join"] = join
    if access_token is not None:
        data["access_token"] = access_token
    return data


def join_outcome(report: Report) -> dict[str, Any] | None:
    """What came of a request to join a case (`join_case_no`), or None when none was made."""
    from service_api.cases.intake_pipeline import JOIN_CASE_KEY, JOIN_NOT_OPEN, JOIN_RESULT_KEY

    extra = report.extra or {}
    requested = extra.get(JOIN_CASE_KEY)
    if not requested:
        return None
    result = extra.get(JOIN_RESULT_KEY)
    if result is None:
        return {"case_no": requested, "joined": None, "message": f"正在受理，稍后确认是否与案件{requested}合并办理"}
    if result.get("joined"):
        return {"case_no": requested, "joined": True, "message": f"已与案件{requested}合并办理"}
    why = ("该案件已办结或不予立案" if result.get("reason") == JOIN_NOT_OPEN
           else "所反映的不是该案件附近的同一问题")
    return {"case_no": requested, "joined": False, "message": f"未并入案件{requested}（{why}），已作为新的反映单独受理"}
