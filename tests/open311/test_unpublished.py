"""What Open311 must not publish: private or home matters, cases rejected as out of scope, and a triage case
dressed up with a matter, a department and a time limit it has not been given."""

from __future__ import annotations

from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Report
from tests.open311.conftest import BASE

SQUARE = {"lat": 36.0620, "lng": 120.3845, "crs": "wgs84"}


def resident_report(client, body) -> dict:
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.json
    return response.json


def listed(client) -> dict[str, dict]:
    response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 200, response.data
    return {item["service_request_id"]: item for item in response.json}


def test_a_neighbour_complaint_from_home_is_not_published(client):
    private = resident_report(client, {"description": "楼上邻居半夜打麻将太吵", "location": SQUARE})
    public = resident_report(client, {"description": "五四广场东边的垃圾桶满了，垃圾溢出来一地", "location": SQUARE})
    items = listed(client)
    assert private["tracking_no"] not in items and public["tracking_no"] in items
    assert client.get(f"{BASE}/requests/{private['tracking_no']}.json").status_code == 404
    assert client.get(f"{BASE}/requests.json?service_request_id={private['tracking_no']}").json == []
    assert private["tracking_no"] not in {
        i["service_request_id"] for i in client.get(f"{BASE}/requests.json?service_code=06028").json}


def test_a_triage_case_is_not_published_as_assigned(client):
    away = resident_report(client, {"description": "崂山区海尔路1号门口井盖丢了", "address": "崂山区海尔路1号"})
    case = db.session.query(Report).filter_by(tracking_no=away["tracking_no"]).one().case
    assert case.triage
    item = listed(client)[away["tracking_no"]]
    assert item["agency_responsible"] is None
    assert "待分拣" in item["service_notice"] and "时限" not in item["service_notice"]
    assert item["service_code"] == "" and item["service_name"] is None


def test_a_case_rejected_as_out_of_scope_is_not_published(client):
    away = resident_report(client, {"description": "崂山区海尔路1号门口井盖丢了", "address": "崂山区海尔路1号"})
    case = db.session.query(Report).filter_by(tracking_no=away["tracking_no"]).one().case
    assert away["tracking_no"] in listed(client)
    apply_transition(case, TransitionRequest("reject", reason="out_of_scope"), SYSTEM)
    db.session.commit()
    assert away["tracking_no"] not in listed(client)
    assert client.get(f"{BASE}/requests/{away['tracking_no']}.json").status_code == 404


def test_a_rejection_reads_in_words_in_the_published_notes(client):
    """Open311's notes say what the public /r/ page says, not the label twice ("不予立案：不予立案")."""
    report = resident_report(client, {"description": "路灯不亮了"})  # no place: waits for triage
    case = db.session.query(Report).filter_by(tracking_no=report["tracking_no"]).one().case
    apply_transition(case, TransitionRequest("reject", reason="not_a_problem"), SYSTEM)
    db.session.commit()
    item = client.get(f"{BASE}/requests/{report['tracking_no']}.json?extensions=true").json[0]
    summaries = [note["summary"] for note in item["extended_attributes"]["notes"]]
    assert "不予立案：经核实问题不存在" in summaries, summaries
