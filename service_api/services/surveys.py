"""Satisfaction surveys (回访), DB side: scheduled in the closing transaction, reminded once, then expired.

Who gets asked how:
- mini-program / chatbot residents with a WeChat openid: a subscribe message with the rating page, and in-app;
- phone numbers where two-way SMS works (not +86): an SMS asking to reply 1/2/3;
- +86 numbers (Twilio SMS to mainland China is one-way): per SURVEY_CN_MODE, "link" an SMS with the rating
  link, "callback" the link plus a callback task for hotline agents, "voice" an outbound IVR call;
- opted-out numbers: a callback task for agents.
The Celery workers only send the rows written here (notifications/ never decides who is surveyed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from service_api.extensions import db
from service_api.models import Case, Citizen, Notification, Rating, Report, Survey, utcnow
from service_api.services.callbacks import callback_due, create_callback
from service_api.services.outbox_writer import earliest_send, enqueue, report_link
from service_api.services.workflow import Actor, TransitionRequest, on_transition


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
    if openid and report.channel in ("miniprogram", "chatbot"):
        sends.append(("survey_link", "wechat", openid))
        if report.citizen_id is not None:
            sends.append(("survey_link", "inapp", None))
        return SurveyPlan("wechat", sends, callback=False)
    phone = report.contact_phone
    if report.citizen_id is not None:
        sends.append(("survey_link", "inapp", None))
    if not phone:
        return SurveyPlan("inapp", sends, callback=False)
    if citizen is not None and citizen.sms_opted_out:
        return SurveyPlan("callback", sends, callback=True)
    if not is_mainland(phone):
        return SurveyPlan("sms", [("survey", "sms", phone), *sends], callback=False)
    mode = settings.survey_cn_mode
    if mode == "voice":
        return SurveyPlan("voice", [("survey", "voice", phone), *sends], callback=False)
    return SurveyPlan("sms", [("survey_link", "sms", phone), *sends], callback=mode == "callback")


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
        who = (f"citizen:{report.citizen_id}" if report.citizen_id else
               f"phone:{report.contact_phone}" if report.contact_phone else f"report:{report.id}")
        if who in seen:
            continue
        seen.add(who)
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
                    link=rating_link(report), survey_id=survey.id)
        if plan.callback:
            callback = create_callback(kind="survey", phone=report.contact_phone, citizen_id=report.citizen_id,
                                       report_id=report.id, case_id=case.id, survey_id=survey.id,
                                       reason=f"案件{case.case_no}结案回访（满意度、问题是否解决）")
            callback.due_at = max(callback.due_at, callback_due(send_after))
        if not plan.sends:
            survey.status, survey.sent_at = "pending", send_after
        surveys.append(survey)
    return surveys


def rating_link(report: Report) -> str:
    return report_link(report) + "?survey=1"


@on_transition
def _survey_on_close(case: Case, action: str, actor: Actor, request: TransitionRequest) -> None:
    if action == "close":
        schedule_for_case(case, case.closed_at)


def pending_survey_for_phone(phone: str, now: datetime | None = None) -> Survey | None:
    """The newest answerable survey for this number (sent, unanswered, not expired)."""
    now = now or utcnow()
    return (db.session.query(Survey)
            .filter(Survey.phone == phone, Survey.status == "pending")
            .filter((Survey.expires_at.is_(None)) | (Survey.expires_at > now))
            .order_by(Survey.sent_at.desc(), Survey.id.desc()).first())


def mark_answered(case_id: int, report_id: int, now: datetime) -> None:
    for survey in db.session.query(Survey).filter(
            Survey.case_id == case_id, Survey.report_id == report_id,
            Survey.status.in_(("scheduled", "pending"))):
        survey.status = "answered"
        survey.answered_at = now
    # Invitations and reminders not yet sent are no longer needed.
    for row in db.session.query(Notification).filter(
            Notification.case_id == case_id, Notification.report_id == report_id,
            Notification.kind.in_(("survey", "survey_link", "survey_reminder", "survey_link_reminder")),
            Notification.status == "pending"):
        row.status = "cancelled"


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
        if db.session.query(Rating.id).filter_by(case_id=survey.case_id, report_id=survey.report_id).first():
            survey.status, survey.answered_at = "answered", now
            continue
        report, case = db.session.get(Report, survey.report_id), db.session.get(Case, survey.case_id)
        invitations = db.session.query(Notification).filter(
            Notification.case_id == survey.case_id, Notification.report_id == survey.report_id,
            Notification.kind.in_(("survey", "survey_link")), Notification.channel != "inapp").all()
        for invitation in invitations:
            kind = "survey_reminder" if invitation.kind == "survey" else "survey_link_reminder"
            enqueue(kind, report, case, channels=[(invitation.channel, invitation.recipient)],
                    link=rating_link(report), survey_id=survey.id)
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
