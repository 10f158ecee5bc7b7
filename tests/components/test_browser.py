"""In Chromium: a resident scans an asset's QR code (opens /c/<code> on a phone), reports a problem and follows it;
staff find the component, see the case on it, and print its QR code. Screenshots go to $STAFF_SCREENSHOTS."""

from __future__ import annotations

from service_api.components.qr import component_url
from service_api.extensions import db
from service_api.models import Case, Report
from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.components.conftest import LIGHT, MANHOLE, code, row
from tests.staff.conftest import PASSWORD

pytestmark = NEEDS_CHROMIUM
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN"}


def test_scan_to_report_and_staff_follow_the_component(app, settings, load_components, live_server, browser,
                                                       make_staff) -> None:
    assert load_components([row(LIGHT, 1, maintainer="370202-szfw"), row(MANHOLE, 1, east_m=20, owner="qd-water")
                            ]).applied
    # The printed QR code leads to PUBLIC_BASE_URL/c/<code>; here the phone opens the same path on the test server.
    assert component_url(code(LIGHT, 1)).endswith(f"/c/{code(LIGHT, 1)}")
    phone = browser.new_context(**PHONE).new_page()
    urls: list[str] = []
    phone.on("request", lambda request: urls.append(request.url))
    phone.goto(f"{live_server}/c/{code(LIGHT, 1)}")
    assert "路灯" in phone.locator("#component").inner_text()
    assert "香港中路" in phone.locator("#component").inner_text()
    assert "路灯管理所" not in phone.content()  # the owner stays internal
    phone.screenshot(path=str(SHOTS / "components_1_scan_page.png"), full_page=True)
    phone.fill("#description", "灯不亮了，晚上这一段很黑")
    phone.fill("#phone", "138 0013 8000")
    phone.click("#report-form button[type=submit]")
    # Filed: the phone opens the report's page in the web app, which can read it (the token was handed over)
    phone.wait_for_url("**/m/reports/R*")
    report = db.session.query(Report).one()
    case = db.session.get(Case, report.case_id)
    assert case.component_code == code(LIGHT, 1) and case.department.code == "370202-szfw"
    phone.wait_for_selector("#status")
    assert case.case_no in phone.locator("#detail").inner_text()
    assert "没有这条反映的查看凭证" not in phone.content()
    phone.screenshot(path=str(SHOTS / "components_2_filed.png"), full_page=True)
    # ... and 随手拍's 我的 lists it, as for a report made in the app
    phone.goto(f"{live_server}/m/mine")
    phone.wait_for_selector(f"#my-reports a[href='/m/reports/{report.tracking_no}']")
    [stored] = phone.evaluate("() => JSON.parse(localStorage.getItem('m.reports'))")
    assert stored["no"] == report.tracking_no and not [url for url in urls if stored["token"] in url]
    # A second passer-by scanning the same light sees that it is being handled.
    phone.goto(f"{live_server}/c/{code(LIGHT, 1)}")
    assert case.case_no in phone.locator("#open-case").inner_text()
    phone.screenshot(path=str(SHOTS / "components_3_scan_page_open_case.png"), full_page=True)

    dispatcher, _ = make_staff("dispatcher")
    desk = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()
    desk.goto(f"{live_server}/staff/login")
    desk.fill("#username", dispatcher.username)
    desk.fill("#password", PASSWORD)
    desk.click("button[type=submit]")
    desk.wait_for_load_state()
    desk.goto(f"{live_server}/staff/cases/{case.case_no}")
    block = desk.locator("#case-component").inner_text()
    assert code(LIGHT, 1) in block and "市南区市政设施服务中心" in block
    desk.screenshot(path=str(SHOTS / "components_4_case_page.png"), full_page=True)
    desk.click("nav >> text=城市部件")
    desk.fill("#f-place", "香港中路12号")
    desk.click("#component-filter button[type=submit]")
    desk.wait_for_load_state()
    assert code(MANHOLE, 1) in desk.locator("#near-table").inner_text()
    assert code(LIGHT, 1) in desk.locator("#hot-table").inner_text()  # it has a case in the last 90 days
    desk.screenshot(path=str(SHOTS / "components_5_staff_list.png"), full_page=True)
    desk.click(f"#hot-table >> text={code(LIGHT, 1)}")
    desk.wait_for_load_state()
    assert desk.locator("#component-qr img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert case.case_no in desk.locator("#component-cases").inner_text()
    desk.screenshot(path=str(SHOTS / "components_6_staff_detail.png"), full_page=True)
    # A passer-by reports a stall beside the light from its page: same place, another matter, not about the light.
    phone.fill("#description", "灯杆旁边有人摆摊卖烤地瓜")
    phone.click("#report-form button[type=submit]")
    phone.wait_for_url("**/m/reports/R*")
    stall = db.session.get(Case, db.session.query(Report).order_by(Report.id.desc()).first().case_id)
    assert stall.id != case.id and stall.component_code is None
    desk.goto(f"{live_server}/staff/cases/{stall.case_no}")
    assert desk.locator("#case-component").count() == 0
    assert "扫码报修页面" in desk.locator("#case-scanned-from").inner_text()
    desk.screenshot(path=str(SHOTS / "components_7_case_from_scan_page.png"), full_page=True)
    desk.goto(f"{live_server}/staff/components/{code(LIGHT, 1)}")
    assert stall.case_no not in desk.locator("#component-cases").inner_text()


def test_the_hotline_page_names_the_component_to_confirm_with_the_caller(app, settings, load_components,
                                                                         live_server, browser, make_staff) -> None:
    from tests.staff.test_browser import sign_in

    assert load_components([row(LIGHT, 1, maintainer="370202-szfw")]).applied
    agent_user, _ = make_staff("agent")
    agent = sign_in(browser, live_server, agent_user.username)
    agent.goto(f"{live_server}/staff/calls/new")
    agent.fill("#phone", "13912345678")
    agent.fill("#description", "门口的路灯不亮了，晚上很黑")
    agent.fill("#address", "香港中路12号")
    # (the console's CSP refuses eval, so no wait_for_function: a locator waits for the text)
    agent.locator("#component", has_text="吗？").wait_for()
    said = agent.locator("#component").inner_text()
    assert code(LIGHT, 1) in said and "路灯" in said and "完好" in said
    agent.screenshot(path=str(SHOTS / "components_7_hotline_candidate.png"), full_page=True)
    agent.click("#save-call")
    case_no = agent.locator("#case-link").inner_text().strip()
    case = db.session.query(Case).filter_by(case_no=case_no).one()
    assert case.component_code == code(LIGHT, 1) and case.department.code == "370202-szfw"
