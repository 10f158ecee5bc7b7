"""The personal data and audit pages in Chromium: an agent reveals a case's and a callback's number with a reason,
the auditor finds those reveals and exports them, an admin enrols TOTP. Screenshots go to $STAFF_SCREENSHOTS."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp

from service_api.extensions import db
from service_api.hotline.callbacks import create_callback
from service_api.models import StaffUser
from service_api.models.hotline import CHATBOT_HANDOFF
from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.privacy.conftest import RESIDENT_PHONE, make_case
from tests.staff.test_browser import sign_in

pytestmark = NEEDS_CHROMIUM

START = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Beijing


def _watch(page) -> list[str]:
    """Errors the page logs (a CSP refusal among them)."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    return problems


def test_reveals_with_a_reason_and_the_auditor_finding_them(app, make_staff, live_server, browser, pinned_clock):
    pinned_clock(START)
    case = make_case()
    callback = create_callback(kind=CHATBOT_HANDOFF, phone=RESIDENT_PHONE, reason="居民要求人工回电", case_id=case.id)
    db.session.commit()
    agent_user, _ = make_staff("agent")
    agent = sign_in(browser, live_server, agent_user.username)
    problems = _watch(agent)

    agent.goto(f"{live_server}/staff/cases/{case.case_no}")
    assert "139****5678" in agent.content() and "13912345678" not in agent.content()
    agent.select_option("#reveal-reason", "other")
    agent.click("#reveal-button")  # 其他 with no reason typed: the case page again, the error beside the form
    agent.locator("#reveal-error").wait_for()
    assert agent.url.endswith(f"/staff/cases/{case.case_no}#reveal-form")
    assert "请选择查看原因" in agent.locator("#reveal-form").inner_text()
    assert agent.locator("#reveal-reason").input_value() == "other"
    assert agent.locator("#case-map").count() == 1  # the whole case page, not a bare error page
    agent.screenshot(path=str(SHOTS / "privacy_case_reveal_no_reason.png"), full_page=True)
    agent.fill("#reveal-text", "居民来电要求上门")
    agent.click("#reveal-button")
    agent.wait_for_load_state()
    assert "139 1234 5678" in agent.locator("#contacts").inner_text()  # as one dials it, not +86…
    assert agent.locator("#contacts a[href='tel:+8613912345678']").count() == 1
    agent.screenshot(path=str(SHOTS / "privacy_case_reveal.png"), full_page=True)

    agent.goto(f"{live_server}/staff/callbacks/{callback.id}")
    assert agent.locator("#callback-phone").inner_text() == "139****5678"
    assert agent.locator("#reveal-reason").input_value() == "callback"  # the reason a callback is for
    agent.screenshot(path=str(SHOTS / "privacy_callback_masked.png"), full_page=True)
    agent.click("#reveal-button")
    agent.wait_for_load_state()
    assert agent.locator("#callback-phone").inner_text() == "139 1234 5678"
    agent.click("text=按新来电登记")
    agent.wait_for_load_state()
    assert agent.locator("#phone").input_value() == RESIDENT_PHONE
    assert not problems, problems

    auditor_user, _ = make_staff("auditor")
    auditor = sign_in(browser, live_server, auditor_user.username)
    problems = _watch(auditor)
    assert auditor.url.endswith("/staff/audit")  # the auditor's home: the trail
    auditor.select_option("#a-action", "contact.reveal")
    auditor.select_option("#a-type", "callback")
    auditor.click("#audit-filters button[type=submit]")
    auditor.wait_for_load_state()
    rows = auditor.locator("#audit-table tr").all_inner_texts()[1:]
    assert len(rows) == 1 and "回电任务" in rows[0] and "回电联系反映人" in rows[0] and agent_user.username in rows[0]
    auditor.select_option("#a-type", "")
    auditor.click("#audit-filters button[type=submit]")
    auditor.wait_for_load_state()
    rows = auditor.locator("#audit-table tr").all_inner_texts()[1:]
    assert [("回电联系反映人" in r, "居民来电要求上门" in r) for r in rows] == [(True, False), (False, True)]
    assert "13912345678" not in auditor.content()
    auditor.screenshot(path=str(SHOTS / "privacy_audit_page.png"), full_page=True)
    with auditor.expect_download() as download:
        auditor.click("#audit-export")
    exported = download.value.path().read_text(encoding="utf-8-sig")
    assert exported.count("查看联系方式") == 2 and "居民来电要求上门" in exported
    assert not problems, problems


def test_an_admin_enrols_totp_from_the_qr_page(app, make_staff, live_server, browser, pinned_clock):
    pinned_clock(START)
    app.extensions["settings"].totp_required_roles = "admin"
    admin_user, _ = make_staff("admin")
    admin = sign_in(browser, live_server, admin_user.username)
    problems = _watch(admin)
    assert admin.url.endswith("/staff/security/totp")
    assert admin.locator("#totp-required").is_visible()
    width = admin.locator("#totp-qr").evaluate("img => img.naturalWidth")
    assert width > 0  # the QR code loaded (served by us, allowed by the CSP)
    admin.screenshot(path=str(SHOTS / "privacy_totp_enrol.png"), full_page=True)
    db.session.expire_all()
    secret = db.session.get(StaffUser, admin_user.id).totp_secret
    assert admin.locator("#totp-secret").inner_text() == secret
    admin.fill("#code", "123456" if pyotp.TOTP(secret).at(START) != "123456" else "654321")
    admin.click("form:has(#code) button[type=submit]")
    admin.wait_for_load_state()
    assert admin.locator("#totp-error").is_visible() and admin.url.endswith("/staff/security/totp")
    assert problems == ["Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)"]
    problems.clear()  # the refused code's answer; nothing else may have gone wrong
    admin.fill("#code", pyotp.TOTP(secret).at(START))
    admin.click("form:has(#code) button[type=submit]")
    admin.wait_for_load_state()
    assert "/staff/security/totp" not in admin.url
    assert not problems, problems
