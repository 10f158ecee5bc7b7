"""POST /api/v1/reports/{id}/rating: one rating per resident per case, updatable for 7 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g

from service_api.auth.tokens import issue_citizen_token
from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Callback, Case, CaseEvent, Notification, Rating, Survey
from tests.notifications.support import close_case, make_case, make_report


@pytest.fixture
def settings(settings):
    settings.quiet_hours = ""
    return settings


def _rate(client, report_id: int, token: str, **body):
    g.pop("principal", None)  # the test app context outlives each request
    return client.post(f"/api/v1/reports/{report_id}/rating", json=body,
                       headers={"Authorization": f"Bearer {token}"})


def _resident(phone: str):
    report = make_report(phone=phone, channel="miniprogram")
    return report, issue_citizen_token(report.citizen_id)


def test_rate_then_update_within_seven_days(app, client):
    report, token = _resident("+8613800000001")
    case = make_case(report)
    close_case(case)
    first = _rate(client, report.id, token, rating="basically_satisfied", solved=True, comment="还行")
    assert first.status_code == 200
    assert first.get_json()["created"] is True and first.get_json()["rating_text"] == "基本满意"
    second = _rate(client, report.id, token, rating="satisfied", solved=True)
    assert second.status_code == 200 and second.get_json()["created"] is False
    rating = db.session.query(Rating).one()
    # The new answer replaces the rating; the resident said nothing new, so what they wrote before stays.
    assert (rating.rating, rating.comment, rating.channel) == ("satisfied", "还行", "miniprogram")
    assert second.get_json()["comment"] == "还行"
    assert not db.session.get(Case, case.id).needs_review
    g.pop("principal", None)
    shown = client.get(f"/api/v1/reports/{report.id}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert shown["rating"]["rating"] == "satisfied"


def test_a_new_comment_replaces_the_old_and_an_emptied_one_clears_it(app, client):
    report, token = _resident("+8613800000021")
    close_case(make_case(report))
    _rate(client, report.id, token, rating="basically_satisfied", comment="修得慢")
    new = _rate(client, report.id, token, rating="satisfied", comment="后来修好了")
    assert new.get_json()["comment"] == "后来修好了"
    assert _rate(client, report.id, token, rating="satisfied").get_json()["comment"] == "后来修好了"
    assert _rate(client, report.id, token, rating="satisfied", comment="  ").get_json()["comment"] is None
    assert db.session.query(Rating).one().comment is None


def test_no_change_after_seven_days(app, client):
    report, token = _resident("+8613800000002")
    close_case(make_case(report))
    assert _rate(client, report.id, token, rating="satisfied").status_code == 200
    rating = db.session.query(Rating).one()
    rating.created_at = rating.created_at - timedelta(days=7, minutes=1)
    db.session.commit()
    refused = _rate(client, report.id, token, rating="unsatisfied")
    assert refused.status_code == 409 and refused.get_json()["code"] == "rating_locked"
    db.session.refresh(rating)
    assert rating.rating == "satisfied"


def test_only_closed_cases_can_be_rated(app, client):
    report, token = _resident("+8613800000003")
    make_case(report, status="dispatched")
    response = _rate(client, report.id, token, rating="satisfied")
    assert response.status_code == 409 and response.get_json()["code"] == "case_not_closed"
    assert db.session.query(Rating).count() == 0


def test_somebody_elses_report_is_not_found(app, client):
    report, _ = _resident("+8613800000004")
    close_case(make_case(report))
    _, other_token = _resident("+8613800000005")
    assert _rate(client, report.id, other_token, rating="unsatisfied").status_code == 404
    assert db.session.query(Rating).count() == 0


def test_bad_rating_value_is_422(app, client):
    report, token = _resident("+8613800000006")
    close_case(make_case(report))
    assert _rate(client, report.id, token, rating="great").status_code == 422


def test_unsatisfied_flags_for_review_and_tells_the_resident(app, client):
    report, token = _resident("+8613800000007")
    case = make_case(report)
    close_case(case)
    response = _rate(client, report.id, token, rating="satisfied", solved=False)
    assert response.status_code == 200 and response.get_json()["needs_review"] is True
    case = db.session.get(Case, case.id)
    assert case.needs_review and case.status == "closed"  # reopening is off by default
    told = db.session.query(Notification).filter_by(kind="rating_review", report_id=report.id).all()
    assert told and case.case_no in told[0].body


def test_unsatisfied_reopens_when_configured(app, client, settings):
    settings.survey_reopen_on_unsatisfied = True
    report, token = _resident("+8613800000008")
    case = make_case(report)
    close_case(case)
    response = _rate(client, report.id, token, rating="unsatisfied", comment="根本没修")
    assert response.get_json()["reopened"] is True
    case = db.session.get(Case, case.id)
    assert case.status == "reopened" and case.reopen_count == 1
    assert db.session.query(Notification).filter_by(kind="reopened", report_id=report.id).count() >= 1


def test_agent_records_a_phone_survey_answer_and_completes_the_callback(app, client, make_staff):
    report = make_report(phone="+8613800000009", channel="hotline")
    case = make_case(report)
    close_case(case)  # a +86 hotline caller: a rating link by SMS plus a survey callback for agents
    callback = db.session.query(Callback).filter_by(kind="survey", report_id=report.id).one()
    agent, headers = make_staff("agent")
    g.pop("principal", None)
    response = client.post(f"/api/v1/reports/{report.id}/rating", json={"rating": "satisfied", "solved": True},
                           headers=headers)
    assert response.status_code == 200
    assert db.session.query(Rating).one().channel == "hotline"
    db.session.refresh(callback)
    assert callback.status == "done" and callback.done_by_id == agent.id
    _, handler = make_staff("handler")
    g.pop("principal", None)
    assert client.post(f"/api/v1/reports/{report.id}/rating", json={"rating": "unsatisfied"},
                       headers=handler).status_code == 403


def _close_again(case: Case) -> None:
    """Reopen a closed case and take it round to 结案 again."""
    for action, fields in (("reopen", {"note": "复查"}), ("dispatch", {"department": "street:370202001"}),
                           ("resolve", {"outcome": "已重新处理"}), ("verify", {}), ("close", {})):
        apply_transition(db.session.get(Case, case.id), TransitionRequest(action, **fields), SYSTEM)
        db.session.commit()


def test_changing_unsatisfied_to_satisfied_leaves_review_and_shows_in_the_history(app, client):
    report, token = _resident("+8613800000010")
    case = make_case(report)
    close_case(case)
    assert _rate(client, report.id, token, rating="unsatisfied", comment="根本没修").get_json()["needs_review"]
    assert db.session.get(Case, case.id).needs_review
    # The resident empties the comment field as they change their mind: "根本没修" is not shown under 满意.
    changed = _rate(client, report.id, token, rating="satisfied", solved=True, comment=None)
    assert changed.status_code == 200 and changed.get_json()["comment"] is None
    case = db.session.get(Case, case.id)
    assert not case.needs_review  # off the 待复核 queue
    assert db.session.query(Rating).one().comment is None  # "根本没修" is not shown under 满意
    notes = [e.note for e in db.session.query(CaseEvent).filter_by(case_id=case.id, action="rating")
             .order_by(CaseEvent.id)]
    assert len(notes) == 2 and "不满意" in notes[0] and "根本没修" in notes[0]
    assert "不满意 → 满意" in notes[1]
    assert db.session.query(Notification).filter_by(kind="rating_review", channel="inapp").count() == 1


def test_a_case_in_review_for_another_reason_stays_there(app, client):
    report, token = _resident("+8613800000011")
    case = make_case(report)
    close_case(case)
    case = db.session.get(Case, case.id)
    case.needs_review = True  # e.g. a complaint on the hotline before the rating
    db.session.commit()
    _rate(client, report.id, token, rating="unsatisfied")
    _rate(client, report.id, token, rating="satisfied")
    assert db.session.get(Case, case.id).needs_review


def test_each_closing_round_has_its_own_rating(app, client):
    report, token = _resident("+8613800000012")
    case = make_case(report)
    close_case(case)
    assert _rate(client, report.id, token, rating="unsatisfied", comment="没修好").status_code == 200
    first = db.session.query(Rating).one()
    first.created_at -= timedelta(days=8)  # round one's edit window is long over
    db.session.commit()
    _close_again(case)
    second = _rate(client, report.id, token, rating="satisfied", comment="这次修好了")
    assert second.status_code == 200 and second.get_json()["created"] is True
    rows = db.session.query(Rating).order_by(Rating.round).all()
    assert [(r.round, r.rating, r.comment) for r in rows] == [(1, "unsatisfied", "没修好"),
                                                              (2, "satisfied", "这次修好了")]
    assert {s.round: s.status for s in db.session.query(Survey)} == {1: "answered", 2: "answered"}
    g.pop("principal", None)
    shown = client.get(f"/api/v1/reports/{report.id}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert shown["rating"]["rating"] == "satisfied"


def test_any_rating_closes_the_survey_callback_of_that_resident(app, client, service_headers):
    first = make_report(phone="+8613800000013", channel="hotline")
    case = make_case(first)
    second = make_report(phone="+8613800000013", channel="hotline", description="井盖还是没有")
    second.case_id = case.id
    db.session.commit()
    close_case(case)  # +86: a link by SMS and a callback for agents, once for this resident
    callback = db.session.query(Callback).filter_by(kind="survey").one()
    assert callback.status == "open"
    g.pop("principal", None)
    response = client.post(f"/api/v1/reports/{second.id}/rating", json={"rating": "satisfied"},
                           headers={**service_headers, "X-Resident": f"citizen:{second.citizen_id}"})
    assert response.status_code == 200  # through the chatbot, naming the resident's other report
    db.session.refresh(callback)
    assert callback.status == "done" and "智能客服" in callback.outcome
    assert db.session.query(Survey).one().status == "answered"


def test_the_review_queue_follows_the_current_round(app, client, make_staff):
    from service_api.cases.desk import queue_query

    reviewer, _ = make_staff("reviewer")
    report, token = _resident("+8613800000014")
    case = make_case(report)
    close_case(case)
    _rate(client, report.id, token, rating="unsatisfied", comment="没修好")
    assert case.id in [c.id for c in queue_query(reviewer, "unsatisfied")]
    _close_again(case)
    case = db.session.get(Case, case.id)
    case.needs_review = False  # the reviewer dealt with it by reopening
    db.session.commit()
    _rate(client, report.id, token, rating="satisfied")
    assert case.id not in [c.id for c in queue_query(reviewer, "unsatisfied")]
