"""Satisfaction surveys (回访): who is asked how, answers by SMS and IVR, reminders and expiry."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest

from service_api.extensions import db
from service_api.feedback import surveys
from service_api.models import Callback, Case, Notification, Rating, Survey, utcnow
from tests.notifications.support import close_case, deliver_due, make_case, make_report, post_twilio, use_twilio

US_PHONE = "+14155550142"
CN_PHONE = "+8613800138000"


@pytest.fixture
def settings(settings, fake_twilio):
    return use_twilio(settings, fake_twilio)


def _sms_in(client, phone: str, body: str, sid: str) -> ElementTree.Element:
    response = post_twilio(client, "/twilio/sms", {"From": phone, "To": "+15005550006", "Body": body,
                                                   "MessageSid": sid})
    assert response.status_code == 200
    return ElementTree.fromstring(response.data)


def test_survey_waits_for_the_configured_delay(app, settings):
    settings.survey_delay_minutes = 120
    case = make_case(make_report(phone=US_PHONE))
    close_case(case)
    survey = db.session.query(Survey).one()
    invitation = db.session.query(Notification).filter_by(kind="survey").one()
    assert invitation.channel == "sms" and invitation.recipient == US_PHONE
    assert timedelta(minutes=119) < invitation.send_after - case.closed_at <= timedelta(minutes=121)
    assert survey.status == "scheduled" and survey.send_after == invitation.send_after
    deliver_due()
    db.session.refresh(invitation)
    assert invitation.status == "pending"  # not yet due


def test_sms_survey_end_to_end_with_two_way_sms(app, client, fake_twilio, settings):
    settings.survey_reopen_on_unsatisfied = True
    case = make_case(make_report(phone=US_PHONE))
    close_case(case)
    deliver_due()
    invitation = [m for m in fake_twilio.sent_to(US_PHONE) if "回复1满意" in m["body"]]
    assert len(invitation) == 1 and case.case_no in invitation[0]["body"]
    assert db.session.query(Survey).one().status == "pending"

    reply = _sms_in(client, US_PHONE, "3 还没解决，井盖还是松的", "SMsurvey1")
    assert "感谢" in reply.findtext("Message") and "复核" in reply.findtext("Message")
    rating = db.session.query(Rating).one()
    assert (rating.rating, rating.solved, rating.channel) == ("unsatisfied", False, "sms")
    assert "井盖还是松的" in rating.comment
    case = db.session.get(Case, case.id)
    assert case.needs_review and case.status == "reopened"
    assert db.session.query(Survey).one().status == "answered"
    told = db.session.query(Notification).filter_by(kind="reopened", channel="sms").one()
    assert told.recipient == US_PHONE


def test_satisfied_answer_does_not_flag(app, client):
    case = make_case(make_report(phone=US_PHONE))
    close_case(case)
    deliver_due()
    reply = _sms_in(client, US_PHONE, "满意，谢谢", "SMsurvey2")
    assert "满意" in reply.findtext("Message")
    assert db.session.query(Rating).one().rating == "satisfied"
    assert not db.session.get(Case, case.id).needs_review


def test_mainland_numbers_get_a_link_and_an_agent_callback(app, fake_twilio):
    case = make_case(make_report(phone=CN_PHONE))
    close_case(case)
    deliver_due()
    invitation = [m for m in fake_twilio.sent_to(CN_PHONE) if "评价" in m["body"]]
    assert len(invitation) == 1 and "回复1" not in invitation[0]["body"]
    assert "http://testserver.local/r/" in invitation[0]["body"]
    callback = db.session.query(Callback).filter_by(kind="survey").one()
    assert callback.case_id == case.id and callback.phone == CN_PHONE


def test_each_resident_is_surveyed_once_per_case(app):
    first = make_report(phone=US_PHONE)
    case = make_case(first)
    second = make_report(phone=US_PHONE, description="同一个井盖又被撞了")
    second.case_id = case.id
    db.session.commit()
    close_case(case)
    assert db.session.query(Survey).count() == 1
    assert db.session.query(Notification).filter_by(kind="survey").count() == 1


def test_reminder_once_after_a_day_then_expiry(app, fake_twilio):
    case = make_case(make_report(phone=US_PHONE))
    close_case(case)
    deliver_due()
    now = utcnow()
    assert surveys.send_reminders(now + timedelta(hours=23)) == 0
    assert surveys.send_reminders(now + timedelta(hours=25)) == 1
    assert surveys.send_reminders(now + timedelta(hours=30)) == 0  # only once
    reminder = db.session.query(Notification).filter_by(kind="survey_reminder").one()
    assert reminder.channel == "sms" and case.case_no in reminder.body
    assert surveys.expire_unanswered(now + timedelta(hours=40)) == 0
    assert surveys.expire_unanswered(now + timedelta(hours=50)) == 1
    assert db.session.query(Survey).one().status == "expired"


def test_ivr_survey_call(app, client, settings, fake_twilio):
    settings.survey_cn_mode = "voice"
    case = make_case(make_report(phone=CN_PHONE), outcome="已更换井盖，报修人电话 138 1234 1234")
    close_case(case)
    deliver_due()
    calls = [c for c in fake_twilio.calls if c["to"] == CN_PHONE]
    assert len(calls) == 1
    row = db.session.query(Notification).filter_by(channel="voice").one()
    assert calls[0]["url"] == f"http://testserver.local/twilio/voice/outbound?n={row.id}"

    twiml = ElementTree.fromstring(post_twilio(client, f"/twilio/voice/outbound?n={row.id}",
                                               {"CallSid": "CAsurvey1", "To": CN_PHONE, "From": "+15005550006"}).data)
    gather = twiml.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    says = [s for s in gather.iter("Say")]
    assert all(s.get("language") == "zh-CN" for s in says)
    assert "满意请按1" in "".join(s.text for s in says)
    # The outcome is read out with phone numbers in it masked, as on every page that shows it.
    assert "已更换井盖，报修人电话138****1234" in "".join(s.text for s in says).replace(" ", "")
    assert "1234 1234" not in "".join(s.text for s in says)

    answer = ElementTree.fromstring(post_twilio(client, f"/twilio/voice/survey/answer?n={row.id}",
                                                {"CallSid": "CAsurvey1", "To": CN_PHONE, "Digits": "2"}).data)
    assert db.session.query(Rating).one().rating == "basically_satisfied"
    solved_url = answer.find("Gather").get("action")
    path = solved_url.removeprefix("http://testserver.local")
    post_twilio(client, path, {"CallSid": "CAsurvey1", "To": CN_PHONE, "Digits": "2"})
    db.session.expire_all()
    rating = db.session.query(Rating).one()
    assert rating.channel == "voice" and rating.solved is False
    assert db.session.get(Case, case.id).needs_review
