"""POST /api/v1/reports/{id}/rating: one rating per resident per case, updatable for 7 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g

from service_api.auth.tokens import issue_citizen_token
from service_api.extensions import db
from service_api.models import Callback, Case, Notification, Rating
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
    assert (rating.rating, rating.comment, rating.channel) == ("satisfied", "还行", "miniprogram")
    assert not db.session.get(Case, case.id).needs_review
    g.pop("principal", None)
    shown = client.get(f"/api/v1/reports/{report.id}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert shown["rating"]["rating"] == "satisfied"


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
