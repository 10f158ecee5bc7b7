"""The other paths of a resident on a phone: offline and lost answers, joining a nearby case, the chatbot,
large text, signing in (which claims the reports made before) and messages."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Case, Citizen, Notification, Photo, Report, SmsLoginCode
from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.components.conftest import LIGHT
from tests.components.conftest import code as component_code
from tests.components.conftest import row as component_row
from tests.notifications.support import deliver_due
from tests.webapp.conftest import SQUARE, camera_photo, choose_photos, open_phone

pytestmark = NEEDS_CHROMIUM


def reports() -> list[Report]:
    db.session.expire_all()
    return db.session.query(Report).order_by(Report.id).all()


def test_a_report_made_offline_goes_out_once_back_online(app, live_server, browser):
    page = open_phone(browser)
    page.goto(f"{live_server}/m/")
    page.context.set_offline(True)
    page.locator("#net-banner").wait_for()
    choose_photos(page, camera_photo())
    page.locator(".thumb .state", has_text="待上传").wait_for()  # kept on the phone, bytes and all
    page.fill("#description", "五四广场东门的路灯不亮了，晚上很黑")
    page.click("#submit")
    page.locator("#queued .notice").wait_for()
    assert "不会重复" in page.inner_text("#queued")
    page.screenshot(path=str(SHOTS / "webapp_7_offline_queued.png"), full_page=True)
    assert reports() == []

    page.context.set_offline(False)  # the browser says "online": the queue goes out by itself
    page.locator("#done").wait_for()
    tracking_no = page.inner_text("#tracking-no")
    [report] = reports()
    assert report.tracking_no == tracking_no and len(report.photos) == 1 and report.location_source == "photo"
    assert page.locator("#queued").is_hidden()
    assert page.js_errors == []


def test_a_lost_answer_is_retried_without_a_second_report(app, live_server, browser):
    page = open_phone(browser)
    keys: list[str | None] = []

    def lose_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the server stores the report…
            route.abort("connectionreset")  # …but its answer never reaches the phone
        else:
            route.continue_()

    page.route("**/api/v1/reports", lose_first_answer)
    page.goto(f"{live_server}/m/")
    page.click("#locate")
    page.locator("#place.ok").wait_for()
    page.fill("#description", "五四广场东门人行道砖松动了，容易绊倒")
    page.click("#submit")
    page.locator("#queued .notice").wait_for()
    [stored] = reports()

    page.reload()  # the next visit retries what is queued, under the same Idempotency-Key
    page.locator("#done").wait_for()
    assert page.inner_text("#tracking-no") == stored.tracking_no
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    assert [r.id for r in reports()] == [stored.id]


def test_joining_a_nearby_case_instead_of_a_new_one(app, client, live_server, browser):
    first = client.post("/api/v1/reports", json={"description": "五四广场东门燃气井盖没了，很危险",
                                                 "location": {**SQUARE, "crs": "wgs84"}}).json
    case_no = first["case_no"]
    page = open_phone(browser)
    page.goto(f"{live_server}/m/")
    page.click("#locate")
    page.locator("#place.ok").wait_for()
    page.fill("#description", "燃气井盖丢了，五四广场东门")
    join = page.locator(f"#nearby button.join[data-case='{case_no}']")
    join.wait_for()
    assert "附近已有人反映" in page.inner_text("#nearby")
    page.screenshot(path=str(SHOTS / "webapp_8_nearby.png"), full_page=True)
    join.click()
    page.locator("#join-note").wait_for()
    page.click("#submit")
    page.locator("#done").wait_for()
    assert f"已与案件{case_no}合并办理" in page.inner_text("#done-join")
    db.session.expire_all()
    case = db.session.query(Case).filter_by(case_no=case_no).one()
    assert case.report_count == 2 and len(reports()) == 2 and {r.case_id for r in reports()} == {case.id}


def test_the_chat_page_files_a_report_through_the_bot(app, live_server, browser, fake_rasa):
    fake_rasa.api_base = live_server
    page = open_phone(browser)
    page.goto(f"{live_server}/m/chat")

    def say(text: str) -> None:
        page.fill("#chat-input", text)
        page.click("#chat-send")

    say("我要反映问题")
    page.locator(".msg.bot", has_text="请描述").wait_for()
    with page.expect_file_chooser() as chooser:  # a photo from the scene, and where the phone is
        page.click("label:has(#chat-photo)")
    chooser.value.set_files([camera_photo()])
    page.locator(".msg.me", has_text="照片").wait_for()
    page.click("#chat-location")
    page.locator(".msg.me", has_text="我的位置").wait_for()
    say("五四广场东门的垃圾箱满了")
    page.locator(".msg.bot button", has_text="确认提交").click()
    answer = page.locator(".msg.bot", has_text="受理编号")
    answer.wait_for()
    page.click("#chat-human")
    page.locator(".msg.bot", has_text="人工").wait_for()
    page.screenshot(path=str(SHOTS / "webapp_9_chat.png"))  # as the phone shows it: the bar stays at the bottom
    [report] = reports()
    assert report.tracking_no in answer.inner_text() and report.channel == "chatbot"
    senders = {call["sender"] for call in fake_rasa.calls}
    assert len(senders) == 1 and report.channel_ref == senders.pop()  # one conversation, the report is its
    assert [c["message"] for c in fake_rasa.calls][-2:] == ["/affirm", "/request_human"]
    [photo] = db.session.query(Photo).all()
    photo_call, place_call = fake_rasa.calls[1], fake_rasa.calls[2]
    assert photo_call["metadata"]["photo_ids"] == [photo.id]
    assert abs(place_call["metadata"]["location"]["lat"] - SQUARE["lat"]) < 1e-6

    page.reload()  # the conversation is still there after leaving and coming back
    assert page.locator(".msg.bot", has_text="受理编号").count() == 1
    # The report the bot filed is this phone's, as one filed on 随手拍 is: 我的 lists it and opens it.
    page.goto(f"{live_server}/m/mine")
    page.click(f"#my-reports a[href='/m/reports/{report.tracking_no}']")
    page.wait_for_selector("#status")
    assert "五四广场东门的垃圾箱满了" in page.locator("#detail").inner_text()


def test_large_text_mode_stays_on_across_pages(app, live_server, browser):
    page = open_phone(browser)
    page.goto(f"{live_server}/m/")

    def size() -> float:
        return float(page.eval_on_selector("label[for=description]", "e => parseFloat(getComputedStyle(e).fontSize)"))

    normal = size()
    page.click("#big-toggle")
    assert page.get_attribute("#big-toggle", "aria-pressed") == "true"
    assert size() >= normal * 1.25
    page.screenshot(path=str(SHOTS / "webapp_10_large_text.png"), full_page=True)
    page.goto(f"{live_server}/m/mine")
    assert page.eval_on_selector("html", "e => e.classList.contains('big')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing runs off a narrow phone
    page.click("#big-toggle")
    page.goto(f"{live_server}/m/")
    assert size() == normal


def sms_code(phone: str) -> str:
    db.session.expire_all()
    body = db.session.query(Notification).filter_by(kind="login_code").order_by(Notification.id.desc()).first().body
    return re.search(r"\d{6}", body).group()


def sign_in(page, base: str, phone: str) -> None:
    page.goto(f"{base}/m/login")
    page.fill("#login-phone", phone)
    page.click("#send-code")
    page.locator("#login-note", has_text="已发送").wait_for()
    page.fill("#login-code", sms_code(phone))
    page.click("#login-submit")
    page.wait_for_url("**/m/mine")


def test_signing_in_claims_earlier_reports_and_shows_messages(app, client, make_staff, live_server, browser):
    page = open_phone(browser)
    page.goto(f"{live_server}/m/")
    page.click("#locate")
    page.locator("#place.ok").wait_for()
    page.fill("#description", "五四广场东门的垃圾箱满了，味道很大")
    page.click("#submit")
    page.locator("#done").wait_for()
    tracking_no = page.inner_text("#tracking-no")
    page.goto(f"{live_server}/m/messages")
    assert "登录后" in page.inner_text("#message-list")
    page.screenshot(path=str(SHOTS / "webapp_11_messages_signed_out.png"), full_page=True)

    page.goto(f"{live_server}/m/login")
    page.screenshot(path=str(SHOTS / "webapp_12_login.png"), full_page=True)
    sign_in(page, live_server, "13800138000")
    assert "138****8000" in page.inner_text("#who")
    page.locator(f"a.item:has-text('{tracking_no}')").wait_for()
    db.session.expire_all()
    citizen = db.session.query(Citizen).filter_by(phone="+8613800138000").one()
    [report] = reports()
    assert report.citizen_id == citizen.id

    # Staff move the case on: the message reaches the account, and the resident reads it on a second phone.
    case = report.case
    if case.status == "received":
        apply_transition(case, TransitionRequest("register"), SYSTEM)
    apply_transition(case, TransitionRequest("dispatch", department="street:370202001"), SYSTEM)
    db.session.commit()
    deliver_due()
    for row in db.session.query(SmsLoginCode):
        row.created_at -= timedelta(minutes=2)  # a minute between codes for one number
    db.session.commit()
    other = open_phone(browser)
    sign_in(other, live_server, "+86 138-0013-8000")
    other.locator(f"a.item:has-text('{tracking_no}')").wait_for()
    other.screenshot(path=str(SHOTS / "webapp_13_mine_signed_in.png"), full_page=True)
    other.locator("#unread-dot").wait_for()
    other.click("#tab-messages")
    unread = other.locator(".msg-item.unread").first
    unread.wait_for()
    other.screenshot(path=str(SHOTS / "webapp_14_messages.png"), full_page=True)
    unread_before = other.locator(".msg-item.unread").count()
    unread.click()
    expect(other.locator(".msg-item.unread")).to_have_count(unread_before - 1)
    db.session.expire_all()
    assert db.session.query(Notification).filter(Notification.citizen_id == citizen.id,
                                                 Notification.read_at.is_not(None)).count() == 1
    assert page.js_errors == [] and other.js_errors == []


def test_the_sms_link_page_has_the_apps_look_and_leads_into_it(app, client, live_server, browser):
    created = client.post("/api/v1/reports", json={"description": "五四广场东门的垃圾箱满了",
                                                   "location": {**SQUARE, "crs": "wgs84"}}).json
    page = open_phone(browser)
    page.goto(f"{live_server}/r/{created['tracking_no']}")
    header = page.locator("header.top")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 110, 79)"  # app.css applied
    assert created["tracking_no"] in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "webapp_15_public_page.png"), full_page=True)
    page.click(f"a[href='/m/reports/{created['tracking_no']}']")
    page.locator("#detail .card").first.wait_for()
    assert "查看凭证" in page.inner_text("#detail")  # another phone: the report's token is not here


def test_bad_photos_and_missing_place_say_what_to_do_and_keep_the_text(app, live_server, browser):
    page = open_phone(browser)
    page.goto(f"{live_server}/m/")
    page.fill("#description", "路边的垃圾箱满了，垃圾溢出来一地")  # no place in the words either
    choose_photos(page, {"name": "notes.txt", "mimeType": "text/plain", "buffer": "不是照片".encode()})
    assert "不是图片" in page.inner_text("#form-error")
    # Looks like a JPEG to the browser, but is not one: the server refuses it, the page says why.
    choose_photos(page, {"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" + b"0" * 500})
    page.locator("#form-error", has_text="照片没有加入").wait_for()
    assert page.locator(".thumb").count() == 0
    page.click("#submit")  # no photo position, no phone position, no address, no place in the words
    page.locator("#form-error", has_text="还没有位置").wait_for()
    assert reports() == []
    page.screenshot(path=str(SHOTS / "webapp_16_errors.png"), full_page=True)

    page.reload()  # what was typed is still there after a reload
    assert page.input_value("#description") == "路边的垃圾箱满了，垃圾溢出来一地"
    page.fill("#address", "香港中路12号")
    page.click("#submit")
    page.locator("#done").wait_for()
    [report] = reports()
    assert report.address == "香港中路12号" and report.location_source == "address"


def test_a_place_written_in_the_description_is_enough(app, live_server, browser):
    """The text box's own example names its place ("团岛路1号门口…"): when the preview finds it there, the report
    is filed as the API takes it (the description alone), and the server places it by the same words."""
    page = open_phone(browser)
    page.goto(f"{live_server}/m/")
    page.fill("#description", "江西路15号门口垃圾箱满了，臭气熏天")
    page.locator("#place.ok", has_text="江西路15号").wait_for()
    assert page.input_value("#address") == ""
    page.screenshot(path=str(SHOTS / "webapp_26_place_in_text.png"), full_page=True)
    page.click("#submit")
    page.locator("#done").wait_for()
    [report] = reports()
    assert report.tracking_no == page.inner_text("#tracking-no")
    assert report.address is None and report.raw_lat is None  # sent as written: no address, no position
    assert report.lat is not None and "江西路" in (report.location_description or "")

    # Typed and sent at once, before the preview had a moment: the page asks it then, and files the report.
    page.click("#again")
    page.fill("#description", "团岛路1号门口垃圾箱满了，垃圾溢出来一地")
    page.click("#submit")
    page.locator("#done").wait_for()
    assert len(reports()) == 2 and reports()[1].lat is not None
    # Words with no place in them still ask for one.
    page.click("#again")
    page.fill("#description", "垃圾箱满了，垃圾溢出来一地")
    page.click("#submit")
    page.locator("#form-error", has_text="还没有位置").wait_for()
    assert len(reports()) == 2
    # An address typed and sent at once is looked up first too: one the map does not know is said so.
    page.fill("#address", "火星基地99号")
    page.click("#submit")
    page.locator("#form-error", has_text="没有找到地址").wait_for()
    assert len(reports()) == 2
    assert page.js_errors == []


def test_the_report_page_on_a_desktop(app, live_server, browser):
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    page.goto(f"{live_server}/m/")
    width = page.eval_on_selector("#report-form", "e => e.getBoundingClientRect().width")
    assert width <= 640  # a readable column, not a form stretched across the screen
    assert page.locator("nav.tabs").is_visible()
    page.screenshot(path=str(SHOTS / "webapp_17_desktop.png"), full_page=True)


def test_the_scan_to_report_page_has_the_apps_look(app, live_server, browser, load_components):
    assert load_components([component_row(LIGHT, 1, status="损坏")]).applied
    page = open_phone(browser)
    page.goto(f"{live_server}/c/{component_code(LIGHT, 1)}")
    assert page.locator("header.top").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 110, 79)"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "webapp_18_scan_page.png"), full_page=True)
    page.fill("#report-form textarea", "路灯不亮了")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/m/reports/R*")  # the app's own page for it, readable with the token handed over
    page.locator("#timeline").wait_for()
    assert reports()[0].tracking_no in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "webapp_19_scan_done.png"), full_page=True)


def test_a_signed_in_resident_exports_and_erases_their_data_from_mine(app, live_server, browser):
    page = open_phone(browser)
    page.goto(f"{live_server}/m/")
    page.click("#locate")
    page.locator("#place.ok").wait_for()
    page.fill("#description", "五四广场东门的垃圾箱满了，没人清")
    page.click("#submit")
    page.locator("#done").wait_for()
    tracking_no = page.inner_text("#tracking-no")
    page.goto(f"{live_server}/m/mine")
    assert page.locator("#privacy").is_hidden()  # nothing to export or erase before signing in
    sign_in(page, live_server, "13800138001")
    page.locator("#export-data").wait_for()
    page.screenshot(path=str(SHOTS / "webapp_20_mine_privacy.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#export-data")
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert tracking_no in json.dumps(exported, ensure_ascii=False)

    page.once("dialog", lambda dialog: dialog.accept())  # "确定注销吗？"
    page.click("#erase-account")
    page.locator("#login-link").wait_for()
    assert "未登录" in page.inner_text("#who")
    db.session.expire_all()
    assert db.session.query(Citizen).filter_by(phone="+8613800138001").count() == 0
    [report] = reports()
    assert report.tracking_no == tracking_no and report.citizen_id is None  # the report stays, anonymous


def test_a_report_made_after_the_account_was_erased_elsewhere_goes_out_anonymously(app, client, live_server,
                                                                                     browser):
    """The account is erased on another device: this phone's token is refused (401), so the report is sent again
    without it, as an anonymous report, and the phone is signed out."""
    page = open_phone(browser)
    sign_in(page, live_server, "13800138002")
    token = page.evaluate("() => JSON.parse(localStorage.getItem('m.token'))")
    assert client.delete("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    page.goto(f"{live_server}/m/")
    page.click("#locate")
    page.locator("#place.ok").wait_for()
    page.fill("#description", "五四广场东门的垃圾箱满了，没人清")
    page.click("#submit")
    page.locator("#done").wait_for()
    [report] = reports()
    assert report.tracking_no == page.inner_text("#tracking-no") and report.citizen_id is None
    assert page.evaluate("() => localStorage.getItem('m.token')") is None
    page.screenshot(path=str(SHOTS / "webapp_22_filed_after_erasure.png"), full_page=True)
    assert page.js_errors == []
