"""POST /twilio/sms, /twilio/voice (+ IVR steps), /twilio/status: signed, idempotent, answering TwiML."""

from __future__ import annotations

from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse

from service_api.phones import inbound_phone
from service_api.twilio_hooks import sms, status, voice
from service_api.twilio_hooks.security import TWIML, twilio_webhook

blp = Blueprint("twilio_hooks", __name__, url_prefix="/twilio")


def _twiml(body: str) -> Response:
    return Response(body, 200, mimetype=TWIML)


def _caller() -> str:
    """The caller's or sender's number in E.164 (as given when it does not parse: never refused)."""
    return inbound_phone(_form("From")) or ""


def _form(name: str) -> str:
    return (request.form.get(name) or "").strip()


@blp.post("/sms")
@twilio_webhook("twilio_sms")
def inbound_sms() -> Response:
    count = int(_form("NumMedia")) if _form("NumMedia").isdigit() else 0
    media = [url for i in range(min(count, 10)) if (url := _form(f"MediaUrl{i}"))]
    reply = sms.handle_sms(_caller(), request.form.get("Body") or "", _form("MessageSid"), media)
    response = MessagingResponse()
    response.message(reply)
    return _twiml(str(response))


@blp.post("/voice")
@twilio_webhook("twilio_voice")
def voice_entry() -> Response:
    return _twiml(voice.welcome(_form("CallSid"), _caller()))


@blp.post("/voice/menu")
@twilio_webhook("twilio_voice")
def voice_menu() -> Response:
    return _twiml(voice.menu(_form("CallSid"), _caller(), _form("Digits")))


@blp.post("/voice/report/description")
@twilio_webhook("twilio_voice")
def voice_description() -> Response:
    return _twiml(voice.description(_form("CallSid"), _caller(), _form("SpeechResult")))


@blp.post("/voice/report/place")
@twilio_webhook("twilio_voice")
def voice_place() -> Response:
    return _twiml(voice.place(_form("CallSid"), _caller(), _form("SpeechResult")))


@blp.post("/voice/report/recording")
@twilio_webhook("twilio_voice")
def voice_recording() -> Response:
    return _twiml(voice.recording(_form("CallSid"), _caller(), _form("RecordingUrl")))


@blp.post("/voice/status")
@twilio_webhook("twilio_voice")
def voice_status() -> Response:
    return _twiml(voice.status(_form("CallSid"), _caller(), _form("Digits")))


@blp.post("/voice/dial-result")
@twilio_webhook("twilio_voice")
def voice_dial_result() -> Response:
    return _twiml(voice.dial_result(_form("CallSid"), _caller(), _form("DialCallStatus")))


@blp.post("/voice/outbound")
@twilio_webhook("twilio_voice")
def voice_outbound() -> Response:
    # On calls we place, the resident is the "To" side.
    return _twiml(voice.outbound(_form("CallSid"), _form("To"), request.args.get("n", "")))


@blp.post("/voice/survey/answer")
@twilio_webhook("twilio_voice")
def voice_survey_answer() -> Response:
    return _twiml(voice.survey_answer(_form("CallSid"), _form("To"), request.args.get("n", ""), _form("Digits")))


@blp.post("/voice/survey/solved")
@twilio_webhook("twilio_voice")
def voice_survey_solved() -> Response:
    return _twiml(voice.survey_solved(_form("CallSid"), _form("To"), request.args.get("n", ""),
                                      request.args.get("r", ""), _form("Digits")))


@blp.post("/status")
@twilio_webhook("twilio_status")
def status_callback() -> Response:
    sid = _form("MessageSid") or _form("SmsSid") or _form("CallSid")
    state = _form("MessageStatus") or _form("SmsStatus") or _form("CallStatus")
    status.apply_status(sid, state, _form("ErrorCode") or None, request.args.get("n"))
    return Response("", 204)
