"""POST /api/v1/chat: the mini-program talks to the assistant through the API, never to Rasa directly."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import g

from service_api.extensions import db

READ_BACK = "您反映的是【暴露垃圾】问题，位置在【香港中路12号附近】，对吗？"
BUTTONS = [{"title": "对，提交", "payload": "/affirm"}, {"title": "不对，修改", "payload": "/deny"}]


class FakeRasa:
    """Rasa's REST webhook on a local port: records what it got, answers like the assistant."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.received.append(body)
                fake.paths.append(self.path)
                replies = [{"recipient_id": body["sender"], "text": READ_BACK, "buttons": BUTTONS},
                           {"recipient_id": body["sender"], "image": "http://127.0.0.1:5000/api/v1/photos/p1/thumb"}]
                data = json.dumps(replies, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rasa(app) -> Iterator[FakeRasa]:
    fake = FakeRasa()
    app.extensions["settings"].rasa_url = fake.url
    yield fake
    fake.close()


def chat(client, message: str, headers: dict[str, str] | None = None, **extra: Any):
    # The `app` fixture keeps one app context (and so one `g`) across requests; forget the last caller.
    g.pop("principal", None)
    return client.post("/api/v1/chat", json={"message": message, **extra}, headers=headers or {})


def test_anonymous_chat_gets_a_session_and_keeps_it(client, rasa):
    first = chat(client, "香港中路12号有暴露垃圾")
    assert first.status_code == 200, first.json
    session = first.json["session_id"]
    assert re.fullmatch(r"anon:[0-9a-f-]{36}", session)
    assert rasa.received[0] == {"sender": session, "message": "香港中路12号有暴露垃圾",
                                "metadata": {"public_base_url": "http://testserver.local"}}
    assert rasa.paths[0] == "/webhooks/metadata_rest/webhook"
    assert first.json["messages"] == [
        {"text": READ_BACK, "buttons": BUTTONS, "image": None},
        {"text": None, "buttons": [], "image": "http://127.0.0.1:5000/api/v1/photos/p1/thumb"},
    ]
    second = chat(client, "对", {"X-Chat-Session": session})
    assert second.json["session_id"] == session and rasa.received[1]["sender"] == session
    other = chat(client, "你好")
    assert other.json["session_id"] != session


def test_signed_in_resident_is_the_sender_and_cannot_be_spoofed(client, rasa):
    from service_api.auth.tokens import issue_citizen_token
    from service_api.models import Citizen

    citizen = Citizen(phone="13800000011")
    db.session.add(citizen)
    db.session.commit()
    headers = {"Authorization": f"Bearer {issue_citizen_token(citizen.id)}",
               "X-Chat-Session": "anon:0b9c6a52-5b0e-4a51-9a57-0f4a1d2e3c4b"}
    response = chat(client, "我上次反映的问题", headers)
    assert response.json["session_id"] == f"citizen:{citizen.id}"
    assert rasa.received[0]["sender"] == f"citizen:{citizen.id}"
    # an anonymous client cannot claim to be a resident through the session header
    forged = chat(client, "我上次反映的问题", {"X-Chat-Session": f"citizen:{citizen.id}"})
    assert forged.json["session_id"].startswith("anon:")
    assert rasa.received[1]["sender"].startswith("anon:")


def test_metadata_is_forwarded(client, rasa):
    location = {"lat": 36.062, "lng": 120.3845, "crs": "gcj02"}
    chat(client, "就在这里", metadata={"location": location, "photo_ids": ["p1"]})
    assert rasa.received[0]["metadata"] == {"location": location, "photo_ids": ["p1"],
                                            "public_base_url": "http://testserver.local"}


def test_the_bot_learns_the_public_base_url_and_the_account_phone_from_the_api(client, rasa, app):
    from service_api.auth.tokens import issue_citizen_token
    from service_api.models import Citizen

    app.extensions["settings"].public_base_url = "https://city.example.cn/"
    with_phone, without = Citizen(phone="13800000012"), Citizen(wechat_openid="o-chat-no-phone")
    db.session.add_all([with_phone, without])
    db.session.commit()
    # A client cannot tell the bot it has an account phone, nor where public pages are.
    forged = {"account": {"phone": "139****0000"}, "public_base_url": "https://evil.example"}
    chat(client, "路灯不亮", metadata=forged)
    assert rasa.received[0]["metadata"] == {"public_base_url": "https://city.example.cn"}
    chat(client, "路灯不亮", {"Authorization": f"Bearer {issue_citizen_token(with_phone.id)}"}, metadata=forged)
    assert rasa.received[1]["metadata"] == {"public_base_url": "https://city.example.cn",
                                            "account": {"phone": "138****0012"}}
    chat(client, "路灯不亮", {"Authorization": f"Bearer {issue_citizen_token(without.id)}"})
    assert rasa.received[2]["metadata"]["account"] == {"phone": None}


def test_rasa_down_is_a_503_json_error(client, app):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    app.extensions["settings"].rasa_url = f"http://127.0.0.1:{closed_port}"
    response = chat(client, "你好")
    assert response.status_code == 503
    assert response.json["code"] == "chatbot_unavailable" and "12345" in response.json["message"]


def test_bad_input_is_refused(client, rasa):
    assert chat(client, "").status_code == 422
    assert client.post("/api/v1/chat", json={"text": "你好"}).status_code == 422
    assert chat(client, "你好", {"Authorization": "Bearer nonsense"}).status_code == 401
    assert rasa.received == []


def test_openapi_declares_the_chat_session_header(client):
    """A client reading the API document (or Swagger UI's "Try it out") can continue an anonymous chat."""
    operation = client.get("/api/openapi.json").json["paths"]["/api/v1/chat"]["post"]
    headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
    assert "X-Chat-Session" in headers and "session_id" in headers["X-Chat-Session"]["description"]
