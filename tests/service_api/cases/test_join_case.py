"""Joining an open case (`join_case_no`): only the same problem nearby joins; anything else is filed on its own.

Case numbers are sequential and public (Open311, /r/), so a join request is a claim to check, not an order:
a stranger's unrelated text must not become a reporter of someone else's case (and rate it)."""

from __future__ import annotations

from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Case, Report

# 五四广场, 市南区, in WGS-84.
SQUARE = {"lat": 36.0620, "lng": 120.3845, "crs": "wgs84"}
GAS_COVER = "五四广场东门燃气井盖没了，很危险"


def post(client, body):
    return client.post("/api/v1/reports", json=body)


def gas_case(client) -> Case:
    created = post(client, {"description": GAS_COVER, "location": SQUARE})
    assert created.status_code == 201, created.json
    return db.session.query(Case).filter_by(case_no=created.json["case_no"]).one()


def test_unrelated_text_naming_a_case_is_filed_on_its_own_and_told_so(client):
    case = gas_case(client)
    stranger = post(client, {"description": "这里的垃圾桶也满了", "join_case_no": case.case_no})
    assert stranger.status_code == 201, stranger.json
    body = stranger.json
    assert body["case_no"] != case.case_no
    assert body["join"]["joined"] is False and "未并入" in body["join"]["message"]
    db.session.refresh(case)
    assert case.report_count == 1 and [r.id for r in case.reports] != [body["id"]]
    report = db.session.get(Report, body["id"])
    assert report.case_id is not None and not report.is_duplicate  # kept: its own case, nothing lost


def test_no_place_at_all_is_not_merged_as_resident_confirmed(client):
    case = gas_case(client)
    body = post(client, {"description": "路灯坏了", "join_case_no": case.case_no}).json
    assert body["join"]["joined"] is False and body["case_no"] != case.case_no
    db.session.refresh(case)
    assert case.report_count == 1


def test_the_same_problem_nearby_joins_the_case(client):
    case = gas_case(client)
    body = post(client, {"description": "燃气井盖丢了，五四广场东门", "location": SQUARE,
                         "join_case_no": case.case_no}).json
    assert body["case_no"] == case.case_no
    assert body["join"] == {"case_no": case.case_no, "joined": True, "message": f"已与案件{case.case_no}合并办理"}


def test_the_rating_of_a_refused_joiner_does_not_touch_the_case(client):
    case = gas_case(client)
    stranger = post(client, {"description": "这里的垃圾桶也满了", "join_case_no": case.case_no}).json
    for action in ("register", "dispatch", "resolve", "verify", "close"):
        if action == "register" and case.status != "received":
            continue
        apply_transition(case, TransitionRequest(action, outcome="已补装井盖"), SYSTEM)
    db.session.commit()
    rated = client.post(f"/api/v1/reports/{stranger['tracking_no']}/rating", json={"rating": "unsatisfied"},
                        headers={"Authorization": f"Bearer {stranger['access_token']}"})
    assert rated.status_code != 500
    db.session.refresh(case)
    assert not case.needs_review


def test_unknown_or_closed_case_is_refused_clearly(client):
    unknown = post(client, {"description": "井盖没了", "join_case_no": "C370202-20261205-99999"})
    assert unknown.status_code == 404 and "未找到案件" in unknown.json["message"]
    case = gas_case(client)
    case.status = "closed"
    db.session.commit()
    closed = post(client, {"description": GAS_COVER, "location": SQUARE, "join_case_no": case.case_no})
    assert closed.status_code == 409 and "已办结" in closed.json["message"]
    assert db.session.query(Report).count() == 1

