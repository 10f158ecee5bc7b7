"""Staff accounts and sessions: password rules, forced change, idle and absolute timeouts, TOTP, headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import text

from service_api.audit.actions import AuditAction
from service_api.auth.staff import create_staff_user
from service_api.extensions import db
from service_api.models import StaffUser
from service_api.security.passwords import password_problems
from tests.privacy.conftest import PASSWORD
from tests.privacy.test_audit import entries
from tests.staff.conftest import StaffClient

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(("password", "problem"), [
    ("Short-1", "至少 10 个字符"),
    ("alllowercaseletters", "至少三类"),
    ("zhangwei-2026", "用户名"),
    ("demo-pass-2026", "默认密码"),
])
def test_password_rules_refuse_weak_passwords_with_the_reason(password, problem):
    assert any(problem in p for p in password_problems(password, "zhangwei"))


def test_a_good_password_passes_and_account_creation_applies_the_rules(app):
    assert password_problems("Harbour-Lights-42", "zhangwei") == []
    with pytest.raises(ValueError, match="至少三类"):
        create_staff_user("weak-user", "onlylowercase", "agent")


def test_demo_passwords_are_allowed_outside_production_and_must_be_changed_in_production(app):
    relaxed = create_staff_user("demo-agent", "demo-pass-2026", "agent", initial=True)
    assert relaxed.must_change_password is False
    app.extensions["settings"].env = "production"
    strict = create_staff_user("prod-agent", "demo-pass-2026", "agent", initial=True)
    assert strict.must_change_password is True


def test_first_sign_in_with_an_initial_password_leads_to_the_change_form(app):
    app.extensions["settings"].env = "production"
    create_staff_user("new-agent", "demo-pass-2026", "agent", initial=True)
    app.test_client_class = StaffClient
    client = app.test_client()
    client.post_form("/staff/login", {"username": "new-agent", "password": "demo-pass-2026"})
    assert client.get("/staff/calls/new").headers["Location"].endswith("/staff/security/password")
    token = client.post("/api/v1/auth/staff-token", json={"username": "new-agent", "password": "demo-pass-2026"})
    assert token.status_code == 403 and token.get_json()["code"] == "password_change_required"
    page = "/staff/security/password"
    weak = client.post_form(page, {"current": "demo-pass-2026", "new": "password123", "confirm": "password123"},
                            page=page)
    assert weak.status_code == 422 and "默认密码" in weak.get_data(as_text=True)
    done = client.post_form(page, {"current": "demo-pass-2026", "new": "Sea-Breeze-77", "confirm": "Sea-Breeze-77"},
                            page=page)
    assert done.status_code == 302
    assert client.get("/staff/calls/new").status_code == 200
    assert entries(AuditAction.PASSWORD_CHANGED)[-1].object_id == "new-agent"


def test_idle_sessions_end_after_the_timeout_and_long_ones_after_the_absolute_limit(app, signed_in, pinned_clock):
    pinned_clock(START)
    client, user = signed_in("dispatcher")
    pinned_clock(START + timedelta(minutes=29))
    assert client.get("/staff/cases").status_code == 200  # activity keeps the session alive
    pinned_clock(START + timedelta(minutes=58))
    assert client.get("/staff/cases").status_code == 200
    pinned_clock(START + timedelta(minutes=89))
    expired = client.get("/staff/cases")
    assert expired.status_code == 302 and "/staff/login" in expired.headers["Location"]
    assert "长时间未操作" in client.get(expired.headers["Location"]).get_data(as_text=True)
    assert entries(AuditAction.SESSION_EXPIRED)[-1].object_id == user.username

    pinned_clock(START)
    busy, _ = signed_in("dispatcher")
    for minutes in range(20, 12 * 60, 20):
        pinned_clock(START + timedelta(minutes=minutes))
        assert busy.get("/staff/cases").status_code == 200
    pinned_clock(START + timedelta(hours=12, minutes=5))
    assert busy.get("/staff/cases").status_code == 302


def _enrol(client, user: StaffUser) -> pyotp.TOTP:
    page = client.get("/staff/security/totp")
    assert page.status_code == 200 and 'id="totp-qr"' in page.get_data(as_text=True)
    qr = client.get("/staff/security/totp/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    db.session.refresh(user)
    secret = user.totp_secret
    stored = db.session.execute(text("SELECT totp_secret FROM staff_users WHERE id = :id"), {"id": user.id}).scalar()
    assert secret and stored.startswith("enc:") and secret not in stored  # stored encrypted
    totp = pyotp.TOTP(secret)
    done = client.post_form("/staff/security/totp", {"code": totp.at(START)}, page="/staff/security/totp")
    assert done.status_code == 302
    return totp


def test_admins_must_enrol_totp_and_then_sign_in_with_a_code_used_once(app, signed_in, pinned_clock, client):
    app.extensions["settings"].totp_required_roles = "admin"
    pinned_clock(START)
    admin_client, admin = signed_in("admin")
    assert admin_client.get("/staff/cases").headers["Location"].endswith("/staff/security/totp")
    totp = _enrol(admin_client, admin)
    assert admin_client.get("/staff/cases").status_code == 200

    pinned_clock(START + timedelta(minutes=1))
    fresh = app.test_client()
    to_code = fresh.post_form("/staff/login", {"username": admin.username, "password": PASSWORD})
    assert to_code.headers["Location"].endswith("/staff/security/second-factor")
    assert fresh.get("/staff/cases").status_code == 302  # the password alone opens nothing
    wrong = fresh.post_form("/staff/security/second-factor", {"code": "000000"}, page="/staff/security/second-factor")
    assert wrong.status_code == 401
    code = totp.at(START + timedelta(minutes=1))
    ok = fresh.post_form("/staff/security/second-factor", {"code": code}, page="/staff/security/second-factor")
    assert ok.status_code == 302 and fresh.get("/staff/cases").status_code == 200

    body = {"username": admin.username, "password": PASSWORD}
    assert client.post("/api/v1/auth/staff-token", json=body).get_json()["code"] == "totp_required"
    replay = client.post("/api/v1/auth/staff-token", json={**body, "totp": code})
    assert replay.status_code == 401 and replay.get_json()["code"] == "bad_totp"
    pinned_clock(START + timedelta(minutes=2))
    fresh_code = totp.at(START + timedelta(minutes=2))
    assert client.post("/api/v1/auth/staff-token", json={**body, "totp": fresh_code}).status_code == 200
    assert entries(AuditAction.TOTP_ENROLLED)[-1].object_id == admin.username


def test_an_admin_without_totp_gets_no_token_when_it_is_required(app, make_staff, client):
    app.extensions["settings"].totp_required_roles = "admin"
    admin, _ = make_staff("admin")
    refused = client.post("/api/v1/auth/staff-token", json={"username": admin.username, "password": PASSWORD})
    assert refused.status_code == 403 and refused.get_json()["code"] == "totp_enrolment_required"


@pytest.mark.parametrize("path", ["/staff/login", "/api/openapi.json", "/healthz", "/api/docs"])
def test_security_headers_on_pages_and_api(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in \
        csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # served over http in this test


def test_hsts_when_the_public_address_is_https(settings):
    from service_api import create_app

    settings.public_base_url = "https://city.example.cn"
    app = create_app(settings=settings)
    assert "max-age=" in app.test_client().get("/healthz").headers["Strict-Transport-Security"]


def test_production_refuses_to_start_without_keys_from_the_environment(settings, monkeypatch):
    from service_api import create_app

    for name in ("PERSONAL_DATA_KEYS", "PERSONAL_DATA_HASH_KEY", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings.env = "production"
    with pytest.raises(RuntimeError, match="PERSONAL_DATA_KEYS"):
        create_app(settings=settings)


def test_the_second_factor_page_leaves_a_signed_in_user_signed_in(signed_in):
    dispatcher, _ = signed_in("dispatcher")
    answer = dispatcher.get("/staff/security/second-factor")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/staff/cases")
    assert dispatcher.get("/staff/cases").status_code == 200
