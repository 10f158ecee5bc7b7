"""The console in Chromium (issue 17): an agent whose session ran out while typing signs in again and finds the
call still typed; reloading the 来电已登记 page files nothing; an over-long description is refused with the text
kept; a deadline in a year without a loaded calendar is flagged. Screenshots go to $STAFF_SCREENSHOTS."""

from __future__ import annotations

from datetime import datetime

import pytest

from intake.worktime import LOCAL_TZ, calendar_knows
from service_api.extensions import db
from service_api.models import Case, HotlineCall, Report
from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.staff.test_browser import sign_in
from tests.staff.test_desk import make_case

pytestmark = NEEDS_CHROMIUM

CALL = "香港中路12号门口的井盖丢了，晚上很危险，已经有人差点摔倒"


def test_expired_session_keeps_the_call_and_reload_files_nothing(app, make_staff, live_server, browser):
    base = live_server
    agent_user, _ = make_staff("agent")
    agent = sign_in(browser, base, agent_user.username)
    agent.fill("#phone", "13912345678")
    agent.fill("#description", CALL)
    agent.fill("#address", "香港中路12号")
    agent.context.clear_cookies()  # the session runs out while the agent is typing
    agent.click("#save-call")
    agent.wait_for_load_state()
    assert "登录已过期" in agent.locator("#expired").inner_text()
    assert "Bad Request" not in agent.content() and "CSRF" not in agent.content()
    agent.screenshot(path=str(SHOTS / "staff_console_expired.png"), full_page=True)
    assert db.session.query(Report).count() == 0

    from tests.staff.conftest import PASSWORD

    agent.fill("#username", agent_user.username)
    agent.fill("#password", PASSWORD)
    agent.click("button[type=submit]")
    agent.wait_for_load_state()
    assert agent.locator("#description").input_value() == CALL
    assert agent.locator("#phone").input_value() == "13912345678"
    agent.click("#save-call")
    agent.wait_for_load_state()
    tracking_no = agent.locator("#tracking-no").inner_text().strip()
    agent.reload()
    agent.wait_for_load_state()
    assert agent.locator("#tracking-no").inner_text().strip() == tracking_no
    db.session.expire_all()
    assert db.session.query(Report).count() == 1 and db.session.query(Case).count() == 1
    assert db.session.query(HotlineCall).count() == 1

    # A 5,000-character description is refused and nothing typed is lost.
    agent.goto(f"{base}/staff/calls/new")
    long_text = ("中山路路灯不亮。" + "详细情况" * 1250)[:5000]
    agent.fill("#phone", "13800001111")
    agent.fill("#description", long_text)
    agent.click("#save-call")
    agent.wait_for_load_state()
    assert "最多 4000 字" in agent.locator(".flash.error").inner_text()
    assert agent.locator("#description").input_value() == long_text
    db.session.expire_all()
    assert db.session.query(Report).count() == 1


def test_unknown_calendar_year_is_flagged_on_the_case_page(app, make_staff, live_server, browser):
    if calendar_knows(2028):
        pytest.skip("the installed chinese_calendar knows 2028")
    case = make_case(1, status="dispatched", dispatched_at=datetime(2027, 12, 31, 10, tzinfo=LOCAL_TZ),
                     deadline=datetime(2028, 1, 3, 10, tzinfo=LOCAL_TZ))
    dispatcher_user, _ = make_staff("dispatcher")
    page = sign_in(browser, live_server, dispatcher_user.username)
    page.goto(f"{live_server}/staff/cases/{case.case_no}")
    warning = page.locator(".calendar-gap")
    assert "2028 年" in warning.inner_text() and warning.is_visible()
    page.screenshot(path=str(SHOTS / "staff_console_calendar_gap.png"), full_page=True)
