"""A small fake of Twilio's REST API (Messages and Calls), for tests and benchmarks.

The real `twilio` library talks to it over HTTP (settings.twilio_api_base). Behaviour can be scripted per
create request: "ok", "500", "429", "timeout" (answers after the client gave up, without creating),
"timeout_after_create" (creates the message, then answers too late), or a Twilio error code such as 21211.
Every request is counted, so callers can check that nothing was sent twice.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

ACCOUNT_SID = "AC" + "f" * 32
AUTH_TOKEN = "fake-twilio-auth-token"


class FakeTwilio:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN, port: int = 0) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.port = port
        self.lock = threading.Lock()
        self.script: deque[str] = deque()
        self.invalid_numbers: set[str] = set()
        self.opted_out: set[str] = set()
        self.latency = 0.0
        self.chaos: dict[str, float] = {}  # behaviour → probability for unscripted requests (fault benchmarks)
        self.slow_seconds = 2.0  # how late a "timeout" answer comes (above the client's timeout)
        self.reset()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # --- control ---------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.messages: list[dict[str, Any]] = []
            self.calls: list[dict[str, Any]] = []
            self.requests: list[tuple[str, str]] = []
            self.script.clear()
            self.invalid_numbers.clear()
            self.opted_out.clear()
            self.latency = 0.0
            self.chaos = {}

    def fail_next(self, *behaviours: str) -> None:
        with self.lock:
            self.script.extend(behaviours)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeTwilio:
        self._server = make_server("127.0.0.1", self.port, self.wsgi, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def sent_to(self, to: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if m["to"] == to]

    def creates(self) -> int:
        with self.lock:
            return sum(1 for method, path in self.requests if method == "POST")

    # --- HTTP --------------------------------------------------------------------------------------
    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.requests.append((request.method, request.path))
        auth = request.authorization
        if auth is None or auth.username != self.account_sid or auth.password != self.auth_token:
            return _error(401, 20003, "Authenticate")
        prefix = f"/2010-04-01/Accounts/{self.account_sid}/"
        if not request.path.startswith(prefix):
            return _error(404, 20404, "The requested resource was not found")
        resource = request.path[len(prefix):]
        if resource == "Messages.json":
            return self._create(request, self.messages, "SM") if request.method == "POST" else self._list(
                request, self.messages, "messages")
        if resource == "Calls.json":
            return self._create(request, self.calls, "CA") if request.method == "POST" else self._list(
                request, self.calls, "calls")
        return _error(404, 20404, "The requested resource was not found")

    def _create(self, request: Request, store: list[dict[str, Any]], prefix: str) -> Response:
        form = request.form
        to = form.get("To", "")
        with self.lock:
            behaviour = self.script.popleft() if self.script else self._roll()
            latency = self.latency
        if latency:
            time.sleep(latency)
        if behaviour == "500":
            return _error(500, 20500, "Internal Server Error")
        if behaviour == "429":
            return _error(429, 20429, "Too Many Requests")
        if behaviour == "timeout":
            time.sleep(self.slow_seconds)
            return _error(500, 20500, "too late")
        if behaviour.isdigit():
            return _error(400, int(behaviour), f"error {behaviour}")
        if to in self.invalid_numbers:
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to in self.opted_out:
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        now = format_datetime(datetime.now(UTC), usegmt=True)
        item = {
            "sid": prefix + uuid.uuid4().hex, "account_sid": self.account_sid, "to": to,
            "from": form.get("From") or None, "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"), "url": form.get("Url"), "status_callback": form.get("StatusCallback"),
            "status": "queued", "direction": "outbound-api", "date_created": now, "date_updated": now,
            "date_sent": None, "num_segments": "1", "price": None, "error_code": None, "error_message": None,
            "api_version": "2010-04-01", "uri": f"/2010-04-01/Accounts/{self.account_sid}/{prefix}.json",
            "received_at": time.time(),  # not Twilio's: lets benchmarks measure end-to-end delay
        }
        with self.lock:
            store.append(item)
        if behaviour == "timeout_after_create":
            time.sleep(self.slow_seconds)
        return Response(json.dumps(item), 201, mimetype="application/json")

    def _roll(self) -> str:
        point = random.random()
        for behaviour, probability in self.chaos.items():
            if point < probability:
                return behaviour
            point -= probability
        return "ok"

    def _list(self, request: Request, store: list[dict[str, Any]], key: str) -> Response:
        to = request.args.get("To")
        size = int(request.args.get("PageSize", "50"))
        with self.lock:
            items = [m for m in reversed(store) if to is None or m["to"] == to][:size]
        body = {key: items, "page": 0, "page_size": size, "next_page_uri": None, "previous_page_uri": None,
                "first_page_uri": None, "uri": request.path, "start": 0, "end": len(items)}
        return Response(json.dumps(body), 200, mimetype="application/json")


def _error(status: int, code: int, message: str) -> Response:
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}
    return Response(json.dumps(body), status, mimetype="application/json")


if __name__ == "__main__":  # a standalone fake for manual runs: python -m tests.notifications.fake_twilio
    server = FakeTwilio(port=8765).start()
    print(f"fake Twilio on {server.base_url} (sid {ACCOUNT_SID}, token {AUTH_TOKEN})")
    threading.Event().wait()
