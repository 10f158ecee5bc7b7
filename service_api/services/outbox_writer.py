"""Writes notification rows in the same transaction as the change they announce.

Workers in `notifications/` claim and send them; this module never sends anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from service_api.extensions import db
from service_api.messages import OUT_OF_SCOPE_HINT, render
from service_api.models import Case, Citizen, Notification, Report, utcnow
from service_api.services.workflow import REJECT_REASONS, Actor, TransitionRequest, on_transition

SHANGHAI = ZoneInfo("Asia/Shanghai")
URGENT_KINDS: frozenset[str] = frozenset()  # every kind waits for quiet hours unless listed here
SILENT_CHANNELS = frozenset({"inapp"})  # a list entry wakes nobody: no quiet hours


def parse_quiet_hours(spec: str) -> tuple[time, time] | None:
    """'21:00-08:00' → (21:00, 08:00); '' or 'off' → None."""
    spec = (spec or "").strip()
    if not spec or spec.lower() in {"off", "none", "0"}:
        return None
    start, _, end = spec.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def quiet_until(moment: datetime, spec: str, tz: ZoneInfo = SHANGHAI) -> datetime | None:
    """When `moment` falls in the quiet hours, the (UTC) end of them; otherwise None."""
    window = parse_quiet_hours(spec)
    if window is None:
        return None
    start, end = window
    local = moment.astimezone(tz)
    now_t = local.time()
    in_window = (start <= now_t or now_t < end) if start > end else (start <= now_t < end)
    if not in_window:
        return None
    end_day = local.date() if now_t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(moment.tzinfo)


def earliest_send(moment: datetime, *, urgent: bool = False, channel: str = "sms", spec: str | None = None) -> datetime:
    """The first moment a message may go out: `moment`, or the end of quiet hours for non-urgent sends."""
    if urgent or channel in SILENT_CHANNELS:
        return moment
    if spec is None:
        spec = current_app.extensions["settings"].quiet_hours
    return quiet_until(moment, spec) or moment


def report_link(report: Report) -> str:
    base = current_app.extensions["settings"].public_base_url.rstrip("/")
    return f"{base}/r/{report.tracking_no}"


def channels_for(report: Report, kind: str | None = None) -> list[tuple[str, str | None]]:
    """Where to tell this report's resident: (channel, recipient) pairs, by how they reached us.

    An SMS report's receipt is not sent by SMS: the webhook already answered it with the tracking number.
    """
    citizen = db.session.get(Citizen, report.citizen_id) if report.citizen_id else None
    result: list[tuple[str, str | None]] = []
    if report.citizen_id is not None:
        result.append(("inapp", None))
    openid = report.wechat_openid or (citizen.wechat_openid if citizen else None)
    if openid and report.channel in ("miniprogram", "chatbot"):
        result.append(("wechat", openid))
    elif report.contact_phone and not (citizen and citizen.sms_opted_out):
        if not (kind == "received" and report.channel == "sms"):
            result.append(("sms", report.contact_phone))
    return result


def anyone_to_tell(report: Mapping[str, Any]) -> bool:
    """Whether channels_for may find somebody for a report with these column values (False: surely nobody)."""
    return any(report.get(key) for key in ("citizen_id", "wechat_openid", "contact_phone"))


def enqueue(kind: str, report: Report, case: Case | None, send_after: datetime | None = None,
            urgent: bool | None = None, channels: list[tuple[str, str | None]] | None = None,
            **values: object) -> list[Notification]:
    """Add one row per channel for this report's resident to the current transaction (not committed)."""
    if channels is None:
        channels = channels_for(report, kind)
    if not channels:  # an anonymous report without a phone: nobody to tell, nothing to render
        return []
    values.setdefault("tracking_no", report.tracking_no)
    values.setdefault("link", report_link(report))
    if case is not None:
        values.setdefault("case_no", case.case_no)
    body = render(kind, **values)
    urgent = kind in URGENT_KINDS if urgent is None else urgent
    moment = send_after or utcnow()
    rows = []
    for channel, recipient in channels:
        row = Notification(
            kind=kind, channel=channel, recipient=recipient, citizen_id=report.citizen_id, report_id=report.id,
            case_id=case.id if case else None, body=body, urgent=urgent,
            send_after=earliest_send(moment, urgent=urgent, channel=channel),
            payload={k: str(v) for k, v in values.items()},
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
        # Intake's referral for a private or property matter (物业, 110, the water company …) beats the generic hint.
        referral = (case.extra or {}).get("referral")
        values["hint"] = (referral or OUT_OF_SCOPE_HINT) if request.reason == "out_of_scope" else ""
    if kind == "dispatched":
        values["department"] = case.department.name if case.department else "责任单位"
        values["deadline"] = case.deadline.astimezone(SHANGHAI).strftime("%m月%d日%H:%M") if case.deadline else "按规定"
    if kind == "resolved":
        values["outcome"] = case.outcome or ""
    for report in _subscribers(case):
        enqueue(kind, report, case, **values)


# Surveys are scheduled by their own transition hook; importing it here registers it wherever the outbox is.
from service_api.services import surveys as _surveys  # noqa: E402,F401
