"""The case desk: queues, department visibility, transitions as buttons, corrections, lights, photos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service_api.cases import desk
from service_api.extensions import db
from service_api.models import Case, CaseEvent, Department, Rating, Report, utcnow


def dept(code: str) -> Department:
    return db.session.query(Department).filter_by(code=code).one()


def make_case(no: int, status: str = "registered", department: str | None = "street:370202001", reports: int = 1,
              **fields) -> Case:
    case = Case(case_no=f"C370202-20260101-{no:05d}", status=status, source_channel="miniprogram",
                matter_code=fields.pop("matter_code", "06042"), description=f"案件{no}",
                department_id=dept(department).id if department else None, report_count=reports,
                street_code="370202001", time_limit_amount=4, time_limit_unit="working_hours", **fields)
    db.session.add(case)
    db.session.flush()
    for index in range(reports):
        db.session.add(Report(tracking_no=f"R2026112400{no:02d}{index:02d}", channel="miniprogram",
                              description=f"反映{no}-{index}", case_id=case.id, is_duplicate=index > 0,
                              contact_phone="13800001111", in_scope=True, matter_code="06042"))
    db.session.commit()
    return case


def test_handler_sees_only_their_department(staff_client):
    own = make_case(1, department="street:370202001")
    other = make_case(2, department="370202-hjws")
    handler, _ = staff_client("handler", department_code="street:370202001")
    page = handler.get("/staff/cases").get_data(as_text=True)
    assert own.case_no in page and other.case_no not in page
    assert handler.get(f"/staff/cases/{other.case_no}").status_code == 404
    dispatcher, _ = staff_client("dispatcher")
    page = dispatcher.get("/staff/cases").get_data(as_text=True)
    assert own.case_no in page and other.case_no in page


def test_queues_and_filters(staff_client):
    triage = make_case(1, status="received", triage=True)
    to_dispatch = make_case(2, status="registered")
    overdue = make_case(3, status="dispatched", dispatched_at=utcnow() - timedelta(days=3),
                        deadline=utcnow() - timedelta(hours=1))
    reopened = make_case(4, status="reopened")
    unhappy = make_case(5, status="closed", department="370202-hjws")
    db.session.add(Rating(case_id=unhappy.id, report_id=db.session.query(Report).filter_by(case_id=unhappy.id)
                          .one().id, rating="unsatisfied", channel="sms"))
    db.session.commit()
    client, _ = staff_client("dispatcher")
    expected = {"triage": triage, "to_register": triage, "to_dispatch": to_dispatch, "overdue": overdue,
                "reopened": reopened, "unsatisfied": unhappy}
    for queue, case in expected.items():
        page = client.get(f"/staff/cases?queue={queue}").get_data(as_text=True)
        listed = {c.case_no for c in (triage, to_dispatch, overdue, reopened, unhappy) if c.case_no in page}
        assert listed == {case.case_no}, queue
    page = client.get("/staff/cases?department=370202-hjws").get_data(as_text=True)
    assert unhappy.case_no in page and triage.case_no not in page
    page = client.get("/staff/cases?status=reopened&channel=miniprogram").get_data(as_text=True)
    assert reopened.case_no in page and overdue.case_no not in page


def test_dispatch_resolve_verify_close_through_the_buttons(staff_client):
    case = make_case(1, status="registered")
    dispatcher, _ = staff_client("dispatcher")
    handler, _ = staff_client("handler", department_code="street:370202001")
    path = f"/staff/cases/{case.case_no}"
    page = dispatcher.get(path).get_data(as_text=True)
    assert 'data-action="dispatch"' in page and 'data-action="resolve"' not in page
    dispatcher.post_form(f"{path}/transition", {"action": "dispatch"}, page=path)
    assert db.session.get(Case, case.id).status == "dispatched"
    page = handler.get(path).get_data(as_text=True)
    assert 'data-action="resolve"' in page and 'data-action="dispatch"' not in page
    missing = handler.post_form(f"{path}/transition", {"action": "resolve"}, page=path, follow_redirects=True)
    assert "处置结果" in missing.get_data(as_text=True) and db.session.get(Case, case.id).status == "dispatched"
    handler.post_form(f"{path}/transition", {"action": "resolve", "outcome": "已清运"}, page=path)
    for action in ("verify", "close"):
        dispatcher.post_form(f"{path}/transition", {"action": action}, page=path)
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "closed"
    events = [(e.action, e.actor_type) for e in db.session.query(CaseEvent).filter_by(case_id=case.id)]
    assert events == [("dispatch", "staff"), ("resolve", "staff"), ("verify", "staff"), ("close", "staff")]


def test_illegal_transition_is_refused_with_a_message(staff_client):
    case = make_case(1, status="closed")
    handler, _ = staff_client("handler", department_code="street:370202001")
    path = f"/staff/cases/{case.case_no}"
    page = handler.post_form(f"{path}/transition", {"action": "resolve", "outcome": "x"}, page=path,
                             follow_redirects=True).get_data(as_text=True)
    assert "不能执行" in page or "无权" in page or "不能" in page
    assert db.session.get(Case, case.id).status == "closed"


def test_change_matter_and_department_need_a_reason_and_leave_events(staff_client):
    case = make_case(1, status="registered")
    dispatcher, _ = staff_client("dispatcher")
    path = f"/staff/cases/{case.case_no}"
    dispatcher.post_form(f"{path}/matter", {"matter": "01037", "reason": ""}, page=path)
    assert db.session.get(Case, case.id).matter_code == "06042"
    dispatcher.post_form(f"{path}/matter", {"matter": "01037", "reason": "实为路灯不亮"}, page=path)
    dispatcher.post_form(f"{path}/department", {"department": "370202-hjws", "reason": "环卫负责"}, page=path)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.matter_code == "01037" and case.department.code == "370202-hjws"
    events = {e.action: e for e in db.session.query(CaseEvent).filter_by(case_id=case.id)}
    assert events["change_matter"].data["from"] == "06042" and "实为路灯不亮" in events["change_matter"].note
    assert events["change_department"].data["to"] == "370202-hjws"
    handler, _ = staff_client("handler", department_code="370202-hjws")
    assert handler.post_form(f"{path}/department", {"department": "370202-ldgl", "reason": "x"},
                             page=path).status_code == 403


def test_split_a_wrongly_merged_report_into_its_own_case(staff_client):
    case = make_case(1, status="registered", reports=2)
    wrong = db.session.query(Report).filter_by(case_id=case.id, is_duplicate=True).one()
    dispatcher, _ = staff_client("dispatcher")
    path = f"/staff/cases/{case.case_no}"
    dispatcher.post_form(f"{path}/split", {"report_id": wrong.id, "reason": "不是同一个垃圾箱"}, page=path)
    db.session.expire_all()
    case, wrong = db.session.get(Case, case.id), db.session.get(Report, wrong.id)
    assert case.report_count == 1 and wrong.case_id != case.id and not wrong.is_duplicate
    new_case = db.session.get(Case, wrong.case_id)
    assert new_case.report_count == 1 and new_case.department_id is not None
    assert db.session.query(CaseEvent).filter_by(case_id=case.id, action="split_out").count() == 1
    assert db.session.query(CaseEvent).filter_by(case_id=new_case.id, action="split_in").count() == 1
    last = db.session.query(Report).filter_by(case_id=case.id).one()
    dispatcher.post_form(f"{path}/split", {"report_id": last.id, "reason": "x"}, page=path)
    assert db.session.get(Report, last.id).case_id == case.id  # the last report cannot be split out


@pytest.mark.parametrize(("hours_used", "color"), [(1, "green"), (3.5, "yellow"), (5, "red")])
def test_deadline_lights_use_working_time(app, hours_used, color):
    # Dispatched Tuesday 2026-11-24 09:00 local with 4 working hours: due 13:00 the same day.
    start = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    case = Case(case_no="C1", status="dispatched", source_channel="sms", dispatched_at=start,
                deadline=start + timedelta(hours=4), time_limit_unit="working_hours")
    light = desk.deadline_light(case, now=start + timedelta(hours=hours_used))
    assert light is not None and light.color == color


def test_deadline_light_counts_only_working_hours(app):
    # Dispatched Friday 2026-11-27 16:30 local, 2 working hours: due Monday 10:00. On Saturday only half the
    # limit is used (green), although two wall-clock hours have long passed.
    start = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    case = Case(case_no="C1", status="dispatched", source_channel="sms", dispatched_at=start,
                deadline=datetime(2026, 11, 30, 2, 0, tzinfo=UTC), time_limit_unit="working_hours")
    assert desk.deadline_light(case, now=datetime(2026, 11, 28, 4, 0, tzinfo=UTC)).color == "green"
    assert desk.deadline_light(case, now=datetime(2026, 11, 30, 1, 40, tzinfo=UTC)).color == "yellow"
    assert desk.deadline_light(case, now=datetime(2026, 11, 30, 2, 30, tzinfo=UTC)).color == "red"


def test_a_resolved_case_awaiting_verification_is_not_shown_as_closed(staff_client):
    # Resolved in time, not yet verified or closed: the light says 按期处置; 办结 (closed) it is not.
    start = utcnow() - timedelta(days=2)
    case = make_case(51, status="resolved", dispatched_at=start, deadline=start + timedelta(days=1),
                     resolved_at=start + timedelta(hours=1))
    dispatcher, _ = staff_client("dispatcher")
    page = dispatcher.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    assert "按期处置（已用" in page and "已处置，待核查" in page
    assert "办结" not in page
    listing = dispatcher.get("/staff/cases").get_data(as_text=True)
    assert 'title="按期处置（已用' in listing and "办结" not in listing


def test_case_photos_are_served_to_the_session(app, staff_client):
    from service_api.auth.principal import Principal
    from service_api.models import report_photos
    from service_api.photos import save_upload
    from tests.service_api.images import jpeg_bytes

    case = make_case(1)
    photo = save_upload(jpeg_bytes(), Principal("anonymous"))
    db.session.flush()
    report = db.session.query(Report).filter_by(case_id=case.id).one()
    db.session.execute(report_photos.insert().values(report_id=report.id, photo_id=photo.id, position=0))
    db.session.commit()
    client, _ = staff_client("dispatcher")
    page = client.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    assert f"/staff/photos/{photo.id}/thumb" in page
    thumb = client.get(f"/staff/photos/{photo.id}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert app.test_client().get(f"/staff/photos/{photo.id}/thumb").status_code == 302


def test_a_case_waiting_for_triage_says_why_and_what_to_tell_the_resident(staff_client, client):
    created = client.post("/api/v1/reports", json={"description": "我们小区里的路灯坏了，物业不管",
                                                   "address": "崂山区海尔路1号"}).json
    agent, _ = staff_client("agent")
    page = agent.get(f"/staff/cases/{created['case_no']}").get_data(as_text=True)
    assert "待人工分类原因" in page and "崂山区" in page and "物业管理" in page
    assert "建议告知居民" in page and "请先联系物业" in page


def test_case_page_names_the_department_only_once_triaged(staff_client):
    waiting = make_case(1, status="received", triage=True)
    registered = make_case(2, status="registered")
    dispatcher, _ = staff_client("dispatcher")
    page = dispatcher.get(f"/staff/cases/{waiting.case_no}").get_data(as_text=True)
    assert "待分拣，未派遣" in page.split('id="case-department"')[1].split("</p>")[0]
    page = dispatcher.get(f"/staff/cases/{registered.case_no}").get_data(as_text=True)
    assert registered.department.name in page.split('id="case-department"')[1].split("</p>")[0]
