"""The voice hotline (IVR) in Mandarin: menu, report by speech or recording, status by keypad, agent."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from service_api.extensions import db
from service_api.models import Callback, HotlineCall, Report
from tests.notifications.support import (  # noqa: F401
    fake_twilio,
    fake_twilio_server,
    make_case,
    make_report,
    post_twilio,
    use_twilio,
)

CALLER = "+8613912345678"


@pytest.fixture
def settings(settings, fake_twilio):  # noqa: F811
    return use_twilio(settings, fake_twilio)


def _call(client, path: str, call_sid: str, **params: str) -> ElementTree.Element:
    response = post_twilio(client, path, {"CallSid": call_sid, "From": CALLER, "To": "+15005550006", **params})
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return ElementTree.fromstring(response.data)


def _says(twiml: ElementTree.Element) -> str:
    return "".join(s.text or "" for s in twiml.iter("Say"))


def test_welcome_menu_speaks_mandarin(app, client):
    twiml = _call(client, "/twilio/voice", "CA1")
    gather = twiml.find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("action") == "http://testserver.local/twilio/voice/menu"
    says = list(twiml.iter("Say"))
    assert says and all(s.get("language") == "zh-CN" and s.get("voice") for s in says)
    assert "反映问题请按1" in _says(twiml)
    assert db.session.query(HotlineCall).filter_by(call_sid="CA1").one().caller_phone == CALLER


def test_report_by_speech_creates_a_report_linked_to_the_call(app, client):
    _call(client, "/twilio/voice", "CA2")
    menu = _call(client, "/twilio/voice/menu", "CA2", Digits="1")
    gather = menu.find("Gather")
    assert gather.get("input") == "speech dtmf" and gather.get("language") == "zh-CN"
    place = _call(client, "/twilio/voice/report/description", "CA2", SpeechResult="路边垃圾桶满了没人清理")
    assert place.find("Gather").get("action").endswith("/twilio/voice/report/place")
    done = _call(client, "/twilio/voice/report/place", "CA2", SpeechResult="市南区香港中路8号")
    report = db.session.query(Report).one()
    assert (report.channel, report.contact_phone, report.address) == ("voice", CALLER, "市南区香港中路8号")
    assert "垃圾桶" in report.description
    assert " ".join(report.tracking_no[1:]) in _says(done)
    call = db.session.query(HotlineCall).filter_by(call_sid="CA2").one()
    assert call.report_id == report.id and call.call_type == "new_report"


def test_no_speech_falls_back_to_a_recording_for_an_agent(app, client):
    _call(client, "/twilio/voice/menu", "CA3", Digits="1")
    record = _call(client, "/twilio/voice/report/description", "CA3", SpeechResult="")
    assert record.find("Record").get("action").endswith("/twilio/voice/report/recording")
    _call(client, "/twilio/voice/report/recording", "CA3", RecordingUrl="https://api.twilio.com/rec/RE1")
    report = db.session.query(Report).one()
    callback = db.session.query(Callback).filter_by(kind="voice_recording").one()
    assert callback.report_id == report.id and callback.phone == CALLER
    call = db.session.query(HotlineCall).filter_by(call_sid="CA3").one()
    assert call.recording_url == "https://api.twilio.com/rec/RE1" and call.report_id == report.id


def test_status_by_typing_the_case_number(app, client):
    case = make_case(make_report(phone=CALLER), status="dispatched")
    _call(client, "/twilio/voice/menu", "CA4", Digits="2")
    digits = case.case_no.replace("C370202-", "").replace("-", "")
    answer = _call(client, "/twilio/voice/status", "CA4", Digits=digits)
    assert "处置中" in _says(answer)
    assert db.session.query(HotlineCall).filter_by(call_sid="CA4").one().case_id == case.id
    assert "没有找到" in _says(_call(client, "/twilio/voice/status", "CA5", Digits="123"))


def test_agent_no_answer_leaves_a_missed_call_callback(app, client, settings):
    settings.twilio_agent_number = "+15005550001"
    dial = _call(client, "/twilio/voice/menu", "CA6", Digits="3")
    assert dial.find("Dial").text == "+15005550001"
    assert dial.find("Dial").get("action").endswith("/twilio/voice/dial-result")
    _call(client, "/twilio/voice/dial-result", "CA6", DialCallStatus="no-answer")
    callback = db.session.query(Callback).filter_by(kind="missed_call").one()
    assert callback.phone == CALLER
    answered = _call(client, "/twilio/voice/dial-result", "CA7", DialCallStatus="completed")
    assert answered.find("Hangup") is not None
    assert db.session.query(Callback).count() == 1
