"""What staff read in the console and its exports: Chinese labels for roles and channels, the department in
the 派遣 event, the confidence after a matter change, the handler's department filter (issue 17, item 20)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from service_api.extensions import db
from service_api.models import Case, Rating, Report
from tests.staff.test_desk import dept, make_case

CODES = re.compile(r"\b(agent|dispatcher|handler|reviewer|admin|miniprogram|hotline|chatbot)\b")


def test_a_refused_role_is_named_in_chinese(client, staff_client, make_staff):
    case = make_case(1, status="registered")
    handler, _ = staff_client("handler")
    path = f"/staff/cases/{case.case_no}"
    page = handler.post_form(f"{path}/transition", {"action": "dispatch"}, page=path,
                             follow_redirects=True).get_data(as_text=True)
    assert "处置人员不能执行「派遣」" in page
    _, headers = make_staff("handler")
    response = client.post(f"/api/v1/cases/{case.case_no}/transitions", json={"action": "dispatch"},
                           headers=headers)
    assert response.status_code == 403 and not CODES.search(response.json["message"])
    assert "处置人员" in response.json["message"]


def test_the_xlsx_names_rating_channels_in_chinese(staff_client):
    case = make_case(1, status="closed")
    report = db.session.query(Report).filter_by(case_id=case.id).one()
    db.session.add(Rating(case_id=case.id, report_id=report.id, rating="unsatisfied", channel="miniprogram",
                          comment="垃圾还在"))
    db.session.commit()
    reviewer, _ = staff_client("reviewer")
    response = reviewer.get("/staff/stats/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["不满意评价"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == case.case_no and rows[1][4] == "小程序"
    assert not any(CODES.search(str(cell)) for row in rows for cell in row if cell)


def test_the_dispatch_event_names_the_department(staff_client):
    case = make_case(1, status="registered", department="370202-hjws")
    dispatcher, _ = staff_client("dispatcher")
    path = f"/staff/cases/{case.case_no}"
    dispatcher.post_form(f"{path}/transition", {"action": "dispatch", "note": "请今日处理"}, page=path)
    events = dispatcher.get(path).get_data(as_text=True).split('id="events"')[1].split("</ol>")[0]
    assert f"派遣至{dept('370202-hjws').name}：请今日处理" in events


def test_a_matter_change_drops_the_old_confidence(staff_client):
    case = make_case(1, status="registered", matter_confidence=0.93)
    dispatcher, _ = staff_client("dispatcher")
    path = f"/staff/cases/{case.case_no}"
    assert "智能分类置信度 93%" in dispatcher.get(path).get_data(as_text=True)
    dispatcher.post_form(f"{path}/matter", {"matter": "01037", "reason": "实为路灯不亮"}, page=path)
    page = dispatcher.get(path).get_data(as_text=True)
    assert "93%" not in page and "人工确认事项" in page
    assert db.session.get(Case, case.id).matter_confidence is None


def test_the_handlers_department_filter_lists_only_their_department(staff_client):
    make_case(1, department="street:370202001")
    handler, _ = staff_client("handler", department_code="street:370202001")
    page = handler.get("/staff/cases").get_data(as_text=True)
    options = re.findall(r'<option value="([^"]+)"', page.split('id="f-dept"')[1].split("</select>")[0])
    assert options == ["street:370202001"]
    dispatcher, _ = staff_client("dispatcher")
    page = dispatcher.get("/staff/cases").get_data(as_text=True)
    assert len(re.findall(r"<option value=", page.split('id="f-dept"')[1].split("</select>")[0])) > 1
