"""A report from another district waits for triage: it is not shown as assigned, and its rejection tells the
resident to report it to that district (not the "社保、就业" advice for non-city matters)."""

from __future__ import annotations

from service_api.extensions import db
from service_api.messages import OUT_OF_SCOPE_HINT
from service_api.models import Notification, Report
from service_api.models.outbox import Kind

AWAY = {"description": "崂山区海尔路1号门口井盖丢了，很危险", "address": "崂山区海尔路1号",
        "contact": {"phone": "13912345678"}}


def away_case(app):
    created = app.test_client().post("/api/v1/reports", json=AWAY)
    assert created.status_code == 201, created.json
    return db.session.query(Report).filter_by(tracking_no=created.json["tracking_no"]).one().case


def test_the_staff_page_shows_a_triage_case_as_not_dispatched(app, staff_client):
    case = away_case(app)
    assert case.triage
    dispatcher, _ = staff_client("dispatcher")
    page = dispatcher.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    department = page[page.index('id="case-department"'):].split("</p>")[0]
    assert "待分拣，未派遣" in department
    assert "市政设施服务中心" not in department and "时限" not in department


def test_rejecting_an_out_of_area_report_sends_the_resident_to_that_district(app, staff_client):
    case = away_case(app)
    dispatcher, _ = staff_client("dispatcher")
    dispatcher.post_form(f"/staff/cases/{case.case_no}/transition", {"action": "reject", "reason": "out_of_scope"},
                         page=f"/staff/cases/{case.case_no}")
    db.session.refresh(case)
    assert case.status == "rejected"
    bodies = [n.body for n in db.session.query(Notification).filter_by(case_id=case.id, kind=Kind.REJECTED)]
    assert bodies
    for body in bodies:
        assert "崂山区" in body and "12345" in body
        assert OUT_OF_SCOPE_HINT not in body and "社保" not in body
