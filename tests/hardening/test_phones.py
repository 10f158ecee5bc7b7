"""One resident, one number (issue 17, item 13): however a phone is written it is stored, compared and sent in
E.164; what is not a phone number is refused with a Chinese message instead of being cut and stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask import g

from notifications import outbox
from service_api.extensions import db
from service_api.models import Citizen, Notification, Report, utcnow
from tests.notifications.support import fake_twilio, fake_twilio_server, use_twilio  # noqa: F401  (fixtures)
from tests.staff.conftest import staff_client  # noqa: F401  (fixture)

CANONICAL = "+8613800138000"
FORMS = ("13800138000", "+8613800138000", "+86 138-0013-8000", "138 0013 8000", "008613800138000",
         "１３８００１３８０００", "＋８６　１３８－００１３－８０００")


def call(client, method: str, url: str, headers: dict[str, str] | None = None, **kw: Any):
    g.pop("principal", None)
    return getattr(client, method)(url, headers=headers or {}, **kw)


def hotline_report(client, service_headers, phone: str):
    return call(client, "post", "/api/v1/reports", service_headers, json={
        "description": "香港中路12号门口的井盖丢了", "address": "香港中路12号", "channel": "hotline",
        "contact": {"phone": phone}})


@pytest.mark.parametrize("form", FORMS)
def test_every_written_form_is_stored_as_one_number(client, form) -> None:
    created = call(client, "post", "/api/v1/reports", json={
        "description": "路灯不亮了", "address": "山东路", "contact": {"phone": form}})
    assert created.status_code == 201, created.json
    assert db.session.get(Report, created.json["id"]).contact_phone == CANONICAL


@pytest.mark.parametrize("bad", ["1" * 40, "13800138000138001380001380013800", "12345", "电话号码", "+86 123"])
def test_what_is_not_a_phone_number_is_422_and_nothing_is_stored(client, bad) -> None:
    response = call(client, "post", "/api/v1/reports", json={
        "description": "路灯不亮了", "address": "山东路", "contact": {"phone": bad}})
    assert response.status_code == 422
    assert "电话号码" in str(response.json["errors"])
    assert db.session.query(Report).count() == 0
    assert call(client, "post", "/api/v1/auth/sms-code", json={"phone": bad}).status_code == 422
    assert db.session.query(Notification).count() == 0


def test_the_same_caller_written_three_ways_is_one_resident(client, service_headers) -> None:
    for form in ("+8613800138000", "13800138000", "+86 138-0013-8000"):
        assert hotline_report(client, service_headers, form).status_code == 201
    assert db.session.query(Citizen).count() == 1
    assert {r.citizen_id for r in db.session.query(Report)} == {db.session.query(Citizen).one().id}


def test_sms_sign_in_reaches_the_resident_known_from_the_hotline(client, service_headers) -> None:
    hotline_report(client, service_headers, "13800138000")
    known = db.session.query(Citizen).one()
    assert call(client, "post", "/api/v1/auth/sms-code", json={"phone": "+86 138 0013 8000"}).status_code == 202
    message = db.session.query(Notification).filter_by(kind="login_code").one()
    assert message.recipient == CANONICAL
    code = message.body.split("验证码为")[1][:6]
    login = call(client, "post", "/api/v1/auth/sms-login", json={"phone": "１３８００１３８０００", "code": code})
    assert login.status_code == 200, login.json
    assert login.json["citizen_id"] == known.id and db.session.query(Citizen).count() == 1


def test_an_opt_out_holds_however_the_number_is_written_next_time(client, service_headers) -> None:
    db.session.add(Citizen(phone=CANONICAL, sms_opted_out=True, sms_opted_out_at=utcnow()))  # replied 退订
    db.session.commit()
    created = hotline_report(client, service_headers, "138-0013-8000")
    assert created.status_code == 201
    assert db.session.query(Notification).filter_by(channel="sms").count() == 0


@pytest.fixture
def settings(settings, fake_twilio):  # noqa: F811  (every test here runs against the fake Twilio)
    return use_twilio(settings, fake_twilio)


def test_twilio_is_sent_the_e164_number(app, fake_twilio) -> None:  # noqa: F811
    row = Notification(kind="closed", channel="sms", recipient="138 0013 8000", body="【城市管理】测试",
                       send_after=utcnow())
    db.session.add(row)
    db.session.commit()
    claimed = [c for c in outbox.claim_due() if c.id == row.id]
    assert outbox.deliver(row.id, claimed[0].token) == "sent"
    assert [m["body"] for m in fake_twilio.sent_to(CANONICAL)] == ["【城市管理】测试"]


def test_agent_typing_a_forty_digit_number_is_told_not_cut(staff_client) -> None:  # noqa: F811
    agent, _ = staff_client("agent")
    response = agent.post_form("/staff/calls/new", {
        "phone": "1" * 40, "call_type": "new_report", "description": "香港中路12号门口的井盖丢了",
        "address": "香港中路12号"}, page="/staff/calls/new")
    assert response.status_code == 422 and "电话号码过长" in response.get_data(as_text=True)
    assert db.session.query(Report).count() == 0
