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
