"""The hotline agent's pages: logging calls of every type, suggestions, callbacks with phone surveys."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from service_api.extensions import db
from service_api.models import Callback, Case, CaseEvent, HotlineCall, Rating, Report, Survey, utcnow

PHONE = "13912345678"
COMPLAINT = "香港中路12号门口的井盖丢了，晚上很危险"


def log_new_report(client, **extra):
    data = {"phone": PHONE, "call_type": "new_report", "description": COMPLAINT, "address": "香港中路12号", **extra}
    return client.post_form("/staff/calls/new", data, page="/staff/calls/new", follow_redirects=True)


def test_agent_logs_a_new_report_and_reads_out_the_tracking_number(staff_client):
    agent, user = staff_client("agent")
    response = log_new_report(agent)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    report = db.session.query(Report).one()
    assert report.tracking_no in page and "请向来电人读出受理编号" in page
    assert report.channel == "hotline" and report.contact_phone == "+86" + PHONE and report.case_id is not None
    call = db.session.query(HotlineCall).one()
    assert (call.call_type, call.agent_id, call.report_id, call.status) == ("new_report", user.id, report.id, "done")
    assert report.extra["hotline_call_id"] == call.id


def test_an_agent_joining_a_case_on_purpose_is_trusted(staff_client):
    """Agents pick the case while talking to the caller: no same-problem check (residents' joins have one)."""
    agent, _ = staff_client("agent")
    log_new_report(agent)
    case = db.session.query(Case).one()
    response = log_new_report(agent, phone="13800138000", description="来电人说上次那个事还没人管，催一下",
                              address="", join_case_no=case.case_no)
    assert response.status_code == 200
    report = db.session.query(Report).order_by(Report.id.desc()).first()
    assert report.case_id == case.id and report.is_duplicate
    assert report.extra["join_result"] == {"joined": True}


def test_reloading_the_saved_page_does_not_file_the_call_again(staff_client):
    agent, _ = staff_client("agent")
    data = {"phone": PHONE, "call_type": "new_report", "description": COMPLAINT, "address": "香港中路12号",
            "csrf_token": agent.csrf("/staff/calls/new")}
    posted = agent.post("/staff/calls/new", data=data)
    assert posted.status_code == 303  # post/redirect/get: a reload of the result page is a harmless GET
    saved = posted.headers["Location"]
    tracking_no = db.session.query(Report).one().tracking_no
    assert tracking_no in agent.get(saved).get_data(as_text=True)
    assert tracking_no in agent.get(saved).get_data(as_text=True)
    # The browser re-sending the same form (back + submit, a double click) files nothing new either.
    again = agent.post("/staff/calls/new", data=data, follow_redirects=True)
    page = again.get_data(as_text=True)
    assert tracking_no in page and "已登记" in page and "未重复登记" in page
    assert db.session.query(Report).count() == 1 and db.session.query(Case).count() == 1
    assert db.session.query(HotlineCall).count() == 1


def test_same_caller_and_text_after_the_window_is_a_new_report(staff_client):
    agent, _ = staff_client("agent")
    log_new_report(agent)
    first = db.session.query(Report).one()
    first.created_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    log_new_report(agent)
    log_new_report(agent, phone="13800001111")  # another caller saying the same thing is another report
    assert db.session.query(Report).count() == 3


def test_clicked_matter_candidate_is_applied_with_an_event(staff_client):
    agent, _ = staff_client("agent")
    log_new_report(agent, matter_code="01001")  # the agent says: a water-supply manhole cover
    case = db.session.query(Case).one()
    assert case.matter_code == "01001" and case.status == "registered" and not case.triage
    report = db.session.query(Report).one()
    assert report.matter_code != "01001"  # intake guessed another matter; the agent's choice wins
    change = db.session.query(CaseEvent).filter_by(case_id=case.id, action="change_matter").one()
    assert change.actor_type == "staff" and change.data == {"from": report.matter_code, "to": "01001",
                                                            **({"department": change.data["department"]}
                                                               if "department" in change.data else {})}


def test_previous_reports_show_in_full_only_on_the_call_page(staff_client):
    agent, _ = staff_client("agent")
    log_new_report(agent)
    page = agent.get(f"/staff/calls/new?phone={PHONE}").get_data(as_text=True)
    tracking_no = db.session.query(Report).one().tracking_no
    assert tracking_no in page and PHONE in page
    listing = agent.get("/staff/calls").get_data(as_text=True)
    assert "139****5678" in listing and PHONE not in listing


def test_history_endpoint_lists_the_callers_reports(staff_client):
    agent, _ = staff_client("agent")
    log_new_report(agent)
    reports = agent.get(f"/staff/api/history?phone={PHONE}").json["reports"]
    assert [r["tracking_no"] for r in reports] == [db.session.query(Report).one().tracking_no]
    assert agent.get("/staff/api/history?phone=13000000000").json["reports"] == []


def test_twilio_call_prefills_the_phone(staff_client):
    agent, _ = staff_client("agent")
    call = HotlineCall(call_sid="CA123", caller_phone="+8613700001111", status="open")
    db.session.add(call)
    db.session.commit()
    page = agent.get(f"/staff/calls/new?call={call.id}").get_data(as_text=True)
    assert 'value="+8613700001111"' in page and f'name="call_id" value="{call.id}"' in page


def test_preview_endpoint_suggests_matters_and_place(staff_client):
    agent, _ = staff_client("agent")
    token = agent.csrf("/staff/calls/new")
    response = agent.post("/staff/api/preview", json={"text": COMPLAINT, "address": "香港中路12号"},
                          headers={"X-CSRFToken": token})
    assert response.status_code == 200
    body = response.json
    assert body["classification"]["candidates"] and body["geocode"]["street_code"]


def test_status_query_and_follow_up_are_recorded_on_the_case(staff_client):
    agent, _ = staff_client("agent")
    log_new_report(agent)
    case = db.session.query(Case).one()
    response = agent.post_form("/staff/calls/new", {"phone": PHONE, "call_type": "status_query",
                                                    "case_ref": case.case_no}, page="/staff/calls/new",
                               follow_redirects=True)
    assert response.status_code == 200 and "当前状态" in response.get_data(as_text=True)
    agent.post_form("/staff/calls/new", {"phone": PHONE, "call_type": "follow_up", "case_ref": case.case_no,
                                         "description": "三天了还没人来修"}, page="/staff/calls/new")
    db.session.refresh(case)
    assert case.needs_review
    actions = [e.action for e in db.session.query(CaseEvent).filter_by(case_id=case.id)]
    assert "hotline_status_query" in actions and "hotline_follow_up" in actions
    bad = agent.post_form("/staff/calls/new", {"phone": PHONE, "call_type": "follow_up", "case_ref": "C000"},
                          page="/staff/calls/new")
    assert bad.status_code == 422 and "案件编号" in bad.get_data(as_text=True)


def test_consultation_and_transfer_create_no_case(staff_client):
    agent, _ = staff_client("agent")
    agent.post_form("/staff/calls/new", {"phone": PHONE, "call_type": "consultation", "description": "问垃圾分类时间"},
                    page="/staff/calls/new")
    agent.post_form("/staff/calls/new", {"phone": PHONE, "call_type": "out_of_scope", "description": "社保问题",
                                         "transfer_to": "12345 热线"}, page="/staff/calls/new")
    assert db.session.query(Case).count() == 0 and db.session.query(Report).count() == 0
    notes = [c.notes for c in db.session.query(HotlineCall).order_by(HotlineCall.id)]
    assert notes[0] == "问垃圾分类时间" and "已转办：12345 热线" in notes[1]


def closed_case_with_survey_callback():
    case = Case(case_no="C370202-20261120-00001", status="closed", source_channel="hotline", matter_code="06042",
                description="垃圾满溢", closed_at=utcnow() - timedelta(days=1))
    db.session.add(case)
    db.session.flush()
    report = Report(tracking_no="R20261120000001", channel="hotline", description="垃圾满溢", case_id=case.id,
                    contact_phone=PHONE)
    db.session.add(report)
    db.session.flush()
    survey = Survey(case_id=case.id, report_id=report.id, status="pending", sent_at=utcnow(), phone=PHONE)
    db.session.add(survey)
    db.session.flush()
    callback = Callback(kind="survey", phone=PHONE, case_id=case.id, report_id=report.id, survey_id=survey.id,
                        due_at=utcnow() - timedelta(minutes=5))
    db.session.add(callback)
    db.session.commit()
    return case, survey, callback


def test_phone_survey_records_the_rating(staff_client):
    agent, agent_user = staff_client("agent")
    case, survey, callback = closed_case_with_survey_callback()
    listing = agent.get("/staff/callbacks").get_data(as_text=True)
    assert "电话回访" in listing and "139****5678" in listing and PHONE not in listing
    path = f"/staff/callbacks/{callback.id}"
    response = agent.post_form(path, {"result": "done", "rating": "unsatisfied", "solved": "no",
                                      "comment": "垃圾还在", "outcome": "居民不满意"}, page=path)
    assert response.status_code == 302
    rating = db.session.query(Rating).one()
    assert (rating.rating, rating.solved, rating.comment) == ("unsatisfied", False, "垃圾还在")
    assert rating.channel == "hotline"
    db.session.refresh(callback)
    db.session.refresh(survey)
    assert callback.status == "done" and survey.status == "answered"
    assert db.session.get(Case, case.id).needs_review
    assert db.session.query(CaseEvent).filter_by(case_id=case.id, action="callback").count() == 1
    answer = db.session.query(CaseEvent).filter_by(case_id=case.id, action="rating").one()  # in the history
    assert answer.actor_id == agent_user.id and "不满意，问题未解决" in answer.note and "垃圾还在" in answer.note


def test_unanswered_callback_is_postponed(staff_client):
    agent, _ = staff_client("agent")
    _, _, callback = closed_case_with_survey_callback()
    before = callback.due_at
    path = f"/staff/callbacks/{callback.id}"
    agent.post_form(path, {"result": "no_answer"}, page=path)
    db.session.refresh(callback)
    assert callback.status == "open" and callback.due_at > before
    assert re.search("未接通", str(callback.transcript))


@pytest.mark.parametrize("typed", ["{no}", "{no_fw}", " {no_lower} ", "{no_em}"])
def test_a_case_number_typed_with_full_width_dashes_is_found(staff_client, typed):
    agent, _ = staff_client("agent")
    log_new_report(agent)
    case = db.session.query(Case).one()
    no = case.case_no
    ref = typed.format(no=no, no_fw=no.replace("-", "－"), no_lower=no.lower(), no_em=no.replace("-", "—"))
    response = agent.post_form("/staff/calls/new", {"phone": PHONE, "call_type": "status_query", "case_ref": ref},
                               page="/staff/calls/new", follow_redirects=True)
    assert response.status_code == 200 and no in response.get_data(as_text=True)
    assert db.session.query(HotlineCall).filter_by(call_type="status_query").one().case_id == case.id


def test_an_unknown_case_number_is_not_called_empty(staff_client):
    agent, _ = staff_client("agent")
    response = agent.post_form("/staff/calls/new", {"phone": PHONE, "call_type": "status_query",
                                                    "case_ref": "C370202－20200101－99999"}, page="/staff/calls/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "未找到" in page and "C370202-20200101-99999" in page
    assert "请填写" not in page
    empty = agent.post_form("/staff/calls/new", {"phone": PHONE, "call_type": "status_query", "case_ref": " "},
                            page="/staff/calls/new")
    assert empty.status_code == 422 and "请填写" in empty.get_data(as_text=True)


def test_a_too_long_description_is_refused_with_the_text_kept(staff_client):
    agent, _ = staff_client("agent")
    text = ("香港中路12号门口井盖丢了。" + "情况说明" * 1247)[:5000]  # 5,000 characters
    assert len(text) == 5000
    response = agent.post_form("/staff/calls/new", {"phone": PHONE, "call_type": "new_report", "description": text},
                               page="/staff/calls/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "最多 4000 字" in page and "5000" in page
    assert text in page  # nothing typed is lost
    assert db.session.query(Report).count() == 0
    fits = agent.post_form("/staff/calls/new", {"phone": PHONE, "call_type": "new_report",
                                                "description": text[:4000]}, page="/staff/calls/new")
    assert fits.status_code == 303 and len(db.session.query(Report).one().description) == 4000
