"""Malformed bodies, headers and paths: always a JSON 4xx with no traceback, never a 500."""

from __future__ import annotations

import gc
import time

import pytest

from service_api.reports.accept import DESCRIPTION_MAX

BAD_JSON_BODIES = [b"\x80\x81\xfe", b"{", b'{"description": "x",}', b"[]", b"null", b'"just a string"',
                   b"\xef\xbb\xbf{", b"{" * 5000 + b"}" * 5000, b'{"description": "\\ud800"}']


@pytest.mark.parametrize("body", BAD_JSON_BODIES)
@pytest.mark.parametrize("path", ["/api/v1/reports", "/api/v1/intake/preview", "/api/v1/auth/wechat",
                                  "/api/v1/auth/staff-token"])
def test_malformed_json_is_a_json_4xx(client, service_headers, path, body) -> None:
    response = client.post(path, data=body, content_type="application/json", headers=service_headers)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    payload = response.get_json()
    assert payload["status"] == response.status_code and payload["code"] and payload["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_escaped_emoji_pairs_are_accepted(client) -> None:
    """The surrogate check refuses lone halves only: an ensure_ascii client's emoji still gets through."""
    body = b'{"description": "\\u4e95\\u76d6\\u4e22\\u4e86 \\ud83d\\ude31 \\u9999\\u6e2f\\u4e2d\\u8def12\\u53f7"}'
    response = client.post("/api/v1/reports", data=body, content_type="application/json")
    assert response.status_code == 201
    assert "😱" in client.get(f"/api/v1/reports/{response.json['id']}", headers={
        "Authorization": f"Bearer {response.json['access_token']}"}).json["description"]


# As long as a description may be (DESCRIPTION_MAX), and costly for the address parser.
HOSTILE_DESCRIPTION = "12号" * (DESCRIPTION_MAX // 3)


def _cpu(call):
    """CPU time of `call` in this thread (the test client runs the request here), without a garbage collection
    of what earlier tests left on the heap (a full one took ~0.5 s in the whole suite and failed this test)."""
    gc.collect()
    gc.disable()
    try:
        started = time.thread_time()
        response = call()
        return response, time.thread_time() - started
    finally:
        gc.enable()


def test_hostile_description_is_cheap_to_preview(client, service_headers) -> None:
    """Intake geocodes the description when there is no address: a long crafted one must not cost seconds of CPU."""
    client.post("/api/v1/intake/preview", json={"text": "井盖丢了"}, headers=service_headers)  # loads the model
    response, seconds = _cpu(lambda: client.post("/api/v1/intake/preview", json={"text": HOSTILE_DESCRIPTION},
                                                 headers=service_headers))
    assert response.status_code == 200
    assert seconds < 0.3, f"{seconds:.2f} s CPU for one preview"


def test_hostile_description_is_cheap_to_submit(client) -> None:
    client.post("/api/v1/reports", json={"description": "井盖丢了"})  # loads the model
    response, seconds = _cpu(lambda: client.post("/api/v1/reports", json={"description": HOSTILE_DESCRIPTION}))
    assert response.status_code == 201
    assert seconds < 0.5, f"{seconds:.2f} s CPU for one report"


OVERFLOWING_DOOR = "香港中路" + "1" * 40 + "号"  # a door number too big for the geocoder's int64 arithmetic


def test_geocoder_crash_does_not_break_preview(client, service_headers) -> None:
    response = client.post("/api/v1/intake/preview", json={"text": f"{OVERFLOWING_DOOR}门口井盖丢了"},
                           headers=service_headers)
    assert response.status_code == 200
    assert response.json["classification"]["candidates"]  # classified all the same


def test_geocoder_crash_does_not_keep_a_report_from_its_case(client) -> None:
    """The report is classified and becomes a case; only the location is left for staff to fill in."""
    from service_api.extensions import db
    from service_api.models import Report

    response = client.post("/api/v1/reports", json={"description": "门口的污水井盖丢了，很危险",
                                                    "address": OVERFLOWING_DOOR})
    assert response.status_code == 201
    report = db.session.get(Report, response.json["id"])
    assert report.intake_status not in ("pending", "failed"), report.intake_error
    assert report.case_id is not None
