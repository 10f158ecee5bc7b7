"""The staff case page in words: reject reasons, place names, the matter line, who took a report in."""

from __future__ import annotations

import re

from service_api.cases.workflow import REJECT_REASONS
from service_api.extensions import db
from service_api.models import CHANNEL_TEXT, ROLE_TEXT, Case, Report
from tests.staff.test_desk import make_case
from tests.staff.test_hotline import log_new_report


def _history(page: str) -> str:
    return page.split('id="events"', 1)[1].split("</ol>", 1)[0]


def test_rejection_shows_its_reason_in_words(staff_client):
    case = make_case(1, status="received", matter_code=None)
    client, _ = staff_client("dispatcher")
    path = f"/staff/cases/{case.case_no}"
    client.post_form(f"{path}/transition", {"action": "reject", "reason": "out_of_scope"}, page=path)
    history = _history(client.get(path).get_data(as_text=True))
    assert REJECT_REASONS["out_of_scope"] in history and "out_of_scope" not in history


def test_place_codes_come_with_their_names(staff_client):
    case = make_case(1, community_code="370202001001", grid_code="370202001001001")
    client, _ = staff_client("dispatcher")
    page = client.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    areas = page.split('id="case-areas">', 1)[1].split("</span>", 1)[0]
    assert areas == ("街道 八大峡街道（370202001） · 社区 八大峡第一社区（370202001001） · "
                     "网格 八大峡第一社区第1网格（370202001001001）")


def test_a_case_without_matter_shows_no_classifier_confidence(staff_client):
    case = make_case(1, status="received", matter_code=None, triage=True, matter_confidence=0.98)
    client, _ = staff_client("dispatcher")
    page = client.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    assert "智能分类置信度" not in page and "请人工确定事项" in page
    # the matter drop-down starts blank, not on the first matter of the list
    select = re.search(r'<select name="matter"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.search(r'<option value="" selected>请选择事项</option>', select)
    assert "selected" not in select.split("</option>", 1)[1]
    blank = client.post_form(f"/staff/cases/{case.case_no}/matter", {"matter": "", "reason": "核实"},
                             page=f"/staff/cases/{case.case_no}", follow_redirects=True)
    assert "请选择事项" in blank.get_data(as_text=True) and db.session.get(Case, case.id).matter_code is None


def test_hotline_report_is_received_by_the_agent(staff_client):
    agent, user = staff_client("agent")
    log_new_report(agent)
    case = db.session.get(Case, db.session.query(Report).one().case_id)
    dispatcher, _ = staff_client("dispatcher")
    history = _history(dispatcher.get(f"/staff/cases/{case.case_no}").get_data(as_text=True))
    received = next(line for line in history.split("<li>") if "<b>受理</b>" in line)
    assert f"{CHANNEL_TEXT['hotline']}·{ROLE_TEXT['agent']} {user.display_name or user.username}" in received
    assert "· 居民" not in received
