"""In Chromium: the sign-in page loads without a failed request (the favicon) and the statistics page of a period
with no ratings says 无数据 under 各部门满意率 instead of drawing empty axes, with no script error."""

from __future__ import annotations

from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.staff.test_browser import sign_in

pytestmark = NEEDS_CHROMIUM


def test_login_has_no_failed_request_and_empty_stats_say_no_data(make_staff, live_server, browser):
    page = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/staff/login")
    page.wait_for_load_state("networkidle")
    icon = page.evaluate("fetch('/favicon.ico').then(r => r.status + ' ' + r.headers.get('content-type'))")
    assert icon.startswith("200 image/svg+xml") and failed == []

    user, _ = make_staff("reviewer")
    reviewer = sign_in(browser, live_server, user.username)
    errors: list[str] = []
    reviewer.on("pageerror", lambda e: errors.append(str(e)))
    reviewer.goto(f"{live_server}/staff/stats?from=2020-01-01&to=2020-01-31")
    reviewer.locator("#chart-trend canvas").first.wait_for()
    assert reviewer.locator("#chart-departments-empty").inner_text().startswith("无数据")
    assert reviewer.locator("#chart-departments").count() == 0 and errors == []
    reviewer.screenshot(path=str(SHOTS / "staff_stats_no_data.png"), full_page=True)
