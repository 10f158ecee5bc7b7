"""GET /api/v1/me/notifications: a resident's own in-app messages; marking them read."""

from __future__ import annotations

from flask import g

from service_api.auth.tokens import issue_citizen_token
from service_api.extensions import db
from service_api.models import Notification, utcnow
from tests.notifications.support import make_report


def _get(client, url: str, token: str | None, method: str = "get"):
    g.pop("principal", None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return getattr(client, method)(url, headers=headers)


def _inapp(report, body: str, status: str = "sent") -> Notification:
    row = Notification(kind="closed", channel="inapp", citizen_id=report.citizen_id, report_id=report.id,
                       body=body, status=status, sent_at=utcnow() if status == "sent" else None)
    db.session.add(row)
    db.session.commit()
    return row


def test_list_and_mark_read(app, client):
    mine = make_report(phone="+8613800000011", channel="miniprogram")
    theirs = make_report(phone="+8613800000012", channel="miniprogram")
    first, second = _inapp(mine, "第一条"), _inapp(mine, "第二条")
    _inapp(mine, "还没发出", status="pending")
    foreign = _inapp(theirs, "别人的")
    token = issue_citizen_token(mine.citizen_id)

    listed = _get(client, "/api/v1/me/notifications", token).get_json()
    assert [i["body"] for i in listed["items"]] == ["第二条", "第一条"]
    assert listed["unread"] == 2 and listed["total"] == 2

    read = _get(client, f"/api/v1/me/notifications/{first.id}/read", token, "post")
    assert read.status_code == 200 and read.get_json()["read"] is True
    unread = _get(client, "/api/v1/me/notifications?unread=true", token).get_json()
    assert [i["id"] for i in unread["items"]] == [second.id] and unread["unread"] == 1

    assert _get(client, f"/api/v1/me/notifications/{foreign.id}/read", token, "post").status_code == 404
    assert _get(client, "/api/v1/me/notifications/read-all", token, "post").get_json() == {"marked": 1}
    db.session.refresh(foreign)
    assert foreign.read_at is None


def test_requires_a_resident(app, client):
    assert _get(client, "/api/v1/me/notifications", None).status_code == 401


def test_messages_of_reports_filed_with_my_phone_from_any_channel(app, client):
    """Signed in by SMS code: the messages of every report /me/reports lists, not only account-linked ones."""
    from service_api import numbers
    from service_api.models import Citizen, Report

    me = Citizen(phone="+8613912345678")
    someone = Citizen(wechat_openid="o-chatbot-user")  # the chatbot's resident, who gave my phone as contact
    db.session.add_all([me, someone])
    db.session.flush()
    anonymous = Report(tracking_no=numbers.new_tracking_no(), channel="miniprogram", description="井盖丢了",
                       contact_phone="+8613912345678", intake_status="done")
    chatbot = Report(tracking_no=numbers.new_tracking_no(), channel="chatbot", description="路灯不亮",
                     contact_phone="+8613912345678", citizen_id=someone.id, intake_status="done")
    db.session.add_all([anonymous, chatbot])
    db.session.flush()
    sms = Notification(kind="registered", channel="sms", recipient="+8613912345678", report_id=anonymous.id,
                       body="匿名反映已立案", status="sent", sent_at=utcnow())
    db.session.add(sms)
    _inapp(chatbot, "智能客服反映已办结")
    stranger = make_report(phone="+8613800000099", channel="miniprogram")
    _inapp(stranger, "别人的")
    token = issue_citizen_token(me.id)

    reports = _get(client, "/api/v1/me/reports", token).get_json()
    assert {r["tracking_no"] for r in reports["items"]} == {anonymous.tracking_no, chatbot.tracking_no}
    listed = _get(client, "/api/v1/me/notifications", token).get_json()
    assert sorted(i["body"] for i in listed["items"]) == ["匿名反映已立案", "智能客服反映已办结"]
    assert listed["unread"] == 2
    read = _get(client, f"/api/v1/me/notifications/{sms.id}/read", token, "post")
    assert read.status_code == 200 and read.get_json()["read"] is True
    assert _get(client, "/api/v1/me/notifications/read-all", token, "post").get_json() == {"marked": 1}
