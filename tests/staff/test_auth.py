"""Signing in to the console: CSRF on every form, cookie flags, lockout, roles."""

from __future__ import annotations

import re

from service_api.models import StaffUser
from tests.staff.conftest import PASSWORD, StaffClient


def test_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(app, make_staff):
    app.test_client_class = StaffClient
    user, _ = make_staff("dispatcher")
    client = app.test_client()
    assert client.get("/staff/cases").status_code == 302  # not signed in → sign-in page
    response = client.post_form("/staff/login?next=/staff/cases?queue=overdue",
                                {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/cases?queue=overdue")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/staff/cases").status_code == 200
    assert client.post_form("/staff/logout", {}, page="/staff/cases").status_code == 302
    assert client.get("/staff/cases").status_code == 302


def test_forms_without_csrf_token_are_refused(app, staff_client):
    app.test_client_class = StaffClient
    client = app.test_client()
    user_client, user = staff_client("agent")
    assert client.post("/staff/login", data={"username": user.username, "password": PASSWORD}).status_code == 400
    assert user_client.post("/staff/calls/new", data={"call_type": "consultation", "phone": "1"}).status_code == 400
    assert user_client.post("/staff/api/preview", json={"text": "井盖丢了"}).status_code == 400


def test_open_redirects_are_ignored(app, make_staff):
    app.test_client_class = StaffClient
    user, _ = make_staff("reviewer")
    response = app.test_client().post_form("/staff/login?next=https://evil.example/",
                                           {"username": user.username, "password": PASSWORD})
    assert response.headers["Location"].endswith("/staff/stats")


def test_wrong_password_locks_the_account_after_five_tries(app, make_staff):
    app.test_client_class = StaffClient
    user, _ = make_staff("agent")
    client = app.test_client()
    for _ in range(5):
        response = client.post_form("/staff/login", {"username": user.username, "password": "wrong-password"})
        assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)
    response = client.post_form("/staff/login", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 401 and "锁定" in response.get_data(as_text=True)


def test_roles_decide_pages(staff_client):
    agent, _ = staff_client("agent")
    handler, _ = staff_client("handler")
    reviewer, _ = staff_client("reviewer")
    assert agent.get("/staff/calls/new").status_code == 200
    assert agent.get("/staff/stats").status_code == 403
    assert handler.get("/staff/calls/new").status_code == 403
    assert handler.get("/staff/callbacks").status_code == 403
    assert handler.get("/staff/cases").status_code == 200
    assert reviewer.get("/staff/stats").status_code == 200
    assert reviewer.get("/staff/calls").status_code == 403


def test_changing_the_password_signs_the_browser_out(app, staff_client):
    from service_api.auth.passwords import hash_password
    from service_api.extensions import db

    client, user = staff_client("dispatcher")
    assert client.get("/staff/cases").status_code == 200
    db.session.get(StaffUser, user.id).password_hash = hash_password("another-password-2")
    db.session.commit()
    assert client.get("/staff/cases").status_code == 302


LONG_CALL = "香港中路12号门口的井盖丢了，晚上很危险，已经有人差点摔倒，请尽快处理"


def test_an_expired_session_keeps_the_typed_call_through_sign_in(app, staff_client):
    from service_api.extensions import db
    from service_api.models import Report
    from tests.staff.conftest import TOKEN

    agent, user = staff_client("agent")
    stale_token = agent.csrf("/staff/calls/new")
    agent.delete_cookie("session")  # the session ran out while the agent was typing
    typed = {"phone": "13912345678", "call_type": "new_report", "description": LONG_CALL, "address": "香港中路12号",
             "csrf_token": stale_token}
    response = agent.post("/staff/calls/new", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 401 and "CSRF" not in page and "Bad Request" not in page
    assert "登录已过期" in page and LONG_CALL in page  # the sign-in form carries what was typed
    assert db.session.query(Report).count() == 0
    drafts = dict(re.findall(r'name="(draft_[a-z_]+)" value="([^"]*)"', page))
    assert drafts["draft_description"] == LONG_CALL
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1).replace("&amp;", "&")
    signed_in = agent.post(action, data={**drafts, "username": user.username, "password": PASSWORD,
                                         "csrf_token": TOKEN.search(page).group(1)})
    form_page = signed_in.get_data(as_text=True)
    assert signed_in.status_code == 200 and LONG_CALL in form_page and 'value="13912345678"' in form_page
    # Saving now files the call once.
    token = TOKEN.search(form_page).group(1)
    saved = agent.post("/staff/calls/new", data={**typed, "csrf_token": token}, follow_redirects=True)
    assert saved.status_code == 200 and db.session.query(Report).one().description == LONG_CALL


def test_a_stale_token_in_a_live_session_gives_the_form_back_in_chinese(app, staff_client):
    agent, _ = staff_client("agent")
    typed = {"phone": "13912345678", "call_type": "new_report", "description": LONG_CALL, "csrf_token": "stale"}
    response = agent.post("/staff/calls/new", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Bad Request" not in page
    assert "页面已过期" in page and LONG_CALL in page and 'id="call-form"' in page
    other = agent.post("/staff/cases/C370202-20260101-00001/transition", data={"action": "verify",
                                                                              "note": "现场已核实", "csrf_token": "x"})
    text = other.get_data(as_text=True)
    assert other.status_code == 400 and "页面已过期" in text and "现场已核实" in text and "Bad Request" not in text


def test_other_console_errors_are_in_chinese(staff_client):
    agent, _ = staff_client("agent")
    response = agent.get("/staff/logout")  # the sign-out button posts; a typed address GETs
    page = response.get_data(as_text=True)
    assert response.status_code == 405 and "不支持该请求方法" in page and "Method Not Allowed" not in page
    assert "POST" in response.headers["Allow"]
