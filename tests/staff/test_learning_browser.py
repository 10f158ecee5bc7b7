"""The weekly accuracy card on /staff/stats in Chromium, with the last retrain's report (issue 20)."""

from __future__ import annotations

from service_api.extensions import db
from service_api.models import CaseEvent, utcnow
from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.staff.test_browser import sign_in
from tests.staff.test_learning import make_case

pytestmark = NEEDS_CHROMIUM


def test_reviewer_reads_the_accuracy_card(app, make_staff, live_server, browser):
    now = utcnow()
    for no in range(1, 5):
        case = make_case(no, "registered", "06042")
        db.session.add(CaseEvent(case_id=case.id, action="register", from_status="received", to_status="registered",
                                 actor_type="system", actor_name="系统", created_at=now))
    corrected = db.session.query(CaseEvent).filter_by(action="register").first()
    db.session.add(CaseEvent(case_id=corrected.case_id, action="change_matter", actor_type="staff",
                             actor_name="调度", note="事项更正", created_at=now))
    db.session.commit()
    reviewer, _ = make_staff("reviewer")
    page = sign_in(browser, live_server, reviewer.username)

    page.goto(f"{live_server}/staff/stats")

    card = page.locator("#intake-accuracy")
    card.scroll_into_view_if_needed()
    assert card.is_visible()
    rows = card.locator("tr").all_inner_texts()
    assert len(rows) == 9  # header + eight weeks
    assert "75.0%" in rows[-1]  # this week: three of four auto-registered cases kept their matter
    assert "尚未进行过模型重训" in card.inner_text()
    card.screenshot(path=str(SHOTS / "staff_intake_accuracy.png"))
