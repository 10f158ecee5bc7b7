"""The voice hotline in Mandarin: 1 report a problem, 2 ask a case's status, 3 talk to an agent;
and the outbound survey call (press 1/2/3). Every call leaves a HotlineCall row."""

from __future__ import annotations

from flask import current_app
from twilio.twiml.voice_response import Gather, VoiceResponse

from service_api.auth.principal import Principal
from service_api.errors import APIError
from service_api.extensions import db
from service_api.feedback.ratings import submit_rating
from service_api.hotline.callbacks import create_callback
from service_api.messages import say
from service_api.models import Case, HotlineCall, Notification, Report, Survey
from service_api.models.encrypted import phone_ref
from service_api.privacy import mask_text
from service_api.reports.accept import ReportInput, accept_report, process_after_accept
from service_api.twilio_hooks.lookup import ref_from_digits, status_of
from service_api.twilio_hooks.security import absolute

LANG = "zh-CN"
RECORDING_PLACEHOLDER = "电话录音反映，待坐席根据录音补全问题描述和位置"
SURVEY_DIGITS = {"1": "satisfied", "2": "basically_satisfied", "3": "unsatisfied"}


def _say(target: VoiceResponse | Gather, text: str) -> None:
    target.say(text, language=LANG, voice=current_app.extensions["settings"].twilio_voice)


def spaced(text: str) -> str:
    """Read digits one by one ('R2026…' → '2 0 2 6 …')."""
    return " ".join(ch for ch in text if ch.isdigit())


def call_record(call_sid: str, phone: str | None, direction: str = "inbound") -> HotlineCall:
    call = db.session.query(HotlineCall).filter_by(call_sid=call_sid).one_or_none() if call_sid else None
    if call is None:
        call = HotlineCall(call_sid=call_sid or None, caller_phone=phone, status="open", data={"direction": direction})
        db.session.add(call)
        db.session.flush()
    return call


def welcome(call_sid: str, phone: str) -> str:
    call_record(call_sid, phone)
    db.session.commit()
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=absolute("/twilio/voice/menu"), timeout=8, language=LANG)
    _say(gather, say("welcome"))
    response.append(gather)
    _say(response, say("no_input"))
    response.hangup()
    return str(response)


def menu(call_sid: str, phone: str, digits: str) -> str:
    call = call_record(call_sid, phone)
    response = VoiceResponse()
    if digits == "1":
        call.call_type = "new_report"
        response.append(_speech_gather("/twilio/voice/report/description", say("ask_description")))
        response.redirect(absolute("/twilio/voice/report/description"))  # nothing heard → record instead
    elif digits == "2":
        call.call_type = "status_query"
        gather = Gather(input="dtmf", finish_on_key="#", timeout=15, action=absolute("/twilio/voice/status"))
        _say(gather, say("ask_case_no"))
        response.append(gather)
        _say(response, say("no_input"))
    elif digits == "3":
        call.call_type = "consultation"
        agent = current_app.extensions["settings"].twilio_agent_number
        if agent:
            _say(response, say("to_agent"))
            response.dial(agent, action=absolute("/twilio/voice/dial-result"), timeout=30)
        else:
            _missed_call(call)
            _say(response, say("agent_busy"))
    else:
        response.redirect(absolute("/twilio/voice"))
        db.session.commit()
        return str(response)
    db.session.commit()
    return str(response)


def _speech_gather(action: str, prompt: str) -> Gather:
    gather = Gather(input="speech dtmf", language=LANG, speech_timeout="auto", timeout=6, action=absolute(action))
    _say(gather, prompt)
    return gather


def description(call_sid: str, phone: str, speech: str) -> str:
    call = call_record(call_sid, phone)
    response = VoiceResponse()
    if not speech.strip():
        _say(response, say("ask_record"))
        response.record(action=absolute("/twilio/voice/report/recording"), max_length=120, finish_on_key="#",
                        play_beep=True)
        db.session.commit()
        return str(response)
    call.data = {**(call.data or {}), "description": speech.strip()[:2000]}
    db.session.commit()
    response.append(_speech_gather("/twilio/voice/report/place", say("ask_place")))
    response.redirect(absolute("/twilio/voice/report/place"))
    return str(response)


def place(call_sid: str, phone: str, speech: str) -> str:
    call = call_record(call_sid, phone)
    text = (call.data or {}).get("description") or ""
    report = _voice_report(call, phone, text, speech.strip() or None)
    response = VoiceResponse()
    _say(response, say("report_done", tracking_digits=spaced(report.tracking_no)))
    response.hangup()
    return str(response)


def recording(call_sid: str, phone: str, recording_url: str) -> str:
    call = call_record(call_sid, phone)
    call.recording_url = recording_url or None
    report = _voice_report(call, phone, RECORDING_PLACEHOLDER, None, recording_url=recording_url)
    create_callback(kind="voice_recording", phone=phone, citizen_id=report.citizen_id, report_id=report.id,
                    reason=f"电话录音反映（受理编号{report.tracking_no}），请听录音补全描述和位置：{recording_url}")
    db.session.commit()
    response = VoiceResponse()
    _say(response, say("recording_done"))
    response.hangup()
    return str(response)


def _voice_report(call: HotlineCall, phone: str, text: str, address: str | None,
                  recording_url: str | None = None) -> Report:
    extra = {"call_sid": call.call_sid}
    if recording_url:
        extra["recording_url"] = recording_url
    accepted = accept_report(
        ReportInput(description=text or RECORDING_PLACEHOLDER, channel="voice", address=address,
                    contact={"phone": phone}, channel_ref=phone_ref("voice", phone),
                    idempotency_key=f"call:{call.call_sid}" if call.call_sid else None, extra=extra),
        Principal("service"),
    )
    if accepted.created and not recording_url:
        process_after_accept(accepted.report)
    report = db.session.get(Report, accepted.report.id)
    call = db.session.get(HotlineCall, call.id)
    call.report_id, call.case_id, call.call_type = report.id, report.case_id, "new_report"
    db.session.commit()
    return report


def status(call_sid: str, phone: str, digits: str) -> str:
    call = call_record(call_sid, phone)
    response = VoiceResponse()
    ref = ref_from_digits(digits)
    found = status_of(ref, phone) if ref else None
    if ref and found:
        case = db.session.query(Case).filter_by(case_no=ref).one_or_none()
        call.case_id = case.id if case else call.case_id
        _say(response, say("status", ref_digits=spaced(ref), status=found[0], detail=found[1]))
    else:
        _say(response, say("status_not_found"))
    _say(response, say("goodbye"))
    response.hangup()
    db.session.commit()
    return str(response)


def dial_result(call_sid: str, phone: str, dial_status: str) -> str:
    call = call_record(call_sid, phone)
    response = VoiceResponse()
    if dial_status in ("no-answer", "busy", "failed", "canceled"):
        _missed_call(call)
        _say(response, say("agent_busy"))
    call.data = {**(call.data or {}), "dial_status": dial_status}
    response.hangup()
    db.session.commit()
    return str(response)


def _missed_call(call: HotlineCall) -> None:
    call.status = "missed"
    create_callback(kind="missed_call", phone=call.caller_phone, reason="来电转人工无人接听，请回电")


# --- the outbound survey call ---------------------------------------------------------------------

def _survey_target(notification_id: str) -> tuple[Notification, Report, Survey | None] | None:
    if not notification_id.isdigit():
        return None
    row = db.session.get(Notification, int(notification_id))
    if row is None or row.report_id is None:
        return None
    report = db.session.get(Report, row.report_id)
    survey_id = (row.payload or {}).get("survey_id")
    survey = db.session.get(Survey, int(survey_id)) if survey_id and str(survey_id).isdigit() else None
    return row, report, survey


def outbound(call_sid: str, phone: str, notification_id: str) -> str:
    """TwiML for a call we placed: read the notification (and take the survey when it is one)."""
    call = call_record(call_sid, phone, direction="outbound")
    response = VoiceResponse()
    target = _survey_target(notification_id)
    if target is None:
        _say(response, say("goodbye"))
        response.hangup()
        db.session.commit()
        return str(response)
    row, report, survey = target
    call.report_id, call.case_id, call.call_type = report.id, report.case_id, "follow_up"
    db.session.commit()
    if survey is None or survey.status not in ("scheduled", "pending"):
        if survey is not None:
            _say(response, say("survey_closed"))
        else:
            _say(response, row.body.removeprefix("【城市管理】"))
        response.hangup()
        return str(response)
    case = report.case
    gather = Gather(num_digits=1, timeout=8, action=absolute(f"/twilio/voice/survey/answer?n={row.id}"))
    _say(gather, say("survey_intro", case_digits=spaced(case.case_no) if case else "",
                     outcome=(mask_text(case.outcome if case else None) or "已处理")[:80]))
    _say(gather, say("survey_ask"))
    response.append(gather)
    _say(response, say("no_input"))
    response.hangup()
    return str(response)


def survey_answer(call_sid: str, phone: str, notification_id: str, digits: str) -> str:
    response = VoiceResponse()
    target = _survey_target(notification_id)
    rating = SURVEY_DIGITS.get(digits)
    if target is None or rating is None:
        response.redirect(absolute(f"/twilio/voice/outbound?n={notification_id}"))
        return str(response)
    row, report, _ = target
    try:
        submit_rating(report, rating, None, None, "voice")
    except APIError:
        db.session.rollback()
        _say(response, say("survey_closed"))
        response.hangup()
        return str(response)
    gather = Gather(num_digits=1, timeout=8, action=absolute(f"/twilio/voice/survey/solved?n={row.id}&r={digits}"))
    _say(gather, say("survey_solved"))
    response.append(gather)
    _say(response, say("survey_thanks"))
    response.hangup()
    return str(response)


def survey_solved(call_sid: str, phone: str, notification_id: str, rating_digit: str, digits: str) -> str:
    response = VoiceResponse()
    target = _survey_target(notification_id)
    rating = SURVEY_DIGITS.get(rating_digit)
    if target is not None and rating is not None and digits in ("1", "2"):
        try:
            submit_rating(target[1], rating, digits == "1", None, "voice")
        except APIError:
            db.session.rollback()
    _say(response, say("survey_thanks"))
    response.hangup()
    return str(response)
