"""Chatbot hand-offs on the agents' callback pages: a number to call, and every note the agent writes kept."""

from __future__ import annotations

from datetime import timedelta

from flask import g

from service_api.extensions import db
from service_api.models import Callback, Citizen, utcnow


def handoff_of_signed_in_resident(app, service_headers) -> Callback:
    """What the chatbot's action server sends when a signed-in resident says 转人工 without a number."""
    citizen = Citizen(phone="+8613800138011")
    db.session.add(citizen)
    db.session.commit()
    g.pop("principal", None)
    response = app.test_client().post(
        "/api/v1/callbacks", headers=dict(service_headers, **{"X-Resident": f"citizen:{citizen.id}"}),
        json={"kind": "chatbot_handoff", "reason": "居民在智能客服中要求转人工",
              "transcript": [{"from": "user", "text": "井盖丢了，转人工"}]})
    assert response.status_code == 201, response.json
    return db.session.get(Callback, response.json["id"])


def test_handoff_shows_the_residents_number(app, staff_client, service_headers):
    agent, _ = staff_client("agent")
    callback = handoff_of_signed_in_resident(app, service_headers)
    listing = agent.get("/staff/callbacks").get_data(as_text=True)
    assert "智能客服转人工" in listing and "138****8011" in listing and "13800138011" not in listing
    path = f"/staff/callbacks/{callback.id}"
    page = agent.get(path).get_data(as_text=True)
    assert '号码：<b id="callback-phone">138****8011</b>' in page and "13800138011" not in page
    # The whole number once the agent gives the reason (logged: tests/privacy/test_personal_data.py).
    shown = agent.post_form(f"{path}/contact", {"reason": "callback"}, page=path).get_data(as_text=True)
    assert '<b class="phone" id="callback-phone"><a href="tel:+8613800138011">138 0013 8011</a></b>' in shown


def test_no_answer_keeps_the_agents_note(app, staff_client, service_headers):
    agent, _ = staff_client("agent")
    callback = handoff_of_signed_in_resident(app, service_headers)
    path = f"/staff/callbacks/{callback.id}"
    agent.post_form(path, {"result": "no_answer", "outcome": "关机，明早再打"}, page=path)
    db.session.refresh(callback)
    assert callback.status == "open"
    assert "关机，明早再打" in callback.transcript[-1]["text"]
    assert "关机，明早再打" in agent.get(path).get_data(as_text=True)


def test_third_no_answer_closes_with_the_agents_final_note(app, staff_client, service_headers):
    agent, _ = staff_client("agent")
    callback = handoff_of_signed_in_resident(app, service_headers)
    path = f"/staff/callbacks/{callback.id}"
    for note in ("无人接听", "占线", "仍无人接听，已发短信请居民回电"):
        agent.post_form(path, {"result": "no_answer", "outcome": note}, page=path)
        db.session.refresh(callback)
        callback.due_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert callback.status == "done"
    assert "连续3次未接通" in callback.outcome and "已发短信请居民回电" in callback.outcome
    notes = [line["text"] for line in callback.transcript if line["from"] == "agent"]
    assert len(notes) == 3 and "无人接听" in notes[0] and "占线" in notes[1]
    assert "已发短信请居民回电" in agent.get("/staff/callbacks").get_data(as_text=True)


def test_done_handoff_shows_the_final_note(app, staff_client, service_headers):
    agent, _ = staff_client("agent")
    callback = handoff_of_signed_in_resident(app, service_headers)
    path = f"/staff/callbacks/{callback.id}"
    response = agent.post_form(path, {"result": "done", "outcome": "已电话登记井盖问题，受理编号已告知"}, page=path)
    assert response.status_code == 302
    page = agent.get(path).get_data(as_text=True)
    assert "已电话登记井盖问题，受理编号已告知" in page
    assert 'name="result"' not in page  # a closed callback is not offered for recording again
    assert "已电话登记井盖问题" in agent.get("/staff/callbacks").get_data(as_text=True)


def anonymous_handoff(app, service_headers, sender: str, phone: str | None = None) -> Callback:
    """What the action server sends for an anonymous web chat that pressed 对，提交 and then 转人工."""
    g.pop("principal", None)
    body = {"kind": "chatbot_handoff", "sender_id": sender, "reason": "居民在智能客服中要求转人工",
            "transcript": [{"from": "user", "text": "路灯不亮"}, {"from": "bot", "text": "确认提交吗？"},
                           {"from": "user", "text": "/affirm"}, {"from": "user", "text": "/request_human"},
                           {"from": "user", "text": '/rate_service{"rating": "unsatisfied"}'}]}
    if phone:
        body["phone"] = phone
    response = app.test_client().post("/api/v1/callbacks", json=body,
                                      headers=dict(service_headers, **{"X-Resident": sender}))
    assert response.status_code == 201, response.json
    return db.session.get(Callback, response.json["id"])


def test_chat_buttons_read_as_their_titles(app, staff_client, service_headers):
    agent, _ = staff_client("agent")
    callback = anonymous_handoff(app, service_headers, "anon:0b5c6f3e-1", phone="13900001234")
    page = agent.get(f"/staff/callbacks/{callback.id}").get_data(as_text=True)
    assert "［按钮］对，提交" in page and "［按钮］转人工" in page and "［按钮］不满意" in page
    assert "/affirm" not in page and "/request_human" not in page and "rate_service" not in page


def test_anonymous_handoff_without_a_number_is_a_chat_to_read_not_a_call(app, staff_client, service_headers):
    agent, _ = staff_client("agent")
    callback = anonymous_handoff(app, service_headers, "anon:0b5c6f3e-2")
    listing = agent.get("/staff/callbacks").get_data(as_text=True)
    due, chats = listing.split('id="chat-handoffs"')
    assert f"/staff/callbacks/{callback.id}\"" not in due and "没有待回电任务" in due
    assert f"/staff/callbacks/{callback.id}\"" in chats and "无法回电" in chats
    page = agent.get(f"/staff/callbacks/{callback.id}").get_data(as_text=True)
    assert "居民未留号码" in page and "前回电" not in page and 'id="chat-only-note"' in page
    # Asking again with a number makes it a callback, due two hours (in staffed hours) from then.
    later = anonymous_handoff(app, service_headers, "anon:0b5c6f3e-2", phone="13900001234")
    assert later.id == callback.id and later.due_at >= utcnow() + timedelta(hours=1, minutes=59)
    listing = agent.get("/staff/callbacks").get_data(as_text=True)
    assert f"/staff/callbacks/{callback.id}\"" in listing and 'id="chat-handoffs"' not in listing


def test_button_titles_are_the_ones_residents_see():
    """The payload→title list of hotline.calls matches the buttons the bot and the web app draw."""
    from pathlib import Path

    from service_api.hotline.calls import CHAT_BUTTONS

    root = Path(__file__).resolve().parents[2]
    sources = (root / "bot/actions/report_form.py").read_text() + (
        root / "service_api/webapp/static/app.js").read_text()
    for payload, title in CHAT_BUTTONS.items():
        assert (f'{{"title": "{title}", "payload": "{payload}"}}' in sources
                or f'send("{payload}", "{title}")' in sources), payload
