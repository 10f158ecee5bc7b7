"""Idempotency-Key on POST /api/v1/reports (issue 17, item 4): anonymous clients' keys never meet, a genuine
retry gets back its access token, and a key reused for a different request is refused."""

from __future__ import annotations

from typing import Any

from flask import g

from service_api.extensions import db
from service_api.models import Report

KEY = {"Idempotency-Key": "1"}  # the kind of key a careless client sends: every client may send it
FIRST = {"description": "香港中路12号门口的井盖丢了，很危险", "address": "香港中路12号"}
SECOND = {"description": "湛山路的路灯坏了三盏，晚上很黑", "address": "湛山路",
          "contact": {"phone": "13912345678"}}


def post(client, body: dict[str, Any], headers: dict[str, str]):
    g.pop("principal", None)
    return client.post("/api/v1/reports", json=body, headers=headers)


def read(client, ref: Any, token: str):
    g.pop("principal", None)
    return client.get(f"/api/v1/reports/{ref}", headers={"Authorization": f"Bearer {token}"})


def test_two_anonymous_residents_with_the_same_key_each_file_their_own_report(client) -> None:
    mine, theirs = post(client, FIRST, KEY), post(client, SECOND, KEY)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json["id"] != theirs.json["id"]
    assert theirs.json["description"] == SECOND["description"]
    assert {r.description for r in db.session.query(Report)} == {FIRST["description"], SECOND["description"]}
    # Each token opens its owner's report only.
    assert read(client, theirs.json["id"], theirs.json["access_token"]).json["description"] == SECOND["description"]
    assert read(client, mine.json["id"], theirs.json["access_token"]).status_code == 404


def test_a_genuine_anonymous_retry_gets_the_same_report_and_its_access_token(client) -> None:
    first = post(client, SECOND, KEY)
    retry = post(client, {**SECOND, "contact": {"phone": "+86 139-1234-5678"}}, KEY)  # the same number
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json["id"] == first.json["id"] and db.session.query(Report).count() == 1
    assert retry.json["access_token"] == first.json["access_token"]
    assert read(client, retry.json["id"], retry.json["access_token"]).status_code == 200


def test_one_client_reusing_a_key_for_a_different_report_is_409(client, citizen) -> None:
    _, headers = citizen("+8613800001111")
    first = post(client, FIRST, {**headers, **KEY})
    reused = post(client, SECOND, {**headers, **KEY})
    assert first.status_code == 201
    assert reused.status_code == 409 and reused.json["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in reused.json["message"] and "不同" in reused.json["message"]
    assert [r.description for r in db.session.query(Report)] == [FIRST["description"]]
    # The genuine retry is still answered with the first report and its token.
    retry = post(client, FIRST, {**headers, **KEY})
    assert retry.status_code == 200 and retry.json["id"] == first.json["id"]
    assert retry.json["access_token"] == first.json["access_token"]


def test_the_chatbot_reusing_a_key_for_another_report_is_409(client, service_headers) -> None:
    headers = {**service_headers, "X-Resident": "anon:chat-1", **KEY}
    assert post(client, {**FIRST, "channel": "chatbot"}, headers).status_code == 201
    assert post(client, {**SECOND, "channel": "chatbot"}, headers).status_code == 409
    assert post(client, {**FIRST, "channel": "chatbot"}, headers).status_code == 200


def test_a_twilio_call_id_still_names_one_report_whatever_was_said(app) -> None:
    """Webhooks key reports by the provider's call id on purpose: a second step of the same call is no conflict."""
    from service_api.auth.principal import Principal
    from service_api.reports.accept import ReportInput, accept_report

    def voice(text: str):
        return accept_report(ReportInput(description=text, channel="voice", contact={"phone": "+8613800138000"},
                                         idempotency_key="call:CA1"), Principal("service"))

    first, second = voice("井盖丢了"), voice("（语音留言）")
    assert first.created and not second.created and second.report.id == first.report.id
