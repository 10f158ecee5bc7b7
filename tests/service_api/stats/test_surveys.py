"""回访短信响应率 counts only surveys whose invitation really went out (已回复的回访 ÷ 已发出的回访).

Through the real flow: closing schedules the surveys, the worker sends the invitations that are due, a rating
from any channel ends the resident's survey; then the page's figure, from the rollup and straight from the
base tables.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import g

from service_api.extensions import db
from service_api.models import Survey, utcnow
from service_api.stats import figures as stats
from tests.notifications.support import (  # noqa: F401 (fixtures requested by name)
    close_case,
    deliver_due,
    fake_twilio,
    fake_twilio_server,
    make_case,
    make_report,
    use_twilio,
)


@pytest.fixture
def settings(settings, fake_twilio):  # noqa: F811
    return use_twilio(settings, fake_twilio)


def _today() -> stats.Period:
    day = utcnow().astimezone(stats.SHANGHAI).date()
    return stats.Period(date(day.year, day.month, 1), day)


def _rate_in_chatbot(client, service_headers, report) -> None:
    g.pop("principal", None)
    response = client.post(f"/api/v1/reports/{report.id}/rating", json={"rating": "satisfied"},
                           headers={**service_headers, "X-Resident": report.channel_ref})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("compute", [stats.compute, stats.compute_direct])
def test_a_survey_with_nothing_to_send_is_not_a_survey_sent(app, client, service_headers, settings, compute):
    # Case 1: an anonymous chat resident without phone or WeChat; nothing can be sent, they rate in the chat.
    anonymous = make_report(phone=None, channel="chatbot")
    anonymous.channel_ref = "anon:session-1"
    first = make_case(anonymous)
    close_case(first)
    # Case 2: a survey SMS goes out and is answered (in the chat too).
    resident = make_report(phone="+14155550177", channel="chatbot")
    resident.channel_ref = f"citizen:{resident.citizen_id}"
    second = make_case(resident)
    settings.survey_delay_minutes = 0
    close_case(second)
    deliver_due()
    _rate_in_chatbot(client, service_headers, anonymous)
    _rate_in_chatbot(client, service_headers, resident)

    total = compute(_today(), "channel").total
    assert total.fraction("survey_response_rate") == (1, 1)  # was (2, 2): case 1 counted as sent
    assert total.survey_response_rate == 1.0
    unsent = db.session.query(Survey).filter_by(case_id=first.id).one()
    assert (unsent.status, unsent.sent_at) == ("answered", None)


@pytest.mark.parametrize("compute", [stats.compute, stats.compute_direct])
def test_an_invitation_cancelled_by_an_earlier_rating_is_not_a_survey_sent(app, client, service_headers, compute):
    resident = make_report(phone="+14155550178", channel="chatbot")
    resident.channel_ref = f"citizen:{resident.citizen_id}"
    case = make_case(resident)
    close_case(case)  # the invitation waits SURVEY_DELAY_MINUTES
    _rate_in_chatbot(client, service_headers, resident)
    deliver_due()

    survey = db.session.query(Survey).one()
    assert (survey.status, survey.sent_at) == ("answered", None)
    total = compute(_today(), "channel").total
    assert total.fraction("survey_response_rate") == (0, 0) and total.survey_response_rate is None
    assert total.rated == 1  # the rating itself counts (评价数, 回访率)
