"""The voice hotline in Mandarin: 1 report a problem, 2 ask a case's status, 3 talk to an agent;
and the outbound survey call (press 1/2/3). Every call leaves a HotlineCall row."""

from __future__ import annotations

from flask import current_app
from twilio.twiml.voice_response import Gather, VoiceResponse

from service_api.errors import APIError
from service_api.feedback.ratings import submit_answer
from service_api.feedback.surveys import survey_call_target
from service_api.hotline import ivr
from service_api.messages import say
from service_api.privacy import mask_text
from service_api.twilio_hooks.lookup import ref_from_digits, status_of
from service_api.twilio_hooks.security import absolute
from service_api.vocab import Satisfaction, Source

LANG = "zh-CN"
SURVEY_DIGITS = {"1": Satisfaction.SATISFIED, "2": Satisfaction.BASICALLY_SATISFIED, "3": Satisfaction.UNSATISFIED}


def _say(target: VoiceResponse | Gather, text: str) -> None:
    target.say(text, language=LANG, voice=current_app.extensions["settings"].twilio_voice)


def spaced(text: str) -> str:
    """Read digits one by one ('R2026…' → '2 0 2 6 …')."""
    return " ".join(ch for ch in text if ch.isdigit())


def welcome(call_sid: str, phone: str) -> str:
    ivr.record_call(call_sid, phone)
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=absolute("/twilio/voice/menu"), timeout=8, language=LANG)
    _say(gather, say("welcome"))
    response.append(gather)
    _say(response, say("no_input"))
    response.hangup()
    return str(response)


def menu(call_sid: str, phone: str, digits: str) -> str:
    response = VoiceResponse()
    if digits == "1":
        ivr.set_call_type(call_sid, phone, "new_report")
        response.append(_speech_gather("/twilio/voice/report/description", say("ask_description")))
        response.redirect(absolute("/twilio/voice/report/description"))  # nothing heard → record instead
    elif digits == "2":
        ivr.set_call_type(call_sid, phone, "status_query")
        gather = Gather(input="dtmf", finish_on_key="#", timeout=15, action=absolute("/twilio/voice/status"))
        _say(gather, say("ask_case_no"))
        response.append(gather)
        _say(response, say("no_input"))
    elif digits == "3":
        agent = current_app.extensions["settings"].twilio_agent_number
        ivr.set_call_type(call_sid, phone, "consultation", missed=not agent)
        if agent:
            _say(response, say("to_agent"))
            response.dial(agent, action=absolute("/twilio/voice/dial-result"), timeout=30)
        else:
            _say(response, say("agent_busy"))
    else:
        ivr.record_call(call_sid, phone)
        response.redirect(absolute("/twilio/voice"))
    return str(response)


def _speech_gather(action: str, prompt: str) -> Gather:
    gather = Gather(input="speech dtmf", language=LANG, speech_timeout="auto", timeout=6, action=absolute(action))
    _say(gather, prompt)
    return gather


def description(call_sid: str, phone: str, speech: str) -> str:
    response = VoiceResponse()
    if not speech.strip():
        ivr.record_call(call_sid, phone)
        _say(response, say("ask_record"))
        response.record(action=absolute("/twilio/voice/report/recording"), max_length=120, finish_on_key="#",
                        play_beep=True)
        return str(response)
    ivr.note_description(call_sid, phone, speech.strip())
    response.append(_speech_gather("/twilio/voice/report/place", say("ask_place")))
    response.redirect(absolute("/twilio/voice/report/place"))
    return str(response)


def place(call_sid: str, phone: str, speech: str) -> str:
    report = ivr.file_report(call_sid, phone, speech.strip() or None)
    response = VoiceResponse()
    _say(response, say("report_done", tracking_digits=spaced(report.tracking_no)))
    response.hangup()
    return str(response)


def recording(call_sid: str, phone: str, recording_url: str) -> str:
    ivr.file_recording(call_sid, phone, recording_url)
    response = VoiceResponse()
    _say(response, say("recording_done"))
    response.hangup()
    return str(response)


def status(call_sid: str, phone: str, digits: str) -> str:
    response = VoiceResponse()
    ref = ref_from_digits(digits)
    found = status_of(ref, phone) if ref else None
    ivr.status_asked(call_sid, phone, ref if found else None)
    if ref and found:
        _say(response, say("status", ref_digits=spaced(ref), status=found[0], detail=found[1]))
    else:
        _say(response, say("status_not_found"))
    _say(response, say("goodbye"))
    response.hangup()
    return str(response)


def dial_result(call_sid: str, phone: str, dial_status: str) -> str:
    response = VoiceResponse()
    missed = dial_status in ("no-answer", "busy", "failed", "canceled")
    ivr.dial_ended(call_sid, phone, dial_status, missed=missed)
    if missed:
        _say(response, say("agent_busy"))
    response.hangup()
    return str(response)


# --- the outbound survey call ---------------------------------------------------------------------

def outbound(call_sid: str, phone: str, notification_id: str) -> str:
    """TwiML for a call we placed: read the notification (and take the survey when it is one)."""
    response = VoiceResponse()
    target = survey_call_target(notification_id)
    ivr.survey_call(call_sid, phone, target[1] if target is not None else None)
    if target is None:
        _say(response, say("goodbye"))
        response.hangup()
        return str(response)
    row, report, survey = target
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
    target = survey_call_target(notification_id)
    rating = SURVEY_DIGITS.get(digits)
    if target is None or rating is None:
        response.redirect(absolute(f"/twilio/voice/outbound?n={notification_id}"))
        return str(response)
    row, report, _ = target
    try:
        submit_answer(report, rating, None, None, Source.VOICE)
    except APIError:
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
    target = survey_call_target(notification_id)
    rating = SURVEY_DIGITS.get(rating_digit)
    if target is not None and rating is not None and digits in ("1", "2"):
        try:
            submit_answer(target[1], rating, digits == "1", None, Source.VOICE)
        except APIError:
            pass  # refused (answered meanwhile, survey over): thank them all the same
    _say(response, say("survey_thanks"))
    response.hangup()
    return str(response)
