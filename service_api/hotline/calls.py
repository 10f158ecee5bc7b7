"""The hotline agent's work: logging calls (new reports, status queries, follow-ups, consultations, transfers)
and working through callbacks (phone surveys, chatbot hand-offs, missed calls, voice messages)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from service_api.auth.principal import Principal
from service_api.cases.workflow import Actor, TransitionRequest, apply_transition
from service_api.errors import APIError
from service_api.extensions import db
from service_api.hotline.callbacks import callback_due
from service_api.models import Callback, Case, CaseEvent, HotlineCall, Report, StaffUser, Survey, utcnow
from service_api.models.hotline import CALL_TYPES, CHATBOT_HANDOFF
from service_api.numbers import normalise_ref
from service_api.phones import InvalidPhone, canonical_phone, canonical_phone_or_none
from service_api.reports.accept import ReportInput, accept_report, process_after_accept
from service_api.vocab import RATINGS, Source, Status

CALL_TYPE_TEXT = {
    "new_report": "新反映", "status_query": "进度查询", "follow_up": "催办/投诉处置", "consultation": "咨询（不立案）",
    "out_of_scope": "非受理范围（已转办）",
}
CALLBACK_KIND_TEXT = {
    "survey": "电话回访", "chatbot_handoff": "智能客服转人工", "missed_call": "未接来电", "follow_up": "跟进回电",
    "voice_recording": "语音留言",
}
CALLBACK_RESULTS = {"done": "已完成", "no_answer": "未接通，稍后再拨", "cancelled": "无需回电"}
NO_ANSWER_LIMIT = 3
# The same caller with the same words inside this window is the same call filed twice (a reloaded result page,
# back-and-resubmit, a double click), not a second report.
REPEAT_WINDOW = timedelta(minutes=30)


@dataclass
class CallInput:
    phone: str
    call_type: str
    description: str = ""
    address: str | None = None
    location: dict[str, Any] | None = None  # {lat, lng, crs}: where the agent clicked on the map
    matter_code: str | None = None  # a candidate the agent clicked
    join_case_no: str | None = None  # "加入已有案件"
    case_ref: str | None = None  # case or tracking number the caller asks about
    notes: str | None = None
    transfer_to: str | None = None
    call_id: int | None = None  # a HotlineCall that came in through the Twilio line


@dataclass
class CallResult:
    call: HotlineCall
    report: Report | None = None
    case: Case | None = None
    repeated: bool = False  # the same call had already been filed: nothing new was saved


def previous_reports(phone: str, limit: int = 20) -> list[Report]:
    phone = canonical_phone_or_none(phone) or ""  # stored in E.164: "138 0013 8000" finds "+8613800138000"
    if not phone:
        return []
    return (db.session.query(Report).filter(Report.contact_phone == phone)
            .order_by(Report.created_at.desc(), Report.id.desc()).limit(limit).all())


def find_case(ref: str) -> Case | None:
    """A case by its case number, or the case of a report by tracking number."""
    ref = normalise_ref(ref)
    if not ref:
        return None
    case = db.session.query(Case).filter_by(case_no=ref).one_or_none()
    if case is None:
        report = db.session.query(Report).filter_by(tracking_no=ref).one_or_none()
        case = report.case if report is not None else None
    return case


def call_by_id(call_id: int) -> HotlineCall | None:
    return db.session.get(HotlineCall, call_id)


def call_result(call_id: int) -> CallResult | None:
    """A saved call with the report it filed and its case (or the case it was about), as its result page shows."""
    call = db.session.get(HotlineCall, call_id)
    if call is None:
        return None
    report = db.session.get(Report, call.report_id) if call.report_id else None
    case = db.session.get(Case, call.case_id) if call.case_id else (report.case if report else None)
    return CallResult(call, report, case)


@dataclass
class CallPage:
    rows: list[HotlineCall]
    reports: dict[int, Report]  # by id, for the rows' report_id
    cases: dict[int, Case]  # by id, for the rows' case_id
    total: int


def call_page(page: int, size: int) -> CallPage:
    """One page of the call list, newest first, with the reports and cases the calls filed or asked about."""
    query = db.session.query(HotlineCall).order_by(HotlineCall.created_at.desc(), HotlineCall.id.desc())
    total = query.count()
    rows = query.offset((page - 1) * size).limit(size).all()
    report_ids = [c.report_id for c in rows if c.report_id]
    reports = {r.id: r for r in db.session.query(Report).filter(Report.id.in_(report_ids))}
    return CallPage(rows, reports, _cases_by_id([c.case_id for c in rows]), total)


def _cases_by_id(ids: list[int | None]) -> dict[int, Case]:
    return {c.id: c for c in db.session.query(Case).filter(Case.id.in_([i for i in ids if i]))}


def _caller_phone(data: CallInput) -> str:
    """The number the agent typed, in E.164; a mistyped one is sent back to the agent (422). The number the
    telephone network gave for a Twilio call is kept as it came, even when it does not parse."""
    try:
        return canonical_phone(data.phone) or ""
    except InvalidPhone as exc:
        call = db.session.get(HotlineCall, data.call_id) if data.call_id else None
        if call is not None and call.caller_phone == data.phone.strip():
            return call.caller_phone
        raise APIError(422, "bad_phone", f"来电号码{exc}，请核对", {"phone": [str(exc)]}) from exc


def _call_row(data: CallInput, agent: StaffUser) -> HotlineCall:
    call = db.session.get(HotlineCall, data.call_id) if data.call_id else None
    if call is None:
        call = HotlineCall(caller_phone=data.phone or None)
        db.session.add(call)
    call.caller_phone = call.caller_phone or data.phone or None
    call.agent_id = agent.id
    call.call_type = data.call_type
    return call


def log_call(data: CallInput, agent: StaffUser) -> CallResult:
    """Save one call; a new report goes through the same intake as every channel. Commits."""
    if data.call_type not in CALL_TYPES:
        raise APIError(422, "bad_call_type", f"来电类型应为 {', '.join(CALL_TYPES)}")
    data.phone = _caller_phone(data)
    if data.call_type == "new_report":
        return _new_report(data, agent)
    case = None
    if data.call_type in ("status_query", "follow_up"):
        if not normalise_ref(data.case_ref):
            raise APIError(422, "case_required", "请填写要查询或催办的案件编号或受理编号", {"case_ref": ["required"]})
        case = find_case(data.case_ref or "")
        if case is None:
            raise APIError(422, "case_not_found", f"未找到编号为 {normalise_ref(data.case_ref)} 的案件或反映，"
                           "请核对后重试", {"case_ref": ["not_found"]})
    call = _call_row(data, agent)
    notes = [(data.notes or "").strip(), (data.description or "").strip()]
    if data.call_type == "out_of_scope" and data.transfer_to:
        notes.append(f"已转办：{data.transfer_to.strip()}")
    call.notes = "\n".join(n for n in notes if n) or None
    call.status = "done"
    if case is not None:
        call.case_id = case.id
        actor = Actor.of_staff(agent)
        text = (data.description or data.notes or "").strip()
        if data.call_type == "follow_up":
            case.needs_review = True  # a complaint about the handling puts the case in the review queue
        db.session.add(CaseEvent(
            case_id=case.id, action="hotline_" + data.call_type, from_status=case.status, to_status=case.status,
            actor_type="staff", actor_id=actor.id, actor_name=actor.name, public=False,
            note=("居民来电催办/投诉：" if data.call_type == "follow_up" else "居民来电查询进度") + (
                f"：{text}" if text and data.call_type == "status_query" else text),
            data={"phone_last4": (data.phone or "")[-4:]},
        ))
    db.session.commit()
    return CallResult(call, None, case)


def _new_report(data: CallInput, agent: StaffUser) -> CallResult:
    if not data.description.strip():
        raise APIError(422, "description_required", "请填写反映内容", {"description": ["required"]})
    repeated = _repeated_call(data)
    if repeated is not None:
        return repeated
    call = _call_row(data, agent)
    call.status = "open"
    db.session.flush()
    accepted = accept_report(
        ReportInput(description=data.description, channel=Source.HOTLINE, address=data.address, location=data.location,
                    contact={"phone": data.phone} if data.phone else None, join_case_no=data.join_case_no or None,
                    channel_ref=call.call_sid, extra={"hotline_call_id": call.id, "agent_id": agent.id}),
        Principal("staff", staff=agent),
    )
    report = accepted.report
    process_after_accept(report)
    db.session.refresh(report)
    case = report.case
    if case is not None and data.matter_code and not report.is_duplicate:
        _confirm_matter(case, data.matter_code, agent)
    call = db.session.get(HotlineCall, call.id)
    call.report_id, call.case_id, call.status = report.id, case.id if case else None, "done"
    call.notes = (data.notes or "").strip() or None
    db.session.commit()
    return CallResult(call, report, case)


def _repeated_call(data: CallInput) -> CallResult | None:
    """The hotline report filed from the same caller with the same text within REPEAT_WINDOW, if any."""
    phones = {p for p in (data.phone.strip(), canonical_phone_or_none(data.phone)) if p}
    query = db.session.query(Report).filter(
        Report.channel == Source.HOTLINE, Report.description == data.description.strip(),
        Report.created_at >= utcnow() - REPEAT_WINDOW)
    query = query.filter(Report.contact_phone.in_(phones)) if phones else query.filter(
        Report.contact_phone.is_(None))
    report = query.order_by(Report.id.desc()).first()
    if report is None:
        return None
    call = db.session.query(HotlineCall).filter_by(report_id=report.id).order_by(HotlineCall.id).first()
    if call is None:  # filed but its call row not yet finished: the first request is still running
        call_id = (report.extra or {}).get("hotline_call_id")
        call = db.session.get(HotlineCall, call_id) if call_id else None
    if call is None:
        return None
    return CallResult(call, report, report.case, repeated=True)


def _confirm_matter(case: Case, matter_code: str, agent: StaffUser) -> None:
    """The agent picked the matter while talking to the caller: apply it and, if waiting for triage, register."""
    from service_api.cases.desk import change_matter

    if case.matter_code != matter_code:
        change_matter(case, matter_code, "坐席接听时确认事项类别", agent, commit=False)
    if case.status == Status.RECEIVED:
        apply_transition(case, TransitionRequest("register", note="坐席确认事项后立案"), Actor.of_staff(agent))


# -- callbacks -------------------------------------------------------------------------------------------

def _chat_only() -> Any:
    """An open chatbot hand-off with no number (asked through phone_hash: the number is encrypted) and no case:
    nobody can be called back. It is a conversation for agents to read (and file as a report if it holds one),
    not a call owed by a deadline; when the resident sends "转人工" again with a number, the same task gets it and
    becomes a callback (callbacks.request_handoff)."""
    return (Callback.kind == CHATBOT_HANDOFF) & Callback.phone_hash.is_(None) & Callback.case_id.is_(None)


def is_chat_only(callback: Callback) -> bool:
    return callback.kind == CHATBOT_HANDOFF and not callback.phone and not callback.case_id


def due_callbacks(limit: int = 200) -> list[Callback]:
    return (db.session.query(Callback).filter(Callback.status == "open", ~_chat_only())
            .order_by(Callback.due_at, Callback.id).limit(limit).all())


def chat_handoffs(limit: int = 200) -> list[Callback]:
    """Open hand-offs that cannot be called back (see _chat_only), newest first."""
    return (db.session.query(Callback).filter(Callback.status == "open", _chat_only())
            .order_by(Callback.created_at.desc(), Callback.id.desc()).limit(limit).all())


# What a resident's chat button sent, as the button read. The payloads come from the bot's buttons
# (bot/actions/report_form.py, bot/actions/rating.py) and the web app's 转人工 button (webapp/static/app.js);
# the bot is reached over HTTP only, so they are listed here and tests/staff/test_callback_page.py checks
# them against those sources. Agents read what the resident saw and pressed, not an intent name.
CHAT_BUTTONS = {"/affirm": "对，提交", "/deny": "不对，修改", "/request_human": "转人工"}
_RATING_PAYLOAD = re.compile(r'/rate_service\{"rating": ?"(\w+)"\}')


def chat_line_text(text: str | None) -> str:
    """One line of a chat transcript as the resident saw it: a button press by its title."""
    text = text or ""
    if text in CHAT_BUTTONS:
        return f"［按钮］{CHAT_BUTTONS[text]}"
    rating = _RATING_PAYLOAD.fullmatch(text)
    if rating and rating.group(1) in RATINGS:
        return f"［按钮］{RATINGS[rating.group(1)]}"
    return text


def callback_by_id(callback_id: int) -> Callback | None:
    return db.session.get(Callback, callback_id)


def callback_cases(callbacks: list[Callback]) -> dict[int, Case]:
    """The cases of these callbacks, by id."""
    return _cases_by_id([c.case_id for c in callbacks])


def callback_case(callback: Callback) -> Case | None:
    return db.session.get(Case, callback.case_id) if callback.case_id else None


def voice_message_call(callback: Callback) -> HotlineCall | None:
    """For a voice message, the latest call from its number (the recording and the line it came in on)."""
    if callback.kind != "voice_recording" or not callback.phone:
        return None
    return (db.session.query(HotlineCall).filter_by(caller_phone=callback.phone)
            .order_by(HotlineCall.id.desc()).first())


def recent_callbacks(limit: int = 20) -> list[Callback]:
    """Callbacks just closed, with the agents' final notes (they were otherwise out of sight once done)."""
    return (db.session.query(Callback).filter(Callback.status != "open", Callback.done_at.isnot(None))
            .order_by(Callback.done_at.desc(), Callback.id.desc()).limit(limit).all())


@dataclass
class CallbackOutcome:
    result: str
    outcome: str = ""
    rating: str | None = None
    solved: bool | None = None
    comment: str | None = None


def record_callback(callback: Callback, data: CallbackOutcome, agent: StaffUser) -> Callback:
    """Close (or postpone) one callback; for a phone survey, record the resident's rating. Commits."""
    if callback.status != "open":
        raise APIError(409, "callback_closed", "该回电任务已处理")
    if data.result not in CALLBACK_RESULTS:
        raise APIError(422, "bad_result", "请选择回电结果")
    now = utcnow()
    actor = Actor.of_staff(agent)
    note = (data.outcome or "").strip()
    if data.result == "no_answer":
        tries = [line for line in (callback.transcript or []) if line.get("from") == "agent"]
        # The agent's note of each attempt is kept with it (it used to be dropped, leaving only "未接通").
        callback.transcript = [*(callback.transcript or []),
                               {"from": "agent", "text": f"未接通（{actor.name}）" + (f"：{note}" if note else ""),
                                "at": now.isoformat()}]
        if len(tries) + 1 >= NO_ANSWER_LIMIT:
            callback.status = "done"
            callback.outcome = f"连续{NO_ANSWER_LIMIT}次未接通" + (f"；{note}" if note else "")
            callback.done_by_id, callback.done_at = agent.id, now
        else:
            callback.due_at = callback_due(now + timedelta(hours=1))
    else:
        callback.status = "done" if data.result == "done" else "cancelled"
        callback.outcome = note or CALLBACK_RESULTS[data.result]
        callback.done_by_id, callback.done_at = agent.id, now
        callback.transcript = [*(callback.transcript or []),
                               {"from": "agent", "text": f"{CALLBACK_RESULTS[data.result]}（{actor.name}）"
                                + (f"：{note}" if note else ""), "at": now.isoformat()}]
    case = db.session.get(Case, callback.case_id) if callback.case_id else None
    if case is not None:
        db.session.add(CaseEvent(
            case_id=case.id, report_id=callback.report_id, action="callback", from_status=case.status,
            to_status=case.status, actor_type="staff", actor_id=actor.id, actor_name=actor.name, public=False,
            note=f"{CALLBACK_KIND_TEXT.get(callback.kind, callback.kind)}：{CALLBACK_RESULTS[data.result]}"
                 + (f"，{note}" if note else ""),
            data={"callback_id": callback.id, "result": data.result},
        ))
    if callback.kind == "survey" and data.result == "done" and data.rating:
        report = _survey_report(callback)
        if report is None:
            raise APIError(422, "survey_report_missing", "找不到该回访对应的反映")
        from service_api.feedback.ratings import submit_rating

        submit_rating(report, data.rating, data.solved, data.comment, Source.HOTLINE, now=now, actor=actor)  # commits
        return callback
    db.session.commit()
    return callback


def _survey_report(callback: Callback) -> Report | None:
    if callback.survey_id:
        survey = db.session.get(Survey, callback.survey_id)
        if survey is not None:
            return db.session.get(Report, survey.report_id)
    return db.session.get(Report, callback.report_id) if callback.report_id else None
