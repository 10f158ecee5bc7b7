"""Staff move a case through the workflow: 立案 → 派遣 → 处置 → 核查 → 结案, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service_api.extensions import db
from service_api.models import Case, CaseEvent


def new_case(client, text="香港中路12号门口的污水井盖丢了，很危险", address="香港中路12号"):
    created = client.post("/api/v1/reports", json={"description": text, "address": address}).json
    return created["case_no"]


def act(client, headers, case_no, **body):
    return client.post(f"/api/v1/cases/{case_no}/transitions", json=body, headers=headers)


def test_full_workflow_records_every_step(client, make_staff):
    _, dispatcher = make_staff("dispatcher")
    _, handler = make_staff("handler", department_code="street:370202010")
    _, reviewer = make_staff("reviewer")
    case_no = new_case(client, "香港中路上有人占道经营卖水果", "香港中路10号")
    case = db.session.query(Case).filter_by(case_no=case_no).one()
    if case.status == "received":
        assert act(client, dispatcher, case_no, action="register").status_code == 200
    response = act(client, dispatcher, case_no, action="dispatch", department="street:370202010")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "dispatched" and response.json["deadline"]
    assert act(client, handler, case_no, action="resolve", outcome="已劝离摊贩并清理现场").status_code == 200
    assert act(client, reviewer, case_no, action="verify").status_code == 200
    closed = act(client, reviewer, case_no, action="close")
    assert closed.json["status"] == "closed"
    actions = [e.action for e in db.session.query(CaseEvent).join(Case).filter(Case.case_no == case_no)]
    assert actions[-4:] == ["dispatch", "resolve", "verify", "close"]
    detail = client.get(f"/api/v1/cases/{case_no}", headers=reviewer).json
    assert "reopen" in detail["allowed_actions"]


def test_illegal_transition_is_409_with_message(client, make_staff):
    _, dispatcher = make_staff("dispatcher")
    case_no = new_case(client)
    response = act(client, dispatcher, case_no, action="close")
    assert response.status_code == 409
    assert response.json["code"] == "illegal_transition" and "结案" in response.json["message"]


def test_roles_limit_actions(client, make_staff):
    _, agent = make_staff("agent")
    case_no = new_case(client, "我想咨询一下公积金怎么提取", None)
    response = act(client, agent, case_no, action="dispatch", department="street:370202010")
    assert response.status_code == 403


def test_reject_needs_a_reason_and_tells_why(client, make_staff):
    _, agent = make_staff("agent")
    case_no = new_case(client, "我想咨询一下公积金怎么提取", None)
    assert act(client, agent, case_no, action="reject").status_code == 422
    response = act(client, agent, case_no, action="reject", reason="out_of_scope")
    assert response.status_code == 200 and response.json["status"] == "rejected"


def test_handler_sees_only_own_department(client, make_staff):
    _, dispatcher = make_staff("dispatcher")
    _, handler = make_staff("handler", department_code="street:370202001")
    case_no = new_case(client, "香港中路上有人占道经营卖水果", "香港中路10号")
    case = db.session.query(Case).filter_by(case_no=case_no).one()
    if case.status == "received":
        act(client, dispatcher, case_no, action="register")
    act(client, dispatcher, case_no, action="dispatch", department="street:370202010")
    assert client.get(f"/api/v1/cases/{case_no}", headers=handler).status_code == 404
    assert act(client, handler, case_no, action="resolve", outcome="done").status_code == 404
    assert client.get("/api/v1/cases", headers=handler).json["total"] == 0


def test_extend_needs_a_later_deadline(client, make_staff):
    _, dispatcher = make_staff("dispatcher")
    case_no = new_case(client, "香港中路上有人占道经营卖水果", "香港中路10号")
    if db.session.query(Case).filter_by(case_no=case_no).one().status == "received":
        act(client, dispatcher, case_no, action="register")
    dispatched = act(client, dispatcher, case_no, action="dispatch", department="street:370202010").json
    earlier = (datetime.fromisoformat(dispatched["deadline"]) - timedelta(hours=1)).isoformat()
    assert act(client, dispatcher, case_no, action="extend", deadline=earlier).status_code == 422
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    response = act(client, dispatcher, case_no, action="extend", deadline=later, note="需协调产权单位")
    assert response.status_code == 200 and response.json["status"] == "dispatched"


def test_case_list_filters_and_masks_phones(client, make_staff):
    _, dispatcher = make_staff("dispatcher")
    client.post("/api/v1/reports", json={"description": "五四广场垃圾箱满溢", "contact": {"phone": "13812345678"},
                                         "location": {"lat": 36.062, "lng": 120.3845}})
    new_case(client, "我想咨询一下公积金怎么提取", None)
    listing = client.get("/api/v1/cases?status=registered&matter=06", headers=dispatcher).json
    assert listing["total"] == 1
    detail = client.get(f"/api/v1/cases/{listing['items'][0]['case_no']}", headers=dispatcher).json
    assert detail["reports"][0]["contact_phone"] == "138****5678"
    assert client.get("/api/v1/cases?status=bogus", headers=dispatcher).status_code == 422


def test_cases_need_a_staff_token(client):
    assert client.get("/api/v1/cases").status_code == 401
