"""No page, list, export or Open311 answer any staff role (or a partner) can GET shows a resident's phone whole.

Every GET route of the app is fetched as every staff role: a route added later is swept too, without a change
here. Only the routes listed in RESIDENT_OWN (a resident's own data, to that resident) may show it, and the
whole number then reaches staff only through a logged reveal (test_personal_data.py).
"""

from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest
from flask import g

from service_api.extensions import db
from service_api.models import STAFF_ROLES, CaseEvent, Notification, Rating, Survey
from service_api.models.hotline import CHATBOT_HANDOFF, HotlineCall
from service_api.open311.keys import create_key
from tests.privacy.conftest import PASSWORD
from tests.staff.conftest import StaffClient

PHONE = "+8613912345678"
DIGITS = "13912345678"
# Routes that are a resident's own (their token or their report's access token): staff get nothing from them.
RESIDENT_OWN = {"/api/v1/me/export", "/api/v1/me/notifications", "/api/v1/me/reports"}
# Not pages: files served as they are, and Swagger UI.
REFERENCE_DATA = {"/api/v1/intake/places"}  # the gazetteer's place names, for any staff or service caller
NOT_PAGES = ("/static/", "/staff/static/", "/m/static/", "/api/docs", "/photos/")


def _flat(text: str) -> str:
    """Full-width digits made ASCII and separators dropped, so a number is found however it is written."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch not in " -.\u3000")


def _body(response) -> str:
    data = response.get_data()
    if data[:2] == b"PK":  # an XLSX workbook: the text of every part
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return data.decode("utf-8", "replace")


@pytest.fixture
def everywhere(client, service_headers) -> dict[str, str]:
    """A hotline report whose resident's phone is in every place personal data can sit: the contact, the
    description, a staff note, a rating, the call and its notes, a callback with its chat, a message, a survey."""
    created = client.post("/api/v1/reports", headers=service_headers, json={
        "description": "香港中路12号门口的污水井盖丢了，很危险，联系我 139-1234-5678",
        "address": "香港中路12号", "channel": "hotline", "contact": {"phone": PHONE, "name": "王小明"}})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    from service_api.models import Case, Report

    report = db.session.get(Report, body["id"])
    case = db.session.query(Case).filter_by(case_no=body["case_no"]).one()
    db.session.add(CaseEvent(case_id=case.id, report_id=report.id, action="note", actor_type="staff",
                             actor_name="agent", note="已电话联系居民 +86 139 1234 5678"))
    db.session.add(Rating(case_id=case.id, report_id=report.id, rating="unsatisfied", channel="sms",
                          comment="还是很脏，打我电话１３９１２３４５６７８"))
    call = HotlineCall(caller_phone=PHONE, status="done", report_id=report.id, case_id=case.id,
                       notes="居民说打 13912345678 找他", data={})
    db.session.add(call)
    from service_api.hotline.callbacks import create_callback

    callback = create_callback(kind=CHATBOT_HANDOFF, phone=PHONE, reason="居民要求回电 13912345678",
                               transcript=[{"from": "user", "text": "我的电话 139 1234 5678", "at": None}],
                               report_id=report.id, case_id=case.id)
    db.session.add(Notification(kind="closed", channel="sms", recipient=PHONE, report_id=report.id,
                                case_id=case.id, status="pending", body="您反映的问题已处理"))
    db.session.add(Survey(case_id=case.id, report_id=report.id, phone=PHONE, channel="sms", status="pending"))
    _, key = create_key("sweep partner")
    db.session.commit()
    return {"case_no": case.case_no, "case_id": str(case.id), "report_id": str(report.id),
            "tracking_no": report.tracking_no, "callback_id": str(callback.id), "call_id": str(call.id),
            "key": key}


def _urls(app, seeded: dict[str, str]) -> list[str]:
    """Every GET route with its parameters filled from the seeded case (routes needing what was not seeded are
    left out: component codes, photo ids, Open311 tokens)."""
    values = {"case_no": seeded["case_no"], "case_id": seeded["case_id"], "callback_id": seeded["callback_id"],
              "call_id": seeded["call_id"], "tracking_no": seeded["tracking_no"],
              "service_request_id": seeded["report_id"], "report_ref": seeded["tracking_no"]}
    choices = {"fmt": ("json", "xml", "csv", "xlsx"), "kind": ("thumb", "full")}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule in RESIDENT_OWN or any(p in rule.rule for p in NOT_PAGES):
            continue
        if set(rule.arguments) - set(values) - set(choices):
            continue
        options = [{}]
        for name in rule.arguments & set(choices):
            converter = rule._converters[name]  # the formats this route takes (any(json, xml) …)
            allowed = [c for c in choices[name] if c in getattr(converter, "items", choices[name])]
            options = [{**o, name: c} for o in options for c in allowed]
        for option in options:
            urls.append(rule.build({**{k: values[k] for k in rule.arguments if k in values}, **option},
                                   append_unknown=False)[1])
    return sorted(set(urls))


def test_no_staff_role_or_partner_gets_a_whole_phone_from_any_page(app, everywhere, make_staff):
    urls = _urls(app, everywhere)
    assert f"/staff/callbacks/{everywhere['callback_id']}" in urls and "/staff/stats/export.xlsx" in urls
    app.test_client_class = StaffClient
    reached: dict[str, set[str]] = {}  # role ("public": nobody signed in) → URLs answered 200
    leaks = []
    for role in (*STAFF_ROLES, "public"):
        console, headers = app.test_client(), {}
        if role != "public":
            user, headers = make_staff(role)
            assert console.post_form("/staff/login", {"username": user.username, "password": PASSWORD}
                                     ).status_code == 302
        for url in urls:
            g.pop("principal", None)
            query = {"api_key": everywhere["key"]} if url.startswith("/open311/") else None
            response = console.get(url, headers=headers, query_string=query)
            if response.status_code != 200:
                continue
            reached.setdefault(role, set()).add(url)
            flat = _flat(_body(response))
            if DIGITS in flat:
                at = flat.index(DIGITS)
                leaks.append(f"{role} {url} …{flat[max(at - 60, 0):at + 20]}…")
    assert not leaks, "whole phone number shown:\n" + "\n".join(leaks)
    # The sweep reached the pages that carry personal data (a 403 everywhere would prove nothing).
    everyone = set().union(*reached.values())
    for url in (f"/staff/cases/{everywhere['case_no']}", "/staff/calls", "/staff/callbacks",
                f"/staff/callbacks/{everywhere['callback_id']}", f"/staff/calls/{everywhere['call_id']}/saved",
                "/staff/stats", "/staff/stats/export.csv", "/staff/stats/export.xlsx", "/staff/audit",
                "/staff/audit/export.csv", "/api/v1/audit", f"/api/v1/cases/{everywhere['case_no']}",
                f"/api/v1/reports/{everywhere['tracking_no']}", "/api/v1/notifications", "/open311/v2/requests.json",
                "/open311/v2/requests.xml", f"/r/{everywhere['tracking_no']}"):
        assert url in everyone, f"{url} was not reached by any role"
    # The auditor reads the audit trail and nothing else beyond what is public, and nobody else reads the trail.
    auditor_only = reached["auditor"] - reached["public"] - REFERENCE_DATA
    assert {u for u in auditor_only if not u.startswith("/staff/security/")} == {
        "/api/v1/audit", "/api/v1/audit/export.csv", "/staff/audit", "/staff/audit/export.csv"}
    assert not [(role, url) for role, urls_ in reached.items() if role != "auditor" for url in urls_
                if "audit" in url]
