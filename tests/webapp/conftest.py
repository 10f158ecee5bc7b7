"""What the web app's tests share: a phone in Chromium, a photo with a GPS position, a fake Rasa at the edge."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.components.conftest import load_components  # noqa: F401  (fixture: the scan page needs assets)
from tests.maps.test_map_browser import fake_amap_tiles  # noqa: F401  (fixture: an AMap-style tile server)
from tests.service_api.images import jpeg_bytes

# 五四广场 (市南区) in WGS-84, as a phone's GPS gives it.
SQUARE = {"lat": 36.0620, "lng": 120.3845}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def open_phone(browser, *, geolocation: dict[str, float] | None = None):
    """A new phone (its own storage) with location allowed; returns the page."""
    context = browser.new_context(**PHONE, geolocation={"latitude": (geolocation or SQUARE)["lat"],
                                                        "longitude": (geolocation or SQUARE)["lng"]},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # uncaught script errors  # type: ignore[attr-defined]
    return page


def camera_photo(gps: dict[str, float] | None = None, width: int = 4000, height: int = 3000) -> dict[str, Any]:
    """What a phone camera gives: a large JPEG with its GPS position in EXIF."""
    where = gps or SQUARE
    return {"name": "IMG_0001.jpg", "mimeType": "image/jpeg",
            "buffer": jpeg_bytes(width, height, gps=(where["lat"], where["lng"]))}


def choose_photos(page, *files: dict[str, Any]) -> None:
    with page.expect_file_chooser() as chooser:
        page.click("label:has(#photo-input)")
    chooser.value.set_files(list(files))


class FakeRasa:
    """Rasa's REST channel at the network edge, with a tiny script: it asks for the problem, reads it back with
    buttons, and on confirmation files the report through our API as the action server does (service key,
    X-Resident naming the chat's sender)."""

    def __init__(self) -> None:
        self.api_base = ""
        self.service_key = "test-service-key"
        self.pending: dict[str, str] = {}
        self.calls: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.calls.append(body)
                answer = json.dumps(fake.reply(body["sender"], body["message"], body.get("metadata")),
                                    ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def reply(self, sender: str, message: str, metadata: dict[str, Any] | None) -> list[dict[str, Any]]:
        # The API adds its own keys (public_base_url, account) to every message's metadata: only a photo or a
        # GPS fix from the page is a message of its own.
        if metadata and (metadata.get("photo_ids") or metadata.get("location")):
            return [{"text": "收到。" + ("照片已收到。" if metadata.get("photo_ids") else "位置已收到。")}]
        if message == "/request_human":
            return [{"text": "正在为您转接人工客服，请稍候。"}]
        if "反映" in message and sender not in self.pending:
            self.pending[sender] = ""
            return [{"text": "请描述问题和地点。"}]
        if message == "/affirm" and self.pending.get(sender):
            created = requests.post(f"{self.api_base}/api/v1/reports", timeout=30, json={
                "description": self.pending.pop(sender), "channel": "chatbot", "location": {**SQUARE, "crs": "wgs84"}},
                # as bot/actions/api_client.py does: one key per confirmed submission
                headers={"Authorization": f"Bearer {self.service_key}", "X-Resident": sender,
                         "Idempotency-Key": f"chat-{uuid.uuid4()}"})
            created.raise_for_status()
            return [{"text": f"已为您提交，受理编号 {created.json()['tracking_no']}。"}]
        if sender in self.pending:
            self.pending[sender] = message
            return [{"text": f"您反映的是：{message}。确认提交吗？",
                     "buttons": [{"title": "确认提交", "payload": "/affirm"}, {"title": "修改", "payload": "/deny"}]}]
        return [{"text": "您可以说“我要反映问题”。"}]


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def settings(settings, fake_rasa):
    settings.rasa_url = fake_rasa.url
    settings.quiet_hours = ""
    return settings
