"""A resident on a phone (Chromium, mobile emulation): report with a camera photo, follow it in 我的 while staff
register and dispatch it, rate it once it is closed. Screenshots go to $STAFF_SCREENSHOTS (default /tmp)."""

from __future__ import annotations

from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Case, Photo, Rating, Report
from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.webapp.conftest import camera_photo, choose_photos, open_phone

pytestmark = NEEDS_CHROMIUM


def staff_moves(client, headers, case_no: str, *actions: str, **fields: str) -> None:
    for action in actions:
        response = client.post(f"/api/v1/cases/{case_no}/transitions", json={"action": action, **fields},
                               headers=headers)
        assert response.status_code == 200, response.json


def test_report_with_a_camera_photo_then_follow_and_rate(app, client, make_staff, live_server, browser):
    page = open_phone(browser)
    page.goto(f"{live_server}/m/")
    page.screenshot(path=str(SHOTS / "webapp_1_report_empty.png"), full_page=True)
    choose_photos(page, camera_photo())
    page.locator(".thumb .state", has_text="含位置").wait_for()  # uploaded, and the server read its GPS
    page.fill("#description", "五四广场东门的垃圾箱满了，垃圾溢出来一地")
    page.locator("#place.ok").wait_for()
    assert "照片" in page.inner_text("#place")
    page.locator("#suggest").wait_for()
    page.screenshot(path=str(SHOTS / "webapp_2_report_filled.png"), full_page=True)
    page.click("#submit")
    page.locator("#done").wait_for()
    tracking_no = page.locator("#tracking-no").inner_text()
    page.screenshot(path=str(SHOTS / "webapp_3_report_done.png"), full_page=True)
    assert tracking_no.startswith("R")

    db.session.expire_all()
    report = db.session.query(Report).filter_by(tracking_no=tracking_no).one()
    photo = db.session.query(Photo).one()
    # Shrunk in the browser to WeChat's 2048 px, yet placed by the GPS the server read from the photo.
    assert max(photo.width, photo.height) == 2048 and (photo.width, photo.height) == (2048, 1536)
    assert report.location_source == "photo" and abs(report.raw_lat - 36.0620) < 1e-4
    assert [p.id for p in report.photos] == [photo.id]
    assert report.case is not None and report.channel == "web"

    # Staff register and dispatch it; the resident sees it in 我的 with its timeline.
    _, dispatcher = make_staff("dispatcher")
    case = report.case
    if case.status == "received":
        staff_moves(client, dispatcher, case.case_no, "register")
    staff_moves(client, dispatcher, case.case_no, "dispatch", department="street:370202001")
    page.click("#tab-mine")
    page.locator(f"a.item:has-text('{tracking_no}')").wait_for()
    assert "处置中" in page.locator(f"a.item:has-text('{tracking_no}')").inner_text()
    page.screenshot(path=str(SHOTS / "webapp_4_mine.png"), full_page=True)
    page.click(f"a.item:has-text('{tracking_no}')")
    page.locator("#timeline").wait_for()
    done = page.locator(".steps li.done").all_inner_texts()
    assert [text[:2] for text in done] == ["受理", "立案", "派遣"]
    # The timeline says what happened, once each: where the case went and by when, not "派遣：处置中".
    entries = page.locator("#timeline li").all_inner_texts()
    assert any(entry.startswith("已派遣至八大峡街道办事处，处置时限") for entry in entries), entries
    assert not any("：处置中" in entry or "：已立案" in entry for entry in entries), entries
    assert page.locator(".gallery img[src^='blob:']").count() == 1  # the photo, fetched with the token
    assert page.locator("#rating-form").count() == 0  # not before it is closed
    page.screenshot(path=str(SHOTS / "webapp_5_detail_dispatched.png"), full_page=True)

    # Handled, checked and closed: the resident rates it on the same page.
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    for action in ("resolve", "verify", "close"):
        apply_transition(case, TransitionRequest(action, outcome="垃圾已清运，垃圾箱已清洗"), SYSTEM)
    db.session.commit()
    page.reload()
    page.locator("#rating-form").wait_for()
    assert "垃圾已清运" in page.inner_text("#outcome")
    entries = page.locator("#timeline li").all_inner_texts()
    said = [entry.split("\n")[0] for entry in entries[-3:]]
    assert said == ["处置完成：垃圾已清运，垃圾箱已清洗", "核查通过", "已结案"]
    page.locator("#timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "webapp_30_timeline_closed.png"), full_page=True)
    page.click("#rating-form label:has-text('基本满意')")
    page.click("#rating-form label:has-text('已解决')")
    page.fill("#rating-comment", "清理得挺快")
    page.screenshot(path=str(SHOTS / "webapp_6_rating.png"), full_page=True)
    page.click("#rating-submit")
    page.locator("#rating-thanks").wait_for()
    assert "基本满意" in page.inner_text("#rating-thanks")
    db.session.expire_all()
    rating = db.session.query(Rating).one()
    assert (rating.report_id, rating.rating, rating.solved, rating.comment) == (
        report.id, "basically_satisfied", True, "清理得挺快")
    assert page.js_errors == []
