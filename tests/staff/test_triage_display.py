"""A report from another district waits for triage: it is not shown as assigned, and its rejection tells the
resident to report it to that district (not the "社保、就业" advice for non-city matters)."""

from __future__ import annotations

from service_api.extensions import db
from service_api.messages import OUT_OF_SCOPE_HINT
from service_api.models import Notification, Report
from service_api.vocab import Kind

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


def test_triage_cases_are_numbered_in_our_district_and_can_be_found(app, staff_client):
    """The district a report names is where a rejection sends the resident, not part of our case number."""
    away = away_case(app)
    unplaced = app.test_client().post("/api/v1/reports", json={"description": "路灯不亮了"})
    assert unplaced.status_code == 201
    nowhere = db.session.query(Report).filter_by(tracking_no=unplaced.json["tracking_no"]).one().case
    dispatcher, _ = staff_client("dispatcher")
    for case in (away, nowhere):
        assert case.triage and case.case_no.startswith("C370202-"), case.case_no
        assert dispatcher.get(f"/staff/cases/{case.case_no}").status_code == 200


def test_the_case_list_shows_a_triage_case_as_waiting_not_assigned(app, staff_client):
    case = away_case(app)
    dispatcher, _ = staff_client("dispatcher")
    page = dispatcher.get("/staff/cases").get_data(as_text=True)
    row = page[page.index(f">{case.case_no}<"):].split("</tr>")[0]
    assert "待分拣" in row and "市政设施服务中心" not in row


def test_after_rejection_every_surface_sends_the_resident_to_that_district(app, staff_client):
    """The resident's page says what the SMS said (崂山区, not the 社保 advice), promises no survey, and staff do not
    see the case as assigned to our department."""
    case = away_case(app)
    dispatcher, _ = staff_client("dispatcher")
    dispatcher.post_form(f"/staff/cases/{case.case_no}/transition", {"action": "reject", "reason": "out_of_scope"},
                         page=f"/staff/cases/{case.case_no}")
    report = case.reports[0]
    public = app.test_client().get(f"/r/{report.tracking_no}").get_data(as_text=True)
    assert "请向崂山区反映" in public and "社保" not in public
    assert "满意度评价邀请" not in public
    staff_page = dispatcher.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    department = staff_page[staff_page.index('id="case-department"'):].split("</p>")[0]
    assert "不予立案，未派遣" in department and "市政设施服务中心" not in department
