"""Sign-in for residents and staff."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

from service_api.extensions import db
from service_api.models import Notification


class FakeWechat(BaseHTTPRequestHandler):
    """jscode2session: code 'good-code' → openid 'o-123'; anything else → errcode 40029."""

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        ok = urlparse(self.path).path == "/sns/jscode2session" and query.get("js_code") == ["good-code"]
        body = b'{"openid": "o-123", "session_key": "k"}' if ok else b'{"errcode": 40029, "errmsg": "invalid code"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_wechat_login_issues_a_token_that_reads_my_reports(app, client):
    server = HTTPServer(("127.0.0.1", 0), FakeWechat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.extensions["settings"].wechat_api_base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert client.post("/api/v1/auth/wechat", json={"code": "bad"}).status_code == 401
        token = client.post("/api/v1/auth/wechat", json={"code": "good-code"}).json["access_token"]
        again = client.post("/api/v1/auth/wechat", json={"code": "good-code"}).json
        assert again["citizen_id"] is not None
    finally:
        server.shutdown()
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/api/v1/reports", json={"description": "路灯坏了"}, headers=headers)
    assert client.get("/api/v1/me/reports", headers=headers).json["total"] == 1


def test_wechat_unreachable_is_503(client):
    response = client.post("/api/v1/auth/wechat", json={"code": "x"})
    assert response.status_code == 503


def test_sms_code_login(client):
    assert client.post("/api/v1/auth/sms-code", json={"phone": "13900001111"}).status_code == 202
    assert client.post("/api/v1/auth/sms-code", json={"phone": "13900001111"}).status_code == 429
    message = db.session.query(Notification).filter_by(kind="login_code").one()
    assert message.urgent and message.recipient == "+8613900001111"
    code = "".join(ch for ch in message.body.split("验证码为")[1][:6])
    wrong = "000000" if code != "000000" else "111111"
    assert client.post("/api/v1/auth/sms-login", json={"phone": "13900001111", "code": wrong}).status_code == 401
    ok = client.post("/api/v1/auth/sms-login", json={"phone": "13900001111", "code": code})
    assert ok.status_code == 200 and ok.json["access_token"].startswith("c.")
    replay = client.post("/api/v1/auth/sms-login", json={"phone": "13900001111", "code": code})
    assert replay.status_code == 401


def test_staff_token_and_lockout(client, make_staff):
    user, _ = make_staff("dispatcher", username="wangqiang")
    for _ in range(5):
        bad = client.post("/api/v1/auth/staff-token", json={"username": "wangqiang", "password": "wrong"})
        assert bad.status_code == 401
    locked = client.post("/api/v1/auth/staff-token", json={"username": "wangqiang", "password": "correct-horse-1"})
    assert locked.status_code == 423


def test_staff_token_works(client, make_staff):
    make_staff("reviewer", username="zhaomin")
    response = client.post("/api/v1/auth/staff-token", json={"username": "zhaomin", "password": "correct-horse-1"})
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json['access_token']}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200


def test_staff_cli_creates_user(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["staff", "create-user", "lijing", "--role", "agent", "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["staff", "create-user", "lijing", "--role", "agent", "--password", "s3cret-pass"])
    assert result.exit_code != 0 and "already exists" in result.output
