"""Twilio webhooks: signatures, retried deliveries, inbound SMS and status callbacks."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from notifications import outbox
from service_api.extensions import db
from service_api.models import Citizen, Notification, Rating, Report, Survey, WebhookReceipt
from tests.notifications.support import (  # noqa: F401
    close_case,
    fake_twilio,
    fake_twilio_server,
    make_case,
    make_report,
    post_twilio,
    sign,
    use_twilio,
)

PHONE = "+14155550161"


@pytest.fixture
def settings(settings, fake_twilio):  # noqa: F811
    return use_twilio(settings, fake_twilio)


def _sms(client, body: str, sid: str, phone: str = PHONE, **kw):
    return post_twilio(client, "/twilio/sms", {"From": phone, "To": "+15005550006", "Body": body,
                                               "MessageSid": sid}, **kw)


def _message(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return ElementTree.fromstring(response.data).findtext("Message")


@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/voice", "/twilio/status", "/twilio/voice/menu"])
def test_unsigned_or_badly_signed_requests_are_refused(app, client, path):
    params = {"From": PHONE, "Body": "井盖坏了很危险", "MessageSid": "SMx", "CallSid": "CAx"}
    assert client.post(path, data=params).status_code == 403
    assert post_twilio(client, path, params, signature="bm90LXRoZS1zaWduYXR1cmU=").status_code == 403
    # Signed for another URL (what a proxy's internal address would give) does not pass either.
    wrong = sign(path, params, base="http://10.0.0.5:5000")
    assert post_twilio(client, path, params, signature=wrong).status_code == 403
    assert db.session.query(Report).count() == 0


def test_inbound_sms_becomes_a_report_answered_with_its_tracking_number(app, client):
    text = _message(_sms(client, "香港中路8号门口井盖破损，很危险", "SMnew1"))
    report = db.session.query(Report).one()
    assert report.channel == "sms" and report.contact_phone == PHONE
    assert report.tracking_no in text
    # The TwiML reply is the receipt: no second SMS with the same news from the outbox.
    assert db.session.query(Notification).filter_by(kind="received", channel="sms").count() == 0


def test_an_sms_about_no_city_matter_is_told_where_to_turn_in_its_receipt(app, client, settings):
    # The TwiML reply is the SMS resident's only receipt, so intake's referral (12345 here) must be in it.
    settings.intake_inline = True
    text = _message(_sms(client, "我想问一下社保卡补办怎么弄", "SMnotcity"))
    assert "12345" in text and db.session.query(Report).one().tracking_no in text
    city = _message(_sms(client, "香港中路8号门口井盖破损，很危险", "SMcity"))
    assert "12345" not in city


def test_a_retried_webhook_is_handled_once(app, client):
    headers = {"I-Twilio-Idempotency-Token": "retry-token-1"}
    first = _sms(client, "中山路路灯不亮了好几天", "SMretry", headers=headers)
    second = _sms(client, "中山路路灯不亮了好几天", "SMretry", headers=headers)
    assert first.data == second.data
    assert db.session.query(Report).count() == 1
    assert db.session.query(WebhookReceipt).count() == 1


def test_status_query_by_case_number(app, client):
    report = make_report(phone=PHONE)
    case = make_case(report, status="dispatched")
    text = _message(_sms(client, f"查询 {case.case_no}", "SMq1"))
    assert case.case_no in text and "处置中" in text
    assert "未找到" in _message(_sms(client, "查询 C370202-20200101-99999", "SMq2"))
    # A tracking number is only told to the number that reported it.
    assert "未找到" in _message(_sms(client, f"查询 {report.tracking_no}", "SMq3", phone="+14155550999"))
    assert db.session.query(Report).count() == 1


@pytest.mark.parametrize("keyword", ["STOP", "退订", "td"])
def test_opt_out_and_back_in(app, client, keyword):
    assert "退订" in _message(_sms(client, keyword, f"SMstop-{keyword}"))
    citizen = db.session.query(Citizen).filter_by(phone=PHONE).one()
    assert citizen.sms_opted_out and citizen.sms_opted_out_at is not None
    assert "恢复" in _message(_sms(client, "订阅", f"SMstart-{keyword}"))
    db.session.refresh(citizen)
    assert not citizen.sms_opted_out
    assert db.session.query(Report).count() == 0


def test_status_callbacks_update_delivery_state(app, client):
    report = make_report(phone=PHONE)
    row = Notification(kind="closed", channel="sms", recipient=PHONE, report_id=report.id, body="x",
                       status="sent", provider_id="SMabc", provider_status="queued")
    other = Notification(kind="closed", channel="sms", recipient=PHONE, report_id=report.id, body="y",
                         status="sent", provider_id="SMdef", provider_status="queued")
    db.session.add_all([row, other])
    db.session.commit()
    assert post_twilio(client, "/twilio/status", {"MessageSid": "SMabc", "MessageStatus": "delivered"}).status_code \
        == 204
    # A late "sent" does not move a delivered message back.
    post_twilio(client, "/twilio/status", {"MessageSid": "SMabc", "MessageStatus": "sent"})
    post_twilio(client, "/twilio/status", {"MessageSid": "SMdef", "MessageStatus": "undelivered",
                                           "ErrorCode": "21610"})
    db.session.expire_all()
    assert (row.status, row.provider_status) == ("delivered", "delivered")
    assert other.status == "failed" and "21610" in other.last_error
    assert db.session.query(Citizen).filter_by(phone=PHONE).one().sms_opted_out


def _pending_survey() -> Survey:
    """A closed case of PHONE whose SMS survey invitation has gone out."""
    case = make_case(make_report(phone=PHONE))
    close_case(case)
    for claimed in outbox.claim_due():
        outbox.deliver(claimed.id, claimed.token)
    survey = db.session.query(Survey).one()
    assert survey.status == "pending"
    return survey


@pytest.mark.parametrize("body", [
    "3号楼门口井盖丢了，很危险，请尽快处理",
    "1号线地铁站口垃圾满了没人清",
    "２栋楼下路灯坏了好几天了",
])
def test_a_report_starting_with_a_digit_is_not_a_survey_answer(app, client, body):
    survey = _pending_survey()
    text = _message(_sms(client, body, "SMdigit"))
    assert "评价" not in text and "受理编号" in text
    assert db.session.query(Rating).count() == 0
    assert db.session.get(Survey, survey.id).status == "pending"
    new = db.session.query(Report).filter(Report.id != survey.report_id).one()
    assert new.description == body and new.channel == "sms"
    assert not db.session.get(Report, survey.report_id).case.needs_review


@pytest.mark.parametrize(("body", "rating", "solved"), [
    ("3", "unsatisfied", None),
    ("1。", "satisfied", None),
    ("2 基本满意", "basically_satisfied", None),
    ("3不满意，未解决", "unsatisfied", False),
    ("3 还没解决，井盖还是松的", "unsatisfied", False),
])
def test_a_bare_digit_or_a_digit_with_rating_words_is_an_answer(app, client, body, rating, solved):
    survey = _pending_survey()
    assert "评价" in _message(_sms(client, body, "SManswer"))
    answer = db.session.query(Rating).one()
    assert (answer.report_id, answer.rating, answer.solved) == (survey.report_id, rating, solved)
    assert db.session.query(Report).count() == 1


def test_status_query_with_full_width_dashes(app, client):
    case = make_case(make_report(phone=PHONE), status="dispatched")
    text = _message(_sms(client, f"查询：{case.case_no.replace('-', '－').lower()}", "SMqfw"))
    assert case.case_no in text and "处置中" in text
