"""After DELETE /api/v1/me the account's token is dead everywhere: every endpoint taking a resident token answers
401 "账号不存在或已注销", reads nothing and files nothing as that account (a client then files anonymously)."""

from __future__ import annotations

import pytest

from service_api.extensions import db
from service_api.models import Citizen, Notification, Report

PHONE = "13905321234"
GONE = "账号不存在或已注销"


def _sign_in(client) -> str:
    """A resident signs in by SMS code, as the web app and the mini-program do."""
    assert client.post("/api/v1/auth/sms-code", json={"phone": PHONE}).status_code == 202
    message = db.session.query(Notification).filter_by(kind="login_code").order_by(Notification.id.desc()).first()
    code = message.body.split("验证码为")[1][:6]
    signed_in = client.post("/api/v1/auth/sms-login", json={"phone": PHONE, "code": code})
    assert signed_in.status_code == 200
    return signed_in.get_json()["access_token"]


@pytest.fixture
def erased(client) -> tuple[dict[str, str], int]:
    token = _sign_in(client)
    headers = {"Authorization": f"Bearer {token}"}
    filed = client.post("/api/v1/reports", json={"description": "香港中路12号门口垃圾桶满了"}, headers=headers)
    assert filed.status_code == 201
    assert client.get("/api/v1/me/reports", headers=headers).get_json()["total"] == 1
    citizen_id = db.session.query(Report).one().citizen_id
    assert client.delete("/api/v1/me", headers=headers).status_code == 204
    return headers, citizen_id


# Every endpoint that acts for the signed-in resident.
RESIDENT_ENDPOINTS = [
    ("get", "/api/v1/me/reports", None),
    ("get", "/api/v1/me/notifications", None),
    ("post", "/api/v1/me/notifications/read-all", None),
    ("get", "/api/v1/me/export", None),
    ("delete", "/api/v1/me", None),
    ("post", "/api/v1/me/reports/claim", {"access_tokens": ["rpt_x"]}),
    ("post", "/api/v1/reports", {"description": "香港中路12号门口垃圾桶又满了"}),
    ("post", "/api/v1/intake/preview", {"text": "垃圾桶满了"}),
    ("post", "/api/v1/chat", {"message": "你好"}),
]


@pytest.mark.parametrize(("method", "path", "body"), RESIDENT_ENDPOINTS)
def test_an_erased_accounts_token_is_refused_everywhere(client, erased, method, path, body) -> None:
    headers, _ = erased
    response = getattr(client, method)(path, headers=headers, **({"json": body} if body is not None else {}))
    assert response.status_code == 401, (path, response.get_json())
    assert GONE in response.get_json()["message"]


def test_an_erased_account_files_nothing_and_the_client_files_anonymously(client, erased) -> None:
    headers, citizen_id = erased
    refused = client.post("/api/v1/reports", json={"description": "香港中路12号门口垃圾桶又满了"}, headers=headers)
    assert refused.status_code == 401 and db.session.query(Report).count() == 1
    anonymous = client.post("/api/v1/reports", json={"description": "香港中路12号门口垃圾桶又满了"})
    assert anonymous.status_code == 201
    assert db.session.query(Report).filter(Report.citizen_id.isnot(None)).count() == 0
    assert db.session.get(Citizen, citizen_id) is None


def test_a_new_account_given_the_same_id_does_not_revive_the_old_token(client, erased) -> None:
    """The embedded SQLite database may hand the erased account's id to the next new account."""
    headers, citizen_id = erased
    db.session.add(Citizen(id=citizen_id, phone="+8613800138000"))
    db.session.commit()
    response = client.get("/api/v1/me/reports", headers=headers)
    assert response.status_code == 401 and GONE in response.get_json()["message"]
