"""POST /api/v1/callbacks from the chatbot: the agent gets a number to call, in one canonical form."""

from __future__ import annotations

from flask import g

from service_api.extensions import db
from service_api.models import Callback, Citizen

HANDOFF = {"kind": "chatbot_handoff", "reason": "居民在智能客服中要求转人工",
           "transcript": [{"from": "user", "text": "转人工"}]}


def post_handoff(client, service_headers, resident: str, **extra):
    g.pop("principal", None)  # the `app` fixture keeps one `g` across requests
    return client.post("/api/v1/callbacks", headers=dict(service_headers, **{"X-Resident": resident}),
                       json={**HANDOFF, **extra})


def test_signed_in_residents_handoff_is_called_back_on_the_account_phone(client, service_headers):
    citizen = Citizen(phone="+8613800138011")
    db.session.add(citizen)
    db.session.commit()
    response = post_handoff(client, service_headers, f"citizen:{citizen.id}")
    assert response.status_code == 201, response.json
    assert response.json["phone"] == "+8613800138011"
    callback = db.session.get(Callback, response.json["id"])
    assert callback.phone == "+8613800138011" and callback.citizen_id == citizen.id


def test_typed_phone_wins_over_the_account_and_is_stored_canonical(client, service_headers):
    citizen = Citizen(phone="+8613800138011")
    db.session.add(citizen)
    db.session.commit()
    response = post_handoff(client, service_headers, f"citizen:{citizen.id}", phone="139 1234 5678")
    assert response.status_code == 201, response.json
    assert db.session.get(Callback, response.json["id"]).phone == "+8613912345678"
    anonymous = post_handoff(client, service_headers, "anon:abc", phone="１３９１２３４５６７８")
    assert db.session.get(Callback, anonymous.json["id"]).phone == "+8613912345678"


def test_anonymous_handoff_without_phone_is_still_kept(client, service_headers):
    response = post_handoff(client, service_headers, "anon:abc")
    assert response.status_code == 201 and response.json["phone"] is None
    assert db.session.get(Callback, response.json["id"]).transcript[0]["text"] == "转人工"


def test_bad_phone_is_a_422_naming_the_field(client, service_headers):
    response = post_handoff(client, service_headers, "anon:abc", phone="12345")
    assert response.status_code == 422
    assert response.json["code"] == "bad_phone" and "回电号码不正确" in response.json["message"]
    assert "phone" in response.json["errors"]
    assert db.session.query(Callback).count() == 0


def test_second_handoff_in_one_chat_adds_the_phone_to_the_open_callback(client, service_headers):
    first = post_handoff(client, service_headers, "anon:abc")
    second = post_handoff(client, service_headers, "anon:abc", phone="13912345678", transcript=[
        {"from": "user", "text": "转人工"}, {"from": "bot", "text": "如需话务员回电，请发送“转人工”并附上手机号"},
        {"from": "user", "text": "转人工 13912345678"}])
    assert second.status_code == 201 and second.json["id"] == first.json["id"]
    callbacks = db.session.query(Callback).all()
    assert len(callbacks) == 1 and callbacks[0].phone == "+8613912345678" and callbacks[0].chat_sender == "anon:abc"
    assert [line["text"] for line in callbacks[0].transcript] == [
        "转人工", "如需话务员回电，请发送“转人工”并附上手机号", "转人工 13912345678"]
    other_chat = post_handoff(client, service_headers, "anon:other")
    assert other_chat.json["id"] != first.json["id"]
