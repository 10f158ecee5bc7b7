"""Intake preview (hotline console, chatbot), public case status, and callbacks for agents."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from service_api.extensions import db
from service_api.models import Callback

SQUARE = {"lat": 36.0620, "lng": 120.3845, "crs": "wgs84"}


def test_preview_classifies_geocodes_and_finds_nearby_cases(client, service_headers):
    first = client.post("/api/v1/reports", json={"description": "五四广场的垃圾箱满了溢出来了", "location": SQUARE})
    response = client.post("/api/v1/intake/preview", headers=service_headers,
                           json={"text": "五四广场这里垃圾桶满了", "address": "五四广场"})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["classification"]["code"] == "06042" and body["classification"]["in_scope"]
    assert len(body["classification"]["candidates"]) <= 5
    assert body["geocode"]["level"] == "poi" and body["geocode"]["district_code"] == "370202"
    assert body["geocode"]["grid_code"] and len(body["geocode"]["grid_code"]) == 15
    assert [c["case_no"] for c in body["nearby_cases"]] == [first.json["case_no"]]


def test_preview_out_of_scope_and_unknown_place(client, service_headers):
    body = client.post("/api/v1/intake/preview", headers=service_headers,
                       json={"text": "我们公司拖欠了三个月工资，去哪里投诉"}).json
    assert body["classification"]["in_scope"] is False and body["classification"]["code"] is None
    assert body["nearby_cases"] == []


def test_preview_says_a_position_outside_the_district_is_not_served(client):
    """A photo taken in 崂山区 (its GPS sent as the location) is told apart before filing, as a typed "崂山区…" is."""
    body = client.post("/api/v1/intake/preview", json={
        "text": "路边垃圾桶满了", "location": {"lat": 36.1, "lng": 120.47, "crs": "wgs84"}}).json
    assert body["geocode"]["outside_area"] == "市南区以外" and body["geocode"]["district_code"] is None
    assert "不在本平台受理范围" in body["place_prompt"] and "12345" in body["place_prompt"]
    assert "地图上选点" in body["place_prompt"]
    inside = client.post("/api/v1/intake/preview", json={"text": "路边垃圾桶满了", "location": SQUARE}).json
    assert inside["geocode"]["outside_area"] is None and inside["place_prompt"] is None


def test_preview_says_what_filing_will_say_about_a_private_matter(client, service_headers):
    """Tap water at home is the water company's: the preview reads it so, as filing does, not as a manhole cover."""
    text = "家里自来水发黄"
    body = client.post("/api/v1/intake/preview", headers=service_headers, json={"text": text}).json
    assert body["classification"]["in_scope"] is False and body["classification"]["code"] is None
    assert "自来水" in body["scope"]["reason"] and "自来水公司" in body["referral"]
    filed = client.post("/api/v1/reports", json={"description": text, "address": "香港中路12号"}).json
    assert filed["referral"] == body["referral"] and filed["matter"] is None


def test_preview_refers_what_is_not_a_city_matter_and_nothing_else(client, service_headers):
    def ask(text):
        return client.post("/api/v1/intake/preview", headers=service_headers, json={"text": text}).json

    away = ask("我想问一下社保卡补办怎么弄")
    assert "12345" in away["referral"]
    city = ask("五四广场的路灯不亮了")
    assert city["referral"] is None and city["scope"] is None and city["classification"]["code"] == "01037"


def test_preview_is_open_to_residents_without_a_token(client):
    """The web app suggests the matter while a resident who has not signed in types (rate-limited per IP)."""
    response = client.post("/api/v1/intake/preview", json={"text": "五四广场的垃圾箱满了"})
    assert response.status_code == 200
    assert response.json["classification"]["code"] is not None


def test_public_case_status_has_no_personal_data(client):
    contact = {"phone": "13812345678", "name": "王五"}
    created = client.post("/api/v1/reports", json={
        "description": "五四广场的垃圾箱满了", "location": SQUARE, "contact": contact}).json
    response = client.get(f"/api/v1/public/cases/{created['case_no']}")
    assert response.status_code == 200
    assert response.json["status"] in ("received", "registered")
    assert "13812345678" not in response.get_data(as_text=True) and "王五" not in response.get_data(as_text=True)
    assert client.get("/api/v1/public/cases/C370202-20000101-00001").status_code == 404


def test_chatbot_handoff_creates_a_callback_due_in_staffed_hours(client, service_headers):
    response = client.post("/api/v1/callbacks", headers=dict(service_headers, **{"X-Resident": "anon:abc"}), json={
        "kind": "chatbot_handoff", "phone": "13812345678", "reason": "两次未能理解",
        "transcript": [{"from": "user", "text": "我要找人工"}, {"from": "bot", "text": "好的"}],
    })
    assert response.status_code == 201, response.json
    due = datetime.fromisoformat(response.json["due_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert 8 <= due.hour < 21
    callback = db.session.get(Callback, response.json["id"])
    assert callback.transcript[0] == {"from": "user", "text": "我要找人工", "at": None}


def test_residents_cannot_create_callbacks(client):
    response = client.post("/api/v1/callbacks", json={"kind": "chatbot_handoff"})
    assert response.status_code == 403


def test_openapi_and_docs_are_served(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.") and "/api/v1/reports" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_message_link_opens_a_status_page_without_personal_data(client):
    contact = {"phone": "13812345678", "name": "王五"}
    created = client.post("/api/v1/reports", json={
        "description": "五四广场的垃圾箱满了", "location": SQUARE, "contact": contact}).json
    page = client.get(f"/r/{created['tracking_no']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and created["tracking_no"] in html and "垃圾站(箱)满溢" in html
    assert "13812345678" not in html and "王五" not in html
    assert client.get("/r/R20000101000001").status_code == 404
