"""The SMS survey link (SURVEY_CN_MODE link/callback): the resident rates on the page it opens, and signing in
by SMS code with the phone a report was filed with shows that report."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import g

from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Callback, Case, CaseEvent, Notification, Rating, Survey, utcnow
from tests.notifications.support import close_case, deliver_due, make_case, make_report, use_twilio

CN_PHONE = "+8613800138000"


@pytest.fixture
def settings(settings, fake_twilio):
    return use_twilio(settings, fake_twilio)


def _link_in_sms(fake_twilio, phone: str) -> str:
    bodies = [m["body"] for m in fake_twilio.sent_to(phone) if "评价" in m["body"]]
    assert len(bodies) == 1, bodies
    link = re.search(r"https?://\S+", bodies[0]).group(0)
    parts = urlsplit(link)
    return parts.path + "?" + parts.query


def test_the_sms_link_rates_there_and_then(app, client, fake_twilio):
    report = make_report(phone=CN_PHONE, channel="hotline")
    case = make_case(report, outcome="已更换井盖")
    close_case(case)
    deliver_due()
    link = _link_in_sms(fake_twilio, CN_PHONE)
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="rating-form"' in html and "已更换井盖" in html
    token = re.search(r'name="t" value="([^"]+)"', html).group(1)

    posted = client.post(f"/r/{report.tracking_no}/rating",
                         data={"t": token, "rating": "basically_satisfied", "solved": "yes", "comment": "修得挺快"})
    assert posted.status_code == 303
    thanks = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "感谢您的评价（基本满意）" in thanks
    rating = db.session.query(Rating).one()
    assert (rating.rating, rating.solved, rating.comment, rating.channel) == (
        "basically_satisfied", True, "修得挺快", "sms")
    assert db.session.query(Survey).one().status == "answered"
    # The agent's callback for this survey is done: nobody phones a resident who answered.
    assert db.session.query(Callback).filter_by(kind="survey").one().status == "done"


def test_a_tampered_or_foreign_token_rates_nothing(app, client, fake_twilio):
    mine = make_report(phone=CN_PHONE, channel="hotline")
    close_case(make_case(mine))
    other = make_report(phone="+8613900139000", channel="hotline")
    close_case(make_case(other))
    deliver_due()
    token = _link_in_sms(fake_twilio, CN_PHONE).split("?t=")[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for tracking_no, value in ((mine.tracking_no, tampered), (other.tracking_no, token), (mine.tracking_no, "")):
        response = client.post(f"/r/{tracking_no}/rating", data={"t": value, "rating": "unsatisfied"})
        assert response.status_code == 403
        assert "评价链接无效" in response.get_data(as_text=True)
    assert db.session.query(Rating).count() == 0


def test_the_link_expires_with_its_survey_and_with_a_reopen(app, client, fake_twilio):
    report = make_report(phone=CN_PHONE, channel="hotline")
    case = make_case(report)
    close_case(case)
    deliver_due()
    link = _link_in_sms(fake_twilio, CN_PHONE)
    token = link.split("?t=")[1]
    survey = db.session.query(Survey).one()
    survey.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(link)
    assert page.status_code == 410 and "本次评价已结束" in page.get_data(as_text=True)
    assert 'id="rating-form"' not in page.get_data(as_text=True)
    assert client.post(f"/r/{report.tracking_no}/rating",
                       data={"t": token, "rating": "satisfied"}).status_code == 410

    survey.expires_at = utcnow() + timedelta(hours=5)
    db.session.commit()
    apply_transition(db.session.get(Case, case.id), TransitionRequest("reopen", note="复查"), SYSTEM)
    db.session.commit()
    assert client.get(link).status_code == 410
    assert db.session.query(Rating).count() == 0


def test_a_bad_form_is_answered_in_words_and_nothing_is_lost(app, client, fake_twilio):
    report = make_report(phone=CN_PHONE, channel="hotline")
    close_case(make_case(report))
    deliver_due()
    token = _link_in_sms(fake_twilio, CN_PHONE).split("?t=")[1]
    response = client.post(f"/r/{report.tracking_no}/rating", data={"t": token, "comment": "灯还是不亮"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请选择您对办理结果的满意程度" in html and "灯还是不亮" in html  # the comment is kept in the form
    assert db.session.query(Rating).count() == 0


def _sms_sign_in(client, phone: str) -> dict[str, str]:
    assert client.post("/api/v1/auth/sms-code", json={"phone": phone}).status_code == 202
    message = db.session.query(Notification).filter_by(kind="login_code").order_by(Notification.id.desc()).first()
    code = message.body.split("验证码为")[1][:6]
    response = client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": code})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def test_sms_sign_in_shows_and_rates_what_was_filed_with_that_phone(app, client):
    # Filed in the mini-program without signing in, the number typed the way people type it.
    created = client.post("/api/v1/reports", json={
        "description": "香港中路8号门口井盖丢了", "address": "香港中路8号",
        "contact": {"phone": "138 0013 8000"}}).json
    report_id = created["id"]
    g.pop("principal", None)
    headers = _sms_sign_in(client, "+8613800138000")
    g.pop("principal", None)
    mine = client.get("/api/v1/me/reports", headers=headers).json
    assert [item["tracking_no"] for item in mine["items"]] == [created["tracking_no"]]

    from service_api.models import Report
    report = db.session.get(Report, report_id)
    case = report.case or make_case(report)
    case.status = "verified"
    db.session.commit()
    close_case(case)
    g.pop("principal", None)
    rated = client.post(f"/api/v1/reports/{report_id}/rating", json={"rating": "satisfied"}, headers=headers)
    assert rated.status_code == 200
    assert db.session.query(CaseEvent).filter_by(case_id=case.id, action="rating").count() == 1
