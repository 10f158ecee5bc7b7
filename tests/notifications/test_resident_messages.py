"""What residents are told, and when: urgent cases through quiet hours, one message per recipient per event,
a night's messages coalesced to what is still true, the deadline extension. The clock is pinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications import outbox
from service_api import outbox_writer
from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.feedback import surveys
from service_api.models import Case, Category, Department, Notification
from service_api.vocab import Kind
from tests.notifications.support import make_case, make_report, use_twilio

SH = ZoneInfo("Asia/Shanghai")
CN_PHONE = "+8613800138000"


def local(hour: int, minute: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH).astimezone(UTC)


@pytest.fixture
def settings(settings, fake_twilio):
    use_twilio(settings, fake_twilio)
    settings.quiet_hours = "21:00-08:00"
    settings.survey_delay_minutes = 120
    return settings


@pytest.fixture
def clock(pinned_clock):
    """Sets the service's clock (every utcnow(): transitions, messages, claims) to a moment."""
    return pinned_clock


def _act(case: Case, action: str, **fields) -> None:
    apply_transition(db.session.get(Case, case.id), TransitionRequest(action, **fields), SYSTEM)
    db.session.commit()


def _department() -> Department:
    return db.session.query(Department).order_by(Department.id).first()


def _sms(kind: str | None = None) -> list[Notification]:
    query = db.session.query(Notification).filter_by(channel="sms")
    if kind is not None:
        query = query.filter_by(kind=kind)
    return query.order_by(Notification.id).all()


def _manhole_case(priority: str) -> Case:
    report = make_report(phone=CN_PHONE, channel="hotline", description="香港中路8号井盖丢了，很危险")
    case = make_case(report, status="registered")
    case.priority, case.department_id = priority, _department().id
    db.session.commit()
    return case


def test_an_urgent_case_is_announced_through_quiet_hours(app, clock):
    case = _manhole_case("urgent")
    night = local(23, 0)
    clock(night)
    _act(case, "dispatch", deadline=night + timedelta(hours=2))
    (dispatched,) = _sms(Kind.DISPATCHED)
    assert dispatched.urgent and dispatched.send_after == night
    clock(local(23, 40))
    _act(case, "resolve", outcome="已补装井盖")
    _act(case, "verify")
    _act(case, "close")
    assert [row.send_after for row in _sms(Kind.RESOLVED) + _sms(Kind.CLOSED)] == [local(23, 40)] * 2
    # The survey is no news: it waits for the morning, as for any case.
    survey_rows = _sms(Kind.SURVEY_LINK)
    assert survey_rows and all(row.send_after == local(8, 0, day=25) for row in survey_rows)


def test_a_normal_case_waits_unless_its_deadline_would_pass_before_morning(app, clock):
    case = _manhole_case("normal")
    clock(local(23, 0))
    _act(case, "dispatch", deadline=local(10, 0, day=25))
    assert _sms(Kind.DISPATCHED)[0].send_after == local(8, 0, day=25)

    other = _manhole_case("high")
    _act(other, "dispatch", deadline=local(3, 0, day=25))  # a four-hour limit from 23:00
    row = db.session.query(Notification).filter_by(channel="sms", kind=Kind.DISPATCHED, case_id=other.id).one()
    assert row.send_after == local(23, 0)


def test_one_message_per_phone_per_event_with_two_merged_reports(app, clock):
    clock(local(10, 0))
    first = make_report(phone=CN_PHONE, channel="hotline")
    case = make_case(first, status="registered")
    case.department_id = _department().id
    second = make_report(phone="138 0013 8000", channel="sms", description="井盖还没修")  # the same number
    second.case_id = case.id
    db.session.commit()
    _act(case, "dispatch")
    _act(case, "resolve", outcome="已补装井盖")
    _act(case, "verify")
    _act(case, "close")
    for kind in (Kind.DISPATCHED, Kind.RESOLVED, Kind.CLOSED):
        assert len(_sms(kind)) == 1, kind
    assert len(_sms(Kind.SURVEY_LINK)) == 1


def test_a_night_of_messages_arrives_as_what_is_still_true(app, clock, fake_twilio):
    report = make_report(phone=CN_PHONE, channel="hotline")
    case = make_case(report, status="received")
    case.department_id, case.matter_code = _department().id, db.session.query(Category.code).first()[0]
    db.session.commit()
    clock(local(22, 0))
    outbox_writer.report_received(report)
    db.session.commit()
    _act(case, "register")
    clock(local(22, 20))
    _act(case, "dispatch", deadline=local(12, 0, day=25))
    clock(local(23, 50))
    _act(case, "resolve", outcome="已补装井盖。")
    _act(case, "verify")
    _act(case, "close")

    for claimed in outbox.claim_due(now=local(8, 0, day=25)):
        outbox.deliver(claimed.id, claimed.token)
    bodies = [m["body"] for m in fake_twilio.sent_to(CN_PHONE)]
    assert len(bodies) == 1, bodies  # not 受理, 立案, 派遣, 处置, 结案 and the survey
    assert "已办结" in bodies[0] and "评价" in bodies[0]
    # The in-app list keeps the whole history.
    inapp = db.session.query(Notification).filter_by(channel="inapp").all()
    assert {row.kind for row in inapp} >= {Kind.RECEIVED, Kind.REGISTERED, Kind.DISPATCHED, Kind.RESOLVED,
                                           Kind.CLOSED, Kind.SURVEY_LINK}
    assert all(row.status != "cancelled" for row in inapp)


def test_messages_of_the_day_are_all_sent(app, clock, fake_twilio):
    report = make_report(phone=CN_PHONE, channel="hotline")
    case = make_case(report, status="registered")
    case.department_id = _department().id
    db.session.commit()
    clock(local(10, 0))
    _act(case, "dispatch", deadline=local(16, 0))
    clock(local(10, 1))
    _act(case, "resolve", outcome="已补装井盖")
    assert [row.status for row in _sms()] == ["pending", "pending"]


def test_a_deadline_extension_is_announced(app, clock):
    case = _manhole_case("normal")
    clock(local(10, 0))
    _act(case, "dispatch", deadline=local(16, 0))
    _act(case, "extend", deadline=local(18, 30, day=26), note="需更换井座")
    (extended,) = _sms(Kind.DEADLINE_EXTENDED)
    assert "11月26日18:30" in extended.body and case.case_no in extended.body
    assert "需更换井座" not in extended.body  # staff notes are not the resident's


def test_a_reopened_case_cancels_its_waiting_survey(app, clock, fake_twilio):
    report = make_report(phone=CN_PHONE, channel="hotline")
    case = make_case(report)
    clock(local(15, 0))
    _act(case, "close")
    assert _sms(Kind.SURVEY_LINK)[0].status == "pending"
    clock(local(16, 0))
    _act(case, "reopen", note="居民来电反映仍未修好")
    assert _sms(Kind.SURVEY_LINK)[0].status == "cancelled"
    assert db.session.query(surveys.Survey).one().status == "expired"
    assert db.session.query(surveys.Callback).filter_by(kind="survey").one().status == "cancelled"
