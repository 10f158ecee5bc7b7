"""Signing in to the console: CSRF on every form, cookie flags, lockout, roles."""

from __future__ import annotations

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
