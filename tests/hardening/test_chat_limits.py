"""POST /api/v1/chat limits: per conversation, with a per-address ceiling sized for carrier NAT and proxies."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SESSION_LIMIT = 30  # CHAT_LIMIT_PER_SESSION default: 30/minute
CGNAT_ADDRESS = "100.64.0.9"  # RFC 6598 shared address space: one carrier address, many phones


class EchoRasa:
    """Rasa's REST webhook on a local port, answering every message with one line."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                data = json.dumps([{"text": "好的"}], ensure_ascii=False).encode()
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
def rasa() -> Iterator[EchoRasa]:
    fake = EchoRasa()
    yield fake
    fake.close()


def _session() -> str:
    return f"anon:{uuid.uuid4()}"


def _chat(client, session: str | None, ip: str = CGNAT_ADDRESS, **headers: str):
    if session:
        headers["X-Chat-Session"] = session
    return client.post("/api/v1/chat", json={"message": "你好"}, environ_base={"REMOTE_ADDR": ip}, headers=headers)


def test_residents_behind_one_address_each_get_their_own_budget(limited_app_factory, rasa) -> None:
    """Forty residents behind one CGNAT address chat at once: none is refused for the others' messages."""
    app = limited_app_factory(rasa_url=rasa.url)
    client = app.test_client()
    sessions = [_session() for _ in range(40)]
    for _ in range(3):
        for session in sessions:
            response = _chat(client, session)
            assert response.status_code == 200, response.get_json()
    # 120 messages from one address so far: the old 30-a-minute per-address limit would have refused 90 of them


def test_one_conversation_is_limited_with_a_clear_chinese_message(limited_app_factory, rasa) -> None:
    app = limited_app_factory(rasa_url=rasa.url)
    client = app.test_client()
    session = _session()
    for _ in range(SESSION_LIMIT):
        assert _chat(client, session).status_code == 200
    refused = _chat(client, session)
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["code"] == "too_many_requests" and body["message"] == "您发送消息太快了，请稍等片刻再发。"
    assert int(refused.headers["Retry-After"]) > 0
    # another resident on the same address is unaffected
    assert _chat(client, _session()).status_code == 200


def test_a_signed_in_resident_is_limited_per_account(limited_app_factory, rasa) -> None:
    """Changing the session header does not give a signed-in resident a new budget."""
    from service_api.auth.tokens import issue_citizen_token
    from service_api.extensions import db
    from service_api.models import Citizen

    app = limited_app_factory(rasa_url=rasa.url)
    with app.app_context():
        person = Citizen(phone="13800000077")
        db.session.add(person)
        db.session.commit()
        token = issue_citizen_token(person.id)
    client = app.test_client()
    for _ in range(SESSION_LIMIT):
        assert _chat(client, _session(), Authorization=f"Bearer {token}").status_code == 200
    assert _chat(client, _session(), Authorization=f"Bearer {token}").status_code == 429


def test_one_address_has_a_ceiling(limited_app_factory, rasa) -> None:
    """A flood from one machine (fresh sessions every time) stops at the per-address ceiling, with its own message;
    other addresses go on."""
    app = limited_app_factory(rasa_url=rasa.url, chat_limit_per_address="50/minute")
    client = app.test_client()
    for _ in range(50):
        assert _chat(client, None, ip="203.0.113.50").status_code == 200
    refused = _chat(client, None, ip="203.0.113.50")
    assert refused.status_code == 429
    assert refused.get_json()["message"] == "当前网络下咨询的人较多，请稍后再试，或拨打 12345 热线反映问题。"
    assert _chat(client, None, ip="203.0.113.51").status_code == 200


def test_the_ceiling_counts_the_real_client_behind_a_proxy(limited_app_factory, rasa) -> None:
    """Behind the city's proxy (TRUSTED_PROXIES=1) the ceiling is per resident address, not the proxy's."""
    app = limited_app_factory(rasa_url=rasa.url, chat_limit_per_address="5/minute", trusted_proxies=1)
    client = app.test_client()
    for _ in range(5):
        assert _chat(client, None, ip="10.0.0.2", **{"X-Forwarded-For": "198.51.100.7"}).status_code == 200
    assert _chat(client, None, ip="10.0.0.2", **{"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert _chat(client, None, ip="10.0.0.2", **{"X-Forwarded-For": "198.51.100.8"}).status_code == 200


def test_limits_are_configured_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from service_api.config import Settings

    monkeypatch.setenv("CHAT_LIMIT_PER_SESSION", "20/minute")
    monkeypatch.setenv("CHAT_LIMIT_PER_ADDRESS", "3000/minute")
    settings = Settings()
    assert (settings.chat_limit_per_session, settings.chat_limit_per_address) == ("20/minute", "3000/minute")
