"""Satisfaction surveys (回访), DB side: scheduled in the closing transaction, reminded once, then expired.

Who gets asked how:
- mini-program / chatbot residents with a WeChat openid: a subscribe message with the rating page, and in-app;
- phone numbers where two-way SMS works (not +86): an SMS asking to reply 1/2/3;
- +86 numbers (Twilio SMS to mainland China is one-way): per SURVEY_CN_MODE, "link" an SMS with the rating
  link, "callback" the link plus a callback task for hotline agents, "voice" an outbound IVR call;
- opted-out numbers: a callback task for agents.
The Celery workers only send the rows written here (notifications/ never decides who is surveyed).

Each closing round (结案, and again after 重新办理) has its own survey per resident. A link sent by SMS carries a
signed token naming its survey: it lets whoever holds the SMS rate that report's case on the public page
(/r/<tracking_no>?t=…) until the survey expires, and nothing else. Any answer, from any channel, ends every
open survey and survey callback of that resident for that case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from service_api.cases.workflow import Actor, TransitionRequest
from service_api.errors import APIError
from service_api.extensions import db
from service_api.hotline.callbacks import callback_due, create_callback
from service_api.models import Callback, Case, Citizen, Notification, Rating, Report, Survey, utcnow
from service_api.outbox_writer import earliest_send, enqueue, report_link
from service_api.phones import inbound_phone
from service_api.vocab import (
    REMINDER_OF,
    SURVEY_INVITATION_KINDS,
    SURVEY_KINDS,
    WECHAT_SOURCES,
    Channel,
    Kind,
    NotificationState,
    Status,
)

SURVEY_CALLBACK = "survey"  # Callback.kind of a phone survey owed by agents
LINK_SALT = "survey-rating-link"  # the token in a rating link is good for nothing else
CLOSED_MESSAGE = "本次评价已结束。如对办理结果有意见，请拨打城市管理热线12319。"


@dataclass(frozen=True)
class SurveyPlan:
    channel: str  # the survey's main channel: wechat | sms | voice | callback | inapp
    sends: list[tuple[str, str, str | None]]  # (template kind, notification channel, recipient)
    callback: bool


def is_mainland(phone: str) -> bool:
    """+86 numbers and bare 11-digit mainland mobiles (1xx…)."""
    digits = phone.strip().replace(" ", "").replace("-", "")
    return digits.startswith(("+86", "0086")) or (len(digits) == 11 and digits.startswith("1") and digits.isdigit())


def plan_for(report: Report) -> SurveyPlan:
    settings = current_app.extensions["settings"]
    citizen = db.session.get(Citizen, report.citizen_id) if report.citizen_id else None
    openid = report.wechat_openid or (citizen.wechat_openid if citizen else None)
    sends: list[tuple[str, str, str | None]] = []
    if openid and report.channel in WECHAT_SOURCES:
        sends.append((Kind.SURVEY_LINK, Channel.WECHAT, openid))
        if report.citizen_id is not None:
            sends.append((Kind.SURVEY_LINK, Channel.INAPP, None))
        return SurveyPlan(Channel.WECHAT, sends, callback=False)
    phone = report.contact_phone
    if report.citizen_id is not None:
        sends.append((Kind.SURVEY_LINK, Channel.INAPP, None))
    if not phone:
        return SurveyPlan(Channel.INAPP, sends, callback=False)
    if citizen is not None and citizen.sms_opted_out:
        return SurveyPlan("callback", sends, callback=True)
    if not is_mainland(phone):
        return SurveyPlan(Channel.SMS, [(Kind.SURVEY, Channel.SMS, phone), *sends], callback=False)
    mode = settings.survey_cn_mode
    if mode == "voice":
        return SurveyPlan(Channel.VOICE, [(Kind.SURVEY, Channel.VOICE, phone), *sends], callback=False)
    return SurveyPlan(Channel.SMS, [(Kind.SURVEY_LINK, Channel.SMS, phone), *sends], callback=mode == "callback")


def identities(report: Report) -> set[str]:
    """Who filed a report: the signed-in resident and the contact phone (canonical: one person, one number)."""
    found = {f"citizen:{report.citizen_id}"} if report.citizen_id is not None else set()
    phone = inbound_phone(report.contact_phone)
    if phone:
        found.add(f"phone:{phone}")
    return found or {f"report:{report.id}"}


def same_resident_reports(case_id: int, report: Report) -> list[int]:
    """Ids of this case's reports filed by the resident who filed `report` (same account or same phone)."""
    mine = identities(report)
    reports = db.session.query(Report).filter_by(case_id=case_id).all()
    return sorted({report.id} | {r.id for r in reports if identities(r) & mine})


def schedule_for_case(case: Case, closed_at: datetime | None = None) -> list[Survey]:
    """One survey per resident who reported this case, in the caller's transaction."""
    settings = current_app.extensions["settings"]
    closed_at = closed_at or utcnow()
    send_after = earliest_send(closed_at + timedelta(minutes=settings.survey_delay_minutes))
    round_no = case.reopen_count + 1
    seen: set[str] = set()
    surveys: list[Survey] = []
    reports = db.session.query(Report).filter_by(case_id=case.id).order_by(Report.id).all()
    for report in reports:
        who = identities(report)
        if who & seen:
            continue
        seen |= who
        if db.session.query(Survey.id).filter_by(case_id=case.id, report_id=report.id, round=round_no).first():
            continue
        plan = plan_for(report)
        survey = Survey(
            case_id=case.id, report_id=report.id, round=round_no, phone=report.contact_phone, channel=plan.channel,
            status="scheduled", send_after=send_after,
            expires_at=send_after + timedelta(hours=settings.survey_reminder_hours + settings.survey_expire_hours),
        )
        db.session.add(survey)
        db.session.flush()
        for kind, channel, recipient in plan.sends:
            enqueue(kind, report, case, send_after=send_after, channels=[(channel, recipient)],
                    link=rating_link(report, survey), survey_id=survey.id)
        if plan.callback:
            callback = create_callback(kind=SURVEY_CALLBACK, phone=report.contact_phone, citizen_id=report.citizen_id,
                                       report_id=report.id, case_id=case.id, survey_id=survey.id,
                                       reason=f"案件{case.case_no}结案回访（满意度、问题是否解决）")
            callback.due_at = max(callback.due_at, callback_due(send_after))
        # With nothing to send (an anonymous report without phone or WeChat) the survey stays "scheduled"
        # and expires unanswered: it is not a survey sent (sent_at is only set by the worker when an
        # invitation goes out), so 回访短信响应率 never counts it (stats/figures.py, stats_rollup.py).
        surveys.append(survey)
    return surveys


def _link_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def rating_token(survey: Survey) -> str:
    """The signed token of a rating link: names one survey, so it rates one report's case in one round."""
    return _link_serializer().dumps(survey.id)


def rating_link(report: Report, survey: Survey) -> str:
    """Where a survey invitation or reminder sends the resident: the public page, able to rate this survey."""
    return f"{report_link(report)}?t={rating_token(survey)}"


def survey_for_link(report: Report, token: str, now: datetime | None = None) -> Survey:
    """The survey a rating link may answer, or APIError: 403 for a bad or foreign token, 410 once it is over.

    The link lives as long as its survey: until it expires (a day after the reminder), or until the case is
    reopened (that round's survey is then over; closing again sends a new link).
    """
    now = now or utcnow()
    try:
        survey_id = _link_serializer().loads(token)
    except BadSignature:
        survey_id = None
    survey = db.session.get(Survey, survey_id) if isinstance(survey_id, int) else None
    if survey is None or survey.report_id != report.id:
        raise APIError(403, "bad_survey_link", "评价链接无效，请核对短信中的链接是否完整。")
    case = db.session.get(Case, survey.case_id)
    over = (survey.status == "expired" or (survey.expires_at is not None and survey.expires_at <= now)
            or case is None or case.status != Status.CLOSED or survey.round != case.reopen_count + 1)
    if over:
        raise APIError(410, "survey_closed", CLOSED_MESSAGE)
    return survey


def schedule_on_transition(case: Case, action: str, actor: Actor, request: TransitionRequest) -> None:
    if action == "close":
        schedule_for_case(case, case.closed_at)
    elif action == "reopen":
        _end_round(case)


def _end_round(case: Case) -> None:
    """A reopened case's last round is over: its unanswered surveys end and agents no longer call about it.
    (Its unsent invitations are cancelled by the 'reopened' message that supersedes them: outbox_writer.)"""
    for survey in db.session.query(Survey).filter(
            Survey.case_id == case.id, Survey.status.in_(("scheduled", "pending"))):
        survey.status = "expired"
    for callback in db.session.query(Callback).filter_by(case_id=case.id, kind=SURVEY_CALLBACK, status="open"):
        callback.status, callback.done_at = "cancelled", utcnow()
        callback.outcome = "案件已重新办理，本轮回访取消"


def pending_survey_for_phone(phone: str, now: datetime | None = None) -> Survey | None:
    """The newest answerable survey for this number (sent, unanswered, not expired)."""
    now = now or utcnow()
    return (db.session.query(Survey)
            .filter(Survey.phone == phone, Survey.status == "pending")
            .filter((Survey.expires_at.is_(None)) | (Survey.expires_at > now))
            .order_by(Survey.sent_at.desc(), Survey.id.desc()).first())


def survey_call_target(notification_id: str) -> tuple[Notification, Report, Survey | None] | None:
    """What an outbound call we placed is about: its notification (by the id in the call's URL, as given), the
    report, and the survey when the call is one; None when the notification is unknown or about no report."""
    if not notification_id.isdigit():
        return None
    row = db.session.get(Notification, int(notification_id))
    if row is None or row.report_id is None:
        return None
    report = db.session.get(Report, row.report_id)
    survey_id = (row.payload or {}).get("survey_id")
    survey = db.session.get(Survey, int(survey_id)) if survey_id and str(survey_id).isdigit() else None
    return row, report, survey


def survey_call_missed(row: Notification) -> None:
    """A survey call (`row`) nobody answered: while its survey is open, agents get a callback task."""
    survey_id = (row.payload or {}).get("survey_id")
    if not (survey_id and str(survey_id).isdigit()):
        return
    survey = db.session.get(Survey, int(survey_id))
    if survey is None or survey.status not in ("scheduled", "pending"):
        return
    report = db.session.get(Report, survey.report_id)
    create_callback(kind=SURVEY_CALLBACK, phone=row.recipient, citizen_id=report.citizen_id if report else None,
                    report_id=survey.report_id, case_id=survey.case_id, survey_id=survey.id,
                    reason="回访电话未接通，请人工回访")


def mark_answered(case: Case, report: Report, now: datetime, *, outcome: str,
                  staff_id: int | None = None) -> None:
    """The resident answered this round: their surveys are answered, invitations and reminders not yet sent
    are cancelled, and open survey callbacks for them are done (`outcome` says how), whichever channel the
    answer came from and whichever of their reports it named."""
    report_ids = same_resident_reports(case.id, report)
    for survey in db.session.query(Survey).filter(
            Survey.case_id == case.id, Survey.report_id.in_(report_ids), Survey.round == case.reopen_count + 1,
            Survey.status.in_(("scheduled", "pending"))):
        survey.status = "answered"
        survey.answered_at = now
    for row in db.session.query(Notification).filter(
            Notification.case_id == case.id, Notification.report_id.in_(report_ids),
            Notification.kind.in_(SURVEY_KINDS), Notification.status == NotificationState.PENDING):
        row.status = NotificationState.CANCELLED
    for callback in db.session.query(Callback).filter(
            Callback.case_id == case.id, Callback.report_id.in_(report_ids), Callback.kind == SURVEY_CALLBACK,
            Callback.status == "open"):
        callback.status, callback.done_at, callback.done_by_id = "done", now, staff_id
        callback.outcome = outcome


def send_reminders(now: datetime | None = None) -> int:
    """Remind once, survey_reminder_hours after the invitation went out without an answer. Commits."""
    settings = current_app.extensions["settings"]
    now = now or utcnow()
    due = db.session.query(Survey).filter(
        Survey.status == "pending", Survey.reminded_at.is_(None), Survey.sent_at.isnot(None),
        Survey.sent_at <= now - timedelta(hours=settings.survey_reminder_hours),
    ).with_for_update(skip_locked=True).limit(500).all()
    count = 0
    for survey in due:
        survey.reminded_at = now
        survey.expires_at = now + timedelta(hours=settings.survey_expire_hours)
        report, case = db.session.get(Report, survey.report_id), db.session.get(Case, survey.case_id)
        if db.session.query(Rating.id).filter(
                Rating.case_id == survey.case_id, Rating.report_id.in_(same_resident_reports(case.id, report)),
                Rating.round == survey.round).first():
            survey.status, survey.answered_at = "answered", now
            continue
        invitations = db.session.query(Notification).filter(
            Notification.case_id == survey.case_id, Notification.report_id == survey.report_id,
            Notification.kind.in_(SURVEY_INVITATION_KINDS), Notification.channel != Channel.INAPP,
            Notification.status != NotificationState.CANCELLED).all()
        # Only this round's invitations: a reopened case's report also has the earlier rounds'.
        invitations = [row for row in invitations if (row.payload or {}).get("survey_id") == str(survey.id)]
        for invitation in invitations:
            enqueue(REMINDER_OF[Kind(invitation.kind)], report, case,
                    channels=[(invitation.channel, invitation.recipient)], link=rating_link(report, survey),
                    survey_id=survey.id)
        count += 1
    db.session.commit()
    return count


def expire_unanswered(now: datetime | None = None) -> int:
    """Surveys past their expiry without an answer end as 'expired' (reminded ones, and ones whose invitation
    never went out). Commits."""
    now = now or utcnow()
    expired = db.session.query(Survey).filter(
        Survey.expires_at.isnot(None), Survey.expires_at <= now,
        ((Survey.status == "pending") & Survey.reminded_at.isnot(None)) | (Survey.status == "scheduled")).all()
    for survey in expired:
        survey.status = "expired"
    db.session.commit()
    return len(expired)
