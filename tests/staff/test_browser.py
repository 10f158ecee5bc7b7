"""End to end in Debian's Chromium (Playwright): an agent logs a call with the suggestions, the case reaches the
desk, a dispatcher dispatches it, a handler resolves it, a reviewer verifies and closes it and, once the resident
has rated it, sees the rate on /staff/stats. Screenshots of each page go to $STAFF_SCREENSHOTS (default /tmp)."""

from __future__ import annotations

from service_api.extensions import db
from service_api.models import Case, Report
from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.staff.conftest import PASSWORD

pytestmark = NEEDS_CHROMIUM


def sign_in(browser, base: str, username: str):
    page = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{base}/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/staff/login" not in page.url, page.content()
    return page


def act(page, base: str, case_no: str, action: str, **fields: str) -> None:
    page.goto(f"{base}/staff/cases/{case_no}")
    form = page.locator(f"form:has(button[data-action={action}])")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator(f"button[data-action={action}]").click()
    page.wait_for_load_state()


def test_call_to_case_to_rating_in_the_browser(app, make_staff, live_server, browser):
    base = live_server
    agent_user, _ = make_staff("agent")
    dispatcher_user, _ = make_staff("dispatcher")
    reviewer_user, _ = make_staff("reviewer")

    # The agent logs a call; suggestions appear while typing and the agent clicks the first matter candidate.
    agent = sign_in(browser, base, agent_user.username)
    assert agent.url.endswith("/staff/calls/new")
    agent.fill("#phone", "13912345678")
    agent.fill("#description", "香港中路12号门口的垃圾箱满了，垃圾溢出来一地")
    agent.fill("#address", "香港中路12号")
    candidate = agent.locator("#candidates button").first
    candidate.wait_for()
    matter_code = candidate.get_attribute("data-code")
    candidate.click()
    assert agent.locator("#matter_code").input_value() == matter_code
    agent.wait_for_function("document.getElementById('geocode').textContent.includes('街道')")
    agent.screenshot(path=str(SHOTS / "staff_1_call_new.png"), full_page=True)
    agent.click("#save-call")
    tracking_no = agent.locator("#tracking-no").inner_text().strip()
    case_no = agent.locator("#case-link").inner_text().strip()
    agent.screenshot(path=str(SHOTS / "staff_2_call_saved.png"), full_page=True)
    # The next call from the same number shows the caller's earlier report as the number is typed.
    agent.goto(f"{base}/staff/calls/new")
    agent.fill("#phone", "13912345678")
    agent.locator("#history table").wait_for()
    assert tracking_no in agent.locator("#history").inner_text()
    db.session.expire_all()
    report = db.session.query(Report).filter_by(tracking_no=tracking_no).one()
    case = db.session.query(Case).filter_by(case_no=case_no).one()
    assert report.channel == "hotline" and case.matter_code == matter_code and case.status == "registered"

    # The case is on the desk, in the dispatch queue.
    dispatcher = sign_in(browser, base, dispatcher_user.username)
    dispatcher.goto(f"{base}/staff/cases?queue=to_dispatch")
    assert case_no in dispatcher.locator("#case-table").inner_text()
    dispatcher.screenshot(path=str(SHOTS / "staff_3_cases.png"), full_page=True)
    act(dispatcher, base, case_no, "dispatch")
    assert "处置中" in dispatcher.locator("#case-status").inner_text()

    # A handler of the department it went to resolves it.
    department_code = db.session.get(Case, case.id).department.code
    handler_user, _ = make_staff("handler", department_code=department_code)
    handler = sign_in(browser, base, handler_user.username)
    act(handler, base, case_no, "resolve", outcome="已清运，现场已清理干净")
    assert "待核查" in handler.locator("#case-status").inner_text()
    handler.screenshot(path=str(SHOTS / "staff_4_case_resolved.png"), full_page=True)

    # The reviewer verifies and closes it; the resident rates it; the reviewer sees the rate.
    reviewer = sign_in(browser, base, reviewer_user.username)
    act(reviewer, base, case_no, "verify")
    act(reviewer, base, case_no, "close")
    assert "已结案" in reviewer.locator("#case-status").inner_text()
    events = reviewer.locator("#events").inner_text()
    for label in ("派遣", "处置完成", "核查通过", "结案"):
        assert label in events
    from service_api.feedback.ratings import submit_rating

    db.session.expire_all()
    submit_rating(db.session.get(Report, report.id), "basically_satisfied", True, "处理得挺快", "sms")
    reviewer.goto(f"{base}/staff/stats?group_by=department")
    assert reviewer.locator("#kpi-satisfaction_rate").inner_text() == "100.0%"
    reviewer.locator("#chart-trend canvas").first.wait_for()
    assert reviewer.locator("#chart-departments canvas").count() == 1
    table = reviewer.locator("#stats-table").inner_text()
    assert db.session.get(Case, case.id).department.name in table
    reviewer.screenshot(path=str(SHOTS / "staff_5_stats.png"), full_page=True)
