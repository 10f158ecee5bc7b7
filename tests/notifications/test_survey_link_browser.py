"""The SMS survey link end to end in Debian's Chromium at phone size (360×740): the resident opens the link
from the SMS, rates and sees the thanks. Screenshots go to $STAFF_SCREENSHOTS (default /tmp)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from service_api.extensions import db
from service_api.models import Callback, Rating
from tests.browser import ARGS, CHROMIUM, NEEDS_CHROMIUM, SHOTS
from tests.notifications.support import close_case, deliver_due, make_case, make_report, use_twilio

PHONE = "+8613812345678"

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def settings(settings, fake_twilio):
    return use_twilio(settings, fake_twilio)


def test_a_resident_rates_from_the_sms_link_on_a_phone(app, live_server, fake_twilio):
    from playwright.sync_api import sync_playwright

    report = make_report(phone=PHONE, channel="hotline", description="香港中路8号门口井盖丢了")
    close_case(make_case(report, outcome="已补装井盖并设置警示标志"))
    deliver_due()
    (sms,) = [m["body"] for m in fake_twilio.sent_to(PHONE) if "评价" in m["body"]]
    link = urlsplit(re.search(r"https?://\S+", sms).group(0))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                      is_mobile=True, has_touch=True, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{live_server}{link.path}?{link.query}")
        assert "已补装井盖并设置警示标志" in page.inner_text("main")
        page.screenshot(path=str(SHOTS / "survey_link_1_form.png"), full_page=True)
        # Everything fits the phone's width: nothing to scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_text("满意", exact=True).tap()
        page.get_by_text("已解决", exact=True).tap()
        page.fill("#comment", "修得很快，谢谢")
        page.tap("#rating-submit")
        page.locator("#rating-thanks").wait_for()
        assert "感谢您的评价（满意）" in page.inner_text("#rating-thanks")
        page.screenshot(path=str(SHOTS / "survey_link_2_thanks.png"), full_page=True)
        browser.close()

    db.session.expire_all()
    rating = db.session.query(Rating).one()
    assert (rating.rating, rating.solved, rating.comment) == ("satisfied", True, "修得很快，谢谢")
    assert db.session.query(Callback).filter_by(kind="survey").one().status == "done"
