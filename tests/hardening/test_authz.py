"""Who may see and do what: every attempt to cross a boundary is refused (each attempt a test)."""

from __future__ import annotations

import time
from typing import Any

import itsdangerous.timed
import pytest
from flask import g

from service_api.auth.tokens import issue_citizen_token, issue_staff_token
from service_api.extensions import db
from service_api.models import Case, Notification, Rating, Report, utcnow
from tests.notifications.support import close_case, make_case
from tests.service_api.images import jpeg_bytes

O311 = "/open311/v2"
REPORT_TEXT = "香港中路12号门口的污水井盖丢了，很危险"


def call(client, method: str, url: str, headers: dict[str, str] | None = None, **kw: Any):
    g.pop("principal", None)  # the app context outlives each test request
    return getattr(client, method)(url, headers=headers or {}, **kw)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def two_residents(app, client, citizen) -> dict[str, Any]:
    """Alice and Bob, each with a report (Alice's with a photo) and an in-app notification."""
    alice, alice_h = citizen("+8613800001111")
    bob, bob_h = citizen("+8613800002222")
    photo = call(client, "post", "/api/v1/photos", alice_h, data=upload_form(), content_type="multipart/form-data")
    assert photo.status_code == 201, photo.json
    mine = call(client, "post", "/api/v1/reports", alice_h, json={
        "description": REPORT_TEXT, "address": "香港中路12号", "photo_ids": [photo.json["id"]]})
    theirs = call(client, "post", "/api/v1/reports", bob_h, json={"description": "湛山路路灯不亮了"})
    assert mine.status_code == 201 and theirs.status_code == 201
    note = Notification(kind="received", channel="inapp", citizen_id=alice.id, report_id=mine.json["id"],
                        body="您的反映已受理", status="sent", sent_at=utcnow())
    db.session.add(note)
    db.session.commit()
    return {"alice": alice_h, "bob": bob_h, "report": mine.json, "bob_report": theirs.json,
            "photo": photo.json["id"], "note": note.id}


def upload_form() -> dict[str, Any]:
    import io

    return {"file": (io.BytesIO(jpeg_bytes(gps=(36.06, 120.38))), "a.jpg")}


# --- residents -----------------------------------------------------------------------------------

@pytest.mark.parametrize("ref", ["id", "tracking_no"])
def test_resident_cannot_read_another_residents_report(client, two_residents, ref) -> None:
    response = call(client, "get", f"/api/v1/reports/{two_residents['report'][ref]}", two_residents["bob"])
    assert response.status_code == 404
    assert REPORT_TEXT not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["", "/rating"])
@pytest.mark.parametrize("ref", ["id", "tracking_no"])
def test_reports_cannot_be_enumerated_without_a_token(client, two_residents, ref, path) -> None:
    """An existing report and a missing one get the same answer: nobody learns which ids exist (issue 17/14)."""
    existing = two_residents["report"][ref]
    missing = existing + 100000 if ref == "id" else existing[:-4] + "9999"
    method = "post" if path else "get"
    body = {"json": {"rating": "satisfied"}} if path else {}
    answers = [call(client, method, f"/api/v1/reports/{r}{path}", {}, **body) for r in (existing, missing)]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json == answers[1].json


def test_owner_can_read_own_report(client, two_residents) -> None:  # the control for the refusals above
    assert call(client, "get", f"/api/v1/reports/{two_residents['report']['id']}",
                two_residents["alice"]).status_code == 200


def test_report_token_of_one_report_does_not_open_another(client, two_residents) -> None:
    token = bearer(two_residents["bob_report"]["access_token"])
    assert call(client, "get", f"/api/v1/reports/{two_residents['bob_report']['id']}", token).status_code == 200
    assert call(client, "get", f"/api/v1/reports/{two_residents['report']['id']}", token).status_code == 404


@pytest.mark.parametrize("kind", ["full", "thumb"])
@pytest.mark.parametrize("who", ["bob", "anonymous", "bob_report_token"])
def test_resident_cannot_fetch_another_residents_photo(client, two_residents, kind, who) -> None:
    headers = {"bob": two_residents["bob"], "anonymous": {},
               "bob_report_token": bearer(two_residents["bob_report"]["access_token"])}[who]
    suffix = "/thumb" if kind == "thumb" else ""
    response = call(client, "get", f"/api/v1/photos/{two_residents['photo']}{suffix}", headers)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert call(client, "get", f"/api/v1/photos/{two_residents['photo']}{suffix}",
                two_residents["alice"]).status_code == 200


def test_report_token_opens_its_own_photo(client, two_residents) -> None:
    token = bearer(two_residents["report"]["access_token"])
    assert call(client, "get", f"/api/v1/photos/{two_residents['photo']}", token).status_code == 200


def test_resident_cannot_see_or_mark_another_residents_notifications(client, two_residents) -> None:
    listed = call(client, "get", "/api/v1/me/notifications", two_residents["bob"]).json
    assert all(item["id"] != two_residents["note"] for item in listed["items"])
    marked = call(client, "post", f"/api/v1/me/notifications/{two_residents['note']}/read", two_residents["bob"])
    assert marked.status_code == 404
    assert db.session.get(Notification, two_residents["note"]).read_at is None
    assert call(client, "post", "/api/v1/me/notifications/read-all", two_residents["bob"]).json["marked"] == 0
    assert db.session.get(Notification, two_residents["note"]).read_at is None


def test_resident_cannot_rate_another_residents_report(client, two_residents) -> None:
    """A valid body, so only authorisation tells the stranger from the owner."""
    report = db.session.get(Report, two_residents["report"]["id"])
    close_case(make_case(report))
    url = f"/api/v1/reports/{report.id}/rating"
    refused = call(client, "post", url, two_residents["bob"], json={"rating": "unsatisfied"})
    assert refused.status_code == 404
    assert db.session.query(Rating).count() == 0
    accepted = call(client, "post", url, two_residents["alice"], json={"rating": "satisfied"})
    assert accepted.status_code == 200, accepted.json
    assert db.session.query(Rating).one().rating == "satisfied"


def test_resident_cannot_attach_another_residents_photo(client, two_residents) -> None:
    reports_before = db.session.query(Report).count()
    response = call(client, "post", "/api/v1/reports", two_residents["bob"],
                    json={"description": "这里也有问题", "photo_ids": [two_residents["photo"]]})
    assert response.status_code == 403 and response.json["code"] == "photo_forbidden"
    assert db.session.query(Report).count() == reports_before


def test_x_resident_header_without_the_service_key_is_ignored(client, two_residents) -> None:
    """Only the chatbot (service key) may act for a resident; the header alone is nothing."""
    response = call(client, "get", "/api/v1/me/reports", {"X-Resident": "citizen:1"})
    assert response.status_code == 401


# --- tokens --------------------------------------------------------------------------------------

def _issued_hours_ago(monkeypatch, hours: float, issue) -> str:
    real = time.time()
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(real - hours * 3600))
    token = issue()
    monkeypatch.undo()
    return token


def test_expired_resident_token_is_401(app, client, settings, monkeypatch) -> None:
    token = _issued_hours_ago(monkeypatch, settings.token_max_age_days * 24 + 1, lambda: issue_citizen_token(1))
    response = call(client, "get", "/api/v1/me/reports", bearer(token))
    assert response.status_code == 401 and response.json["code"] == "bad_token"


def test_staff_token_lives_staff_token_max_age_hours_not_resident_days(app, client, make_staff, settings,
                                                                       monkeypatch) -> None:
    user, _ = make_staff("dispatcher")
    fresh = _issued_hours_ago(monkeypatch, settings.staff_token_max_age_hours - 1,
                              lambda: issue_staff_token(user.id, user.password_hash))
    stale = _issued_hours_ago(monkeypatch, settings.staff_token_max_age_hours + 1,
                              lambda: issue_staff_token(user.id, user.password_hash))
    assert call(client, "get", "/api/v1/cases", bearer(fresh)).status_code == 200
    response = call(client, "get", "/api/v1/cases", bearer(stale))
    assert response.status_code == 401


@pytest.mark.parametrize("token", [
    "c.eyJjaWQiOjF9.forged.signature", "s.eyJzaWQiOjF9.AAAA.BBBB", "rpt_not-a-real-report-token", "garbage",
    "c." + "A" * 5000,
])
def test_forged_tokens_are_401(client, token) -> None:
    response = call(client, "get", "/api/v1/me/reports", bearer(token))
    assert response.status_code == 401
    assert response.json["status"] == 401


def test_token_signed_with_another_key_is_401(app, client) -> None:
    other = itsdangerous.URLSafeTimedSerializer("someone-elses-key", salt="citizen").dumps({"cid": 1})
    assert call(client, "get", "/api/v1/me/reports", bearer("c." + other)).status_code == 401


def test_resident_token_cannot_pose_as_staff(app, client) -> None:
    """A citizen token's payload under the staff prefix fails the staff salt."""
    citizen_token = issue_citizen_token(1)
    assert call(client, "get", "/api/v1/cases", bearer("s." + citizen_token[2:])).status_code == 401


# --- staff boundaries ----------------------------------------------------------------------------

# Each POST carries a body the endpoint accepts from staff, so a refusal is authorisation, not validation.
STAFF_ONLY: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/api/v1/cases", None),
    ("get", "/api/v1/cases/C370202-20261124-00001", None),
    ("post", "/api/v1/cases/C370202-20261124-00001/transitions", {"action": "close"}),
    ("get", "/api/v1/notifications", None),
    ("post", "/api/v1/notifications/1/retry", None),
    ("get", "/api/v1/stats/satisfaction", None),
    ("post", "/api/v1/callbacks", {"kind": "follow_up", "phone": "13800138000", "reason": "回电"}),
]


@pytest.mark.parametrize(("method", "url", "body"), STAFF_ONLY)
@pytest.mark.parametrize("who", ["resident", "report_token", "anonymous"])
def test_staff_endpoints_refuse_non_staff(client, two_residents, method, url, body, who) -> None:
    headers = {"resident": two_residents["alice"], "anonymous": {},
               "report_token": bearer(two_residents["report"]["access_token"])}[who]
    response = call(client, method, url, headers, **({"json": body} if body is not None else {}))
    assert response.status_code in (401, 403), response.json


@pytest.mark.parametrize(("method", "url", "body"), STAFF_ONLY)
def test_staff_endpoints_let_staff_through(client, make_staff, method, url, body) -> None:
    """The control for the refusals above: an admin passes the same request's checks (a missing case is 404)."""
    _, admin = make_staff("admin")
    response = call(client, method, url, admin, **({"json": body} if body is not None else {}))
    assert response.status_code not in (401, 403, 422), response.json


@pytest.mark.parametrize("path", ["/staff/", "/staff/cases", "/staff/calls", "/staff/stats"])
def test_staff_console_refuses_resident_tokens(client, two_residents, path) -> None:
    response = call(client, "get", path, two_residents["alice"])
    assert response.status_code in (302, 401, 403)
    assert "香港中路" not in response.get_data(as_text=True)


def _dispatched_case(client, make_staff, department: str) -> str:
    _, dispatcher = make_staff("dispatcher")
    created = call(client, "post", "/api/v1/reports", json={"description": "香港中路上有人占道经营卖水果",
                                                            "address": "香港中路10号"}).json
    case_no = created["case_no"]
    if db.session.query(Case).filter_by(case_no=case_no).one().status == "received":
        call(client, "post", f"/api/v1/cases/{case_no}/transitions", dispatcher, json={"action": "register"})
    dispatched = call(client, "post", f"/api/v1/cases/{case_no}/transitions", dispatcher,
                      json={"action": "dispatch", "department": department})
    assert dispatched.status_code == 200, dispatched.json
    return case_no


# The two actions a handler may take (延期 is the dispatcher's): the insider's success is the control.
@pytest.mark.parametrize("action", [
    {"action": "resolve", "outcome": "已处理"}, {"action": "return", "reason": "不属于本部门"},
])
def test_handler_cannot_touch_another_departments_case(client, make_staff, action) -> None:
    case_no = _dispatched_case(client, make_staff, "street:370202010")
    _, outsider = make_staff("handler", department_code="street:370202001")
    status_before = db.session.query(Case).filter_by(case_no=case_no).one().status
    assert call(client, "get", f"/api/v1/cases/{case_no}", outsider).status_code == 404
    response = call(client, "post", f"/api/v1/cases/{case_no}/transitions", outsider, json=action)
    assert response.status_code == 404, response.json
    db.session.expire_all()
    assert db.session.query(Case).filter_by(case_no=case_no).one().status == status_before
    _, insider = make_staff("handler", department_code="street:370202010")
    allowed = call(client, "post", f"/api/v1/cases/{case_no}/transitions", insider, json=action)
    assert allowed.status_code == 200, allowed.json


def test_handler_case_list_holds_only_own_department(client, make_staff) -> None:
    case_no = _dispatched_case(client, make_staff, "street:370202010")
    _, insider = make_staff("handler", department_code="street:370202010")
    _, outsider = make_staff("handler", department_code="street:370202001")
    assert case_no in {c["case_no"] for c in call(client, "get", "/api/v1/cases", insider).json["items"]}
    assert call(client, "get", "/api/v1/cases", outsider).json["total"] == 0


def test_password_change_revokes_staff_tokens(client, make_staff) -> None:
    from service_api.auth.passwords import hash_password

    user, headers = make_staff("dispatcher")
    assert call(client, "get", "/api/v1/cases", headers).status_code == 200
    user.password_hash = hash_password("a-new-password-2026")
    db.session.commit()
    assert call(client, "get", "/api/v1/cases", headers).status_code == 401


def test_deactivated_staff_token_is_401(client, make_staff) -> None:
    user, headers = make_staff("dispatcher")
    user.active = False
    db.session.commit()
    assert call(client, "get", "/api/v1/cases", headers).status_code == 401


# --- Twilio --------------------------------------------------------------------------------------

def _twilio_rules(app) -> list[str]:
    return sorted({r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/twilio/")})


def test_every_twilio_webhook_refuses_unsigned_and_badly_signed_requests(app, client, settings) -> None:
    settings.twilio_auth_token = "real-auth-token"
    rules = _twilio_rules(app)
    assert len(rules) >= 4
    form = {"From": "+8613800001111", "Body": "井盖丢了", "MessageSid": "SM1", "CallSid": "CA1"}
    for rule in rules:
        for headers in ({}, {"X-Twilio-Signature": "bm90LWEtc2lnbmF0dXJl"}):
            response = call(client, "post", rule, headers, data=form)
            assert response.status_code == 403, rule


def test_twilio_webhooks_refuse_everything_when_no_auth_token_is_configured(app, client, settings) -> None:
    from twilio.request_validator import RequestValidator

    settings.twilio_auth_token = ""
    form = {"From": "+8613800001111", "Body": "井盖丢了", "MessageSid": "SM2"}
    signature = RequestValidator("").compute_signature(settings.public_base_url + "/twilio/sms", form)
    assert call(client, "post", "/twilio/sms", {"X-Twilio-Signature": signature}, data=form).status_code == 403


# --- Open311 -------------------------------------------------------------------------------------

def _o311_form(key: str | None) -> dict[str, str]:
    form = {"service_code": "06028", "lat": "36.0620", "long": "120.3845", "description": "夜里广场舞音响太吵",
            "attribute[time_of_day]": "night"}
    if key is not None:
        form["api_key"] = key
    return form


@pytest.mark.parametrize("key", [None, "", "o311_wrong", "x" * 5000])
def test_open311_post_needs_a_valid_key(client, key) -> None:
    response = call(client, "post", f"{O311}/requests.json", data=_o311_form(key))
    assert response.status_code == 403
    assert response.json[0]["code"] == 403


def test_open311_revoked_key_is_403(app, client) -> None:
    from service_api.open311.keys import create_key, revoke_key

    row, plain = create_key("partner")
    assert call(client, "post", f"{O311}/requests.json", data=_o311_form(plain)).status_code == 201
    revoke_key(plain[:12])
    db.session.commit()
    assert call(client, "post", f"{O311}/requests.json", data=_o311_form(plain)).status_code == 403


# --- the embedded default's service key -----------------------------------------------------------

def test_default_service_key_works_only_from_this_machine(client, settings, two_residents) -> None:
    """"dev-service-key" is public knowledge: from elsewhere it would let anyone act for any resident."""
    from service_api.config import DEFAULT_SERVICE_API_KEY

    settings.service_api_key = DEFAULT_SERVICE_API_KEY
    headers = {"Authorization": f"Bearer {DEFAULT_SERVICE_API_KEY}", "X-Resident": "citizen:1"}
    remote = call(client, "get", "/api/v1/me/reports", headers, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert remote.status_code == 401 and remote.json["code"] == "default_service_key"
    local = call(client, "get", "/api/v1/me/reports", headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert local.status_code == 200


def test_a_configured_service_key_works_from_anywhere(client, service_headers) -> None:
    response = call(client, "get", "/api/v1/me/reports", {**service_headers, "X-Resident": "citizen:1"},
                    environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert response.status_code == 200
