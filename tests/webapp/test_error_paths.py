"""The errors a resident meets on a phone say what to do and lose nothing: a photo too large, a server that says
"too many requests"; and the resident's access tokens never appear in a URL, whatever the page does."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from service_api.extensions import db
from service_api.models import Report
from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.webapp.conftest import choose_photos, open_phone

pytestmark = NEEDS_CHROMIUM
TEXT = "五四广场东门的垃圾箱满了，垃圾溢出来一地"


def reports() -> list[Report]:
    db.session.expire_all()
    return db.session.query(Report).order_by(Report.id).all()


def test_a_photo_too_large_and_a_rate_limit_say_what_to_do(app, live_server, browser):
    page = open_phone(browser)
    page.clock.install()  # the page's timers run when the test says
    page.goto(f"{live_server}/m/")
    page.fill("#description", TEXT)
    # An 11 MB HEIC the browser cannot shrink (Chromium does not decode HEIC) is refused before any upload.
    choose_photos(page, {"name": "IMG_0002.HEIC", "mimeType": "image/heic", "buffer": b"\0" * (11 * 1024 * 1024)})
    page.locator("#form-error", has_text="照片太大").wait_for()
    assert "换一张" in page.inner_text("#form-error") and page.locator(".thumb").count() == 0

    # The server answers 429, as flask-limiter does past 30 reports a minute from one address: the page says to
    # wait, keeps the report queued (nothing typed is lost) and sends it once by itself a minute later.
    limited = {"count": 0}

    def too_many(route):
        limited["count"] += 1
        route.fulfill(status=429, content_type="application/json", body=json.dumps(
            {"status": 429, "code": "rate_limited", "message": "请求过于频繁，请稍后再试", "errors": {}}))

    page.route("**/api/v1/reports", too_many)
    page.click("#locate")
    page.locator("#place.ok").wait_for()
    page.click("#submit")
    page.locator("#form-error", has_text="操作太频繁，请稍等一分钟再试").wait_for()
    assert TEXT in page.inner_text("#queued") and "不会重复" in page.inner_text("#queued")
    page.screenshot(path=str(SHOTS / "webapp_24_rate_limited.png"), full_page=True)
    assert limited["count"] == 1 and reports() == []

    page.unroute("**/api/v1/reports")
    page.clock.run_for(55_000)
    assert reports() == []  # not before the minute is up
    page.clock.run_for(6_000)
    page.locator("#done").wait_for()
    [report] = reports()
    assert report.description == TEXT and report.tracking_no == page.inner_text("#tracking-no")
    assert page.locator("#queued").is_hidden()


def test_access_tokens_never_appear_in_a_url(app, live_server, browser):
    page = open_phone(browser)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("framenavigated", lambda frame: urls.append(frame.url))
    page.goto(f"{live_server}/m/")
    page.click("#locate")
    page.locator("#place.ok").wait_for()
    page.fill("#description", TEXT)
    page.click("#submit")
    page.locator("#done").wait_for()
    page.click("#follow-link")  # the report's page reads it with the report's own token
    page.locator("#timeline").wait_for()
    page.click("#tab-mine")
    page.locator("a.item").first.wait_for()
    page.click("a.item")
    page.locator("#timeline").wait_for()
    stored = json.loads(page.evaluate("() => localStorage.getItem('m.reports')"))
    tokens = [entry["token"] for entry in stored]
    assert tokens and all(len(token) > 20 for token in tokens)
    assert len(urls) > 10 and not [url for url in urls if any(token in url for token in tokens)]
    assert page.js_errors == []


def test_a_changed_address_and_a_wrong_phone_are_shown_for_what_they_are(app, live_server, browser):
    page = open_phone(browser)
    page.goto(f"{live_server}/m/")
    page.fill("#description", "垃圾箱满了，垃圾溢出来一地")
    page.fill("#address", "江西路15号")
    page.locator("#place.ok", has_text="江西路").wait_for()
    # The server refuses the number: the resident reads what to type, not the API's field path.
    page.fill("#phone", "12345")
    page.click("#submit")
    page.locator("#phone-error", has_text="11位手机号").wait_for()
    # Said once, under the number the resident is taken back to: not again in the form's error box.
    assert page.get_by_text("11位手机号").count() == 1 and page.locator("#form-error").is_hidden()
    assert "contact" not in page.inner_text("main") and "phone" not in page.inner_text("main")
    assert page.evaluate("document.activeElement.id") == "phone"
    page.screenshot(path=str(SHOTS / "webapp_32_bad_phone_once.png"))
    assert page.get_attribute("#phone", "aria-invalid") == "true" and reports() == []
    page.click("#submit")  # pressed again with the same number: still once
    assert page.get_by_text("11位手机号").count() == 1 and reports() == []
    # After a reload the typed number is back, still shown as wrong.
    page.reload()
    assert page.input_value("#phone") == "12345"
    page.locator("#phone-error", has_text="11位手机号").wait_for()
    # Another address: the place found for the old one is gone at once, and one that cannot be found says so.
    page.fill("#address", "火星基地99号")
    assert "江西路" not in page.inner_text("#place")
    page.locator("#place.warn", has_text="火星基地99号").wait_for()
    assert "江西路" not in page.inner_text("#place")
    page.fill("#phone", "13812345678")
    assert page.locator("#phone-error").is_hidden() and page.get_attribute("#phone", "aria-invalid") is None
    page.click("#submit")
    page.locator("#form-error", has_text="没有找到地址").wait_for()
    page.screenshot(path=str(SHOTS / "webapp_25_address_not_found.png"), full_page=True)
    assert reports() == []
    page.click("#submit")  # the resident is sure: it goes as typed
    page.locator("#done").wait_for()
    [report] = reports()
    assert report.address == "火星基地99号" and report.contact_phone == "+8613812345678"
    assert page.js_errors == []


def test_a_letter_too_long_is_kept_whole_and_said_so(app, live_server, browser):
    """A pasted 2,269-character letter is not cut to the limit without a word: the page counts, says how much is
    too much and files nothing until it fits; the shortened letter then goes through whole."""
    from service_api.reports.accept import DESCRIPTION_MAX

    letter = ("江西路15号门口垃圾箱满了，臭气熏天，已经三天没人清理了。" * 100)[:2269]
    page = open_phone(browser)
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.url.endswith("/api/v1/reports") else None)
    page.goto(f"{live_server}/m/")
    page.click("#locate")
    page.locator("#place.ok").wait_for()
    page.focus("#description")
    page.keyboard.insert_text(letter)  # as a paste arrives
    assert page.input_value("#description") == letter
    counter = page.locator("#description-count.over", has_text="多了269字")
    counter.wait_for()
    assert str(DESCRIPTION_MAX) in counter.inner_text()
    page.click("#submit")  # the resident is taken back to the text, where it says what is wrong (once)
    page.wait_for_function("document.activeElement.id === 'description'")
    expect(page.locator("#description-count")).to_be_in_viewport()
    assert page.get_by_text("多了269字").count() == 1 and page.locator("#form-error").is_hidden()
    page.screenshot(path=str(SHOTS / "webapp_31_text_too_long.png"))
    assert sent == [] and reports() == []

    page.fill("#description", letter[:DESCRIPTION_MAX])
    page.locator("#description-count", has_text=f"{DESCRIPTION_MAX}/{DESCRIPTION_MAX}").wait_for()
    assert page.locator("#description-count.over").count() == 0
    page.click("#submit")
    page.locator("#done").wait_for()
    [report] = reports()
    assert report.description == letter[:DESCRIPTION_MAX]
    assert page.js_errors == []


def test_sign_in_errors_speak_the_residents_language(app, live_server, browser):
    """The login page says what is wrong with the number in words, never the API's field names
    ("电话（phone）：电话号码无效")."""
    page = open_phone(browser)
    page.goto(f"{live_server}/m/login")
    page.fill("#login-phone", "12345")
    page.click("#send-code")
    page.locator("#login-error", has_text="手机号码无效").wait_for()
    said = page.inner_text("#login-error")
    assert "11位手机号" in said and not re.search(r"[A-Za-z]", said)  # no field names, no English
    page.screenshot(path=str(SHOTS / "webapp_33_login_bad_phone.png"))
    assert page.get_by_text("手机号码无效").count() == 1
    assert page.js_errors == []

