"""Writes notification rows in the same transaction as the change they announce.

Workers in `notifications/` claim and send them; this module never sends anything itself.

What a resident receives: one message per recipient (channel and address) per event, however many of the
case's reports they filed; outside quiet hours at once, inside them in the morning unless urgent
(`is_urgent`); and when messages wait, only what is still true: a newer message about the case cancels the
older ones that would not have gone out before it (`_supersede`). In-app messages are a list, never held and
never cancelled: the resident's full history.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_

from intake.routing import URGENT_PRIORITY
from service_api.cases.workflow import REJECT_REASONS, Actor, TransitionRequest
from service_api.extensions import db
from service_api.messages import rejection_hint, render
from service_api.models import Case, Citizen, Notification, Report, utcnow
from service_api.phones import inbound_phone
from service_api.privacy import mask_text
from service_api.vocab import (
    PHONE_CHANNELS,
    PROGRESS_KINDS,
    SILENT_CHANNELS,
    SURVEY_INVITATION_KINDS,
    WECHAT_SOURCES,
    Channel,
    Kind,
    NotificationState,
    Source,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
ALWAYS_URGENT_KINDS = frozenset({Kind.LOGIN_CODE})  # the resident is waiting for it
DEADLINE_KINDS = frozenset({Kind.DISPATCHED, Kind.DEADLINE_EXTENDED})  # messages that announce a deadline
# What each kind of message makes untrue when it is newer: a state replaces earlier states and a survey
# invitation not yet sent (the case was reopened); a survey invitation ("…已办结，请评价") replaces states.
SUPERSEDES = {**{kind: PROGRESS_KINDS | SURVEY_INVITATION_KINDS for kind in PROGRESS_KINDS},
              **{kind: PROGRESS_KINDS for kind in SURVEY_INVITATION_KINDS}}


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


def earliest_send(moment: datetime, *, urgent: bool = False, channel: str = Channel.SMS,
                  spec: str | None = None) -> datetime:
    """The first moment a message may go out: `moment`, or the end of quiet hours for non-urgent sends."""
    if urgent or channel in SILENT_CHANNELS:
        return moment
    if spec is None:
        spec = current_app.extensions["settings"].quiet_hours
    return quiet_until(moment, spec) or moment


def is_urgent(kind: str, case: Case | None, moment: datetime) -> bool:
    """Whether a message written for `moment` goes out through quiet hours (the one place that decides).

    - a sign-in code: the resident is waiting for it;
    - how an urgent case (routing priority "urgent": an open manhole, a fallen tree) moves: the resident
      reported a danger and is told at once that it is being handled, at any hour;
    - a deadline that would pass before the morning: announced then, it would already be untrue.
    Surveys, reminders and review notices always wait.
    """
    if kind in ALWAYS_URGENT_KINDS:
        return True
    if case is None or kind not in PROGRESS_KINDS:
        return False
    if case.priority == URGENT_PRIORITY:
        return True
    return kind in DEADLINE_KINDS and case.deadline is not None and case.deadline <= earliest_send(moment)


def local_deadline(case: Case) -> str:
    return case.deadline.astimezone(SHANGHAI).strftime("%m月%d日%H:%M") if case.deadline else "按规定"


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
        result.append((Channel.INAPP, None))
    openid = report.wechat_openid or (citizen.wechat_openid if citizen else None)
    if openid and report.channel in WECHAT_SOURCES:
        result.append((Channel.WECHAT, openid))
    elif report.contact_phone and not (citizen and citizen.sms_opted_out):
        if not (kind == Kind.RECEIVED and report.channel == Source.SMS):
            result.append((Channel.SMS, report.contact_phone))
    return result


def recipient_key(channel: str, recipient: str | None, citizen_id: int | None) -> tuple[str, str]:
    """Who a row reaches on its channel: the same phone written two ways is one recipient."""
    if channel in PHONE_CHANNELS:
        return channel, inbound_phone(recipient) or ""
    if recipient is None:  # in-app: the resident's own list
        return channel, f"citizen:{citizen_id}"
    return channel, recipient


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
    moment = send_after or utcnow()
    urgent = is_urgent(kind, case, moment) if urgent is None else urgent
    rows = []
    for channel, recipient in channels:
        row = Notification(
            kind=kind, channel=channel, recipient=recipient, citizen_id=report.citizen_id, report_id=report.id,
            case_id=case.id if case else None, body=body, urgent=urgent,
            send_after=earliest_send(moment, urgent=urgent, channel=channel),
            payload={k: str(v) for k, v in values.items()},
        )
        _supersede(row, report, case)
        db.session.add(row)
        rows.append(row)
    return rows


def _supersede(new: Notification, report: Report, case: Case | None) -> None:
    """Cancel what `new` makes untrue: this recipient's older messages about the same case that are still
    waiting (quiet hours, survey delay) and would not go out before it. A night of 受理, 立案, 派遣, 处置,
    结案 and a survey then arrives in the morning as the survey alone, not as a burst of history."""
    older_kinds = SUPERSEDES.get(new.kind)
    if not older_kinds or new.kind == Kind.RECEIVED or new.channel in SILENT_CHANNELS:
        return  # a receipt is a report's first message: nothing came before it
    now = utcnow()
    about = [Notification.report_id == report.id]
    if case is not None:
        about += [Notification.case_id == case.id,
                  Notification.report_id.in_(db.session.query(Report.id).filter(Report.case_id == case.id))]
    key = recipient_key(new.channel, new.recipient, new.citizen_id)
    waiting = db.session.query(Notification).filter(
        Notification.status == NotificationState.PENDING, Notification.channel == new.channel,
        Notification.kind.in_(older_kinds), Notification.send_after > now,
        Notification.send_after >= new.send_after, or_(*about))
    for row in waiting:
        if recipient_key(row.channel, row.recipient, row.citizen_id) == key:
            row.status = NotificationState.CANCELLED
            row.last_error = f"superseded by a newer message ({new.kind})"


def report_received(report: Report) -> None:
    enqueue(Kind.RECEIVED, report, None)


def receipt_with_referral(report: Report, referral: str) -> None:
    """Intake found where the resident should turn instead (a private matter's office, 12345 for no city matter):
    their 受理 message says so. Inline intake runs before the receipt leaves, so the waiting receipt is rewritten;
    when it has already gone (intake retried by a worker), a second receipt carries the referral."""
    rows = db.session.query(Notification).filter_by(report_id=report.id, kind=Kind.RECEIVED).all()
    waiting = [row for row in rows if row.status == NotificationState.PENDING]
    for row in waiting:
        values = {**(row.payload or {}), "referral": referral}
        row.body = render(Kind.RECEIVED, **values)
        row.payload = values
    if rows and not waiting:
        enqueue(Kind.RECEIVED, report, None, referral=referral)


def report_merged(report: Report, case: Case) -> None:
    enqueue(Kind.MERGED, report, case)


def _subscribers(case: Case) -> list[Report]:
    return db.session.query(Report).filter_by(case_id=case.id).order_by(Report.id).all()


ANNOUNCED = {"register": Kind.REGISTERED, "reject": Kind.REJECTED, "dispatch": Kind.DISPATCHED,
             "extend": Kind.DEADLINE_EXTENDED, "resolve": Kind.RESOLVED, "close": Kind.CLOSED,
             "reopen": Kind.REOPENED}


def announce_transition(case: Case, action: str, actor: Actor, request: TransitionRequest) -> None:
    kind = ANNOUNCED.get(action)
    if kind is None:
        return
    values: dict[str, object] = {}
    if kind == Kind.REJECTED:
        # Staff-typed text goes to every resident of a merged case, their in-app list and the worker log: its
        # phone numbers are masked as on every other page ("居民电话 138 1234 1234" → 138****1234).
        values["reason"] = mask_text(REJECT_REASONS.get(request.reason or "", request.reason or ""))
        values["hint"] = rejection_hint(request.reason, case.extra)
    if kind == Kind.DISPATCHED:
        values["department"] = case.department.name if case.department else "责任单位"
    if kind in DEADLINE_KINDS:
        values["deadline"] = local_deadline(case)
    if kind == Kind.RESOLVED:
        values["outcome"] = mask_text(case.outcome) or ""
    announce(kind, case, **values)


def announce(kind: str, case: Case, **values: object) -> None:
    """Tell everyone who reported this case, once per recipient: a resident with two merged reports (or two
    residents sharing a phone) gets one message, addressed through their first report."""
    told: set[tuple[str, str]] = set()
    for report in _subscribers(case):
        channels = []
        for channel, recipient in channels_for(report, kind):
            key = recipient_key(channel, recipient, report.citizen_id)
            if key not in told:
                told.add(key)
                channels.append((channel, recipient))
        if channels:
            enqueue(kind, report, case, channels=channels, **values)

