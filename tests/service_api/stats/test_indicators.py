"""The reviewer's indicators (受理 … 回访率) on a hand-built set of cases, against values worked out by hand.

The set (November 2026, NOW = 24 November 12:00 Shanghai):
  A  hjws, 2 reports merged, resolved and closed before its deadline; rated 满意 (SMS) and 基本满意 (mini-program);
     one survey sent and answered
  B  hjws, resolved before its deadline, closed after it (on time for 处置, late for 结案); rated 不满意 in the
     mini-program before any survey was sent
  C  ldgl, reopened once (返工) and closed again on time
  D  ldgl, deadline extended (延期), still being handled, past the extended deadline
  E  hjws, resolved before its deadline, still awaiting 核查 after it
  F  routed to hjws by intake but 不予立案 (never dispatched)
  G  routed to ldgl, waiting for triage, created at 23:59:59 on 30 November Shanghai time
  H  registered at 00:00 on 1 November Shanghai time (31 October UTC), not yet dispatched
  J  ldgl, dispatched, deadline still ahead
  I  created in October, closed at 00:30 on 1 November Shanghai time, rated 满意: only in the "closed" basis
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from service_api.extensions import db
from service_api.models import Case, CaseEvent, Department, Rating, Report, Survey
from service_api.stats import figures as stats
from service_api.stats import rollup as stats_rollup
from service_api.stats.indicators import INDICATORS
from tests.conftest import MIGRATIONS

NOV = stats.Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
HJWS, LDGL = "370202-hjws", "370202-ldgl"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def add_case(no: int, created: str, status: str, *, department: str | None = None, reports: int = 1,
             registered: str | None = None, dispatched: str | None = None, deadline: str | None = None,
             resolved: str | None = None, closed: str | None = None, rejected: str | None = None,
             reopened: int = 0, triage: bool = False, channel: str = "hotline") -> Case:
    dept = db.session.query(Department).filter_by(code=department).one() if department else None
    case = Case(case_no=f"C370202-20261101-{no:05d}", status=status, matter_code="06042", triage=triage,
                department_id=dept.id if dept else None, source_channel=channel, created_at=at(created),
                report_count=reports, registered_at=at(registered) if registered else None,
                dispatched_at=at(dispatched) if dispatched else None, deadline=at(deadline) if deadline else None,
                resolved_at=at(resolved) if resolved else None, closed_at=at(closed) if closed else None,
                rejected_at=at(rejected) if rejected else None, reopen_count=reopened,
                reject_reason="out_of_scope" if rejected else None,
                street_code="370202001", district_code="370202")
    db.session.add(case)
    db.session.flush()
    for index in range(reports):
        db.session.add(Report(tracking_no=f"R{no:04d}{index:02d}", channel=channel, description="测试",
                              case_id=case.id, created_at=at(created), contact_phone="13812345678"))
    db.session.flush()
    return case


def rate(case: Case, index: int, rating: str, channel: str) -> None:
    report = db.session.query(Report).filter_by(case_id=case.id).order_by(Report.id).all()[index]
    db.session.add(Rating(case_id=case.id, report_id=report.id, rating=rating, solved=None, channel=channel))


@pytest.fixture
def cases(app):
    a = add_case(1, "2026-11-02T01:00", "closed", department=HJWS, reports=2, registered="2026-11-02T02:00",
                 dispatched="2026-11-02T03:00", deadline="2026-11-03T01:00", resolved="2026-11-02T11:00",
                 closed="2026-11-02T21:00")
    b = add_case(2, "2026-11-03T01:00", "closed", department=HJWS, registered="2026-11-03T02:00",
                 dispatched="2026-11-03T03:00", deadline="2026-11-03T12:00", resolved="2026-11-03T10:00",
                 closed="2026-11-04T02:00", channel="miniprogram")
    add_case(3, "2026-11-05T01:00", "closed", department=LDGL, registered="2026-11-05T02:00",
                 dispatched="2026-11-05T03:00", deadline="2026-11-08T00:00", resolved="2026-11-06T00:00",
                 closed="2026-11-06T12:00", reopened=1)
    d = add_case(4, "2026-11-10T01:00", "dispatched", department=LDGL, registered="2026-11-10T02:00",
                 dispatched="2026-11-10T03:00", deadline="2026-11-20T00:00")
    db.session.add(CaseEvent(case_id=d.id, action="extend", from_status="dispatched", to_status="dispatched",
                             actor_type="staff", created_at=at("2026-11-11T00:00"),
                             data={"old_deadline": "2026-11-12T00:00:00+00:00"}))
    add_case(5, "2026-11-12T01:00", "resolved", department=HJWS, registered="2026-11-12T02:00",
             dispatched="2026-11-12T03:00", deadline="2026-11-13T01:00", resolved="2026-11-12T20:00")
    add_case(6, "2026-11-15T01:00", "rejected", department=HJWS, rejected="2026-11-15T02:00")
    add_case(7, "2026-11-30T15:59:59", "received", department=LDGL, triage=True)
    add_case(8, "2026-10-31T16:00", "registered", registered="2026-10-31T17:00")
    add_case(9, "2026-11-20T01:00", "dispatched", department=LDGL, registered="2026-11-20T02:00",
             dispatched="2026-11-20T03:00", deadline="2026-11-30T00:00")
    i = add_case(10, "2026-10-20T01:00", "closed", department=HJWS, registered="2026-10-20T02:00",
                 dispatched="2026-10-20T03:00", deadline="2026-11-05T00:00", resolved="2026-10-31T10:00",
                 closed="2026-10-31T16:30")
    rate(a, 0, "satisfied", "sms")
    rate(a, 1, "basically_satisfied", "miniprogram")
    rate(b, 0, "unsatisfied", "miniprogram")
    rate(i, 0, "satisfied", "sms")
    report_a = db.session.query(Report).filter_by(case_id=a.id).order_by(Report.id).first()
    db.session.add(Survey(case_id=a.id, report_id=report_a.id, status="answered", sent_at=at("2026-11-03T01:00")))
    db.session.commit()


def fraction(row: stats.StatsRow, name: str) -> tuple[int, int]:
    return row.fraction(name)


EXPECTED_TOTAL = {
    "received": 9, "pending": 1, "rejected": 1, "registered": 7, "dispatched": 6, "due": 5, "closed": 3,
    "reports": 10, "rated": 3,
}
EXPECTED_RATES = {  # rate: (numerator, denominator)
    "closed_rate": (3, 5),  # A B C closed; D and E open past their deadline; J not yet due
    "on_time_close_rate": (2, 5),  # B closed after its deadline
    "on_time_resolve_rate": (4, 5),  # A B C E resolved in time; D not resolved
    "handling_rate": (4, 6),
    "rework_rate": (1, 6),
    "extension_rate": (1, 6),
    "satisfaction_rate": (2, 3),
    "strict_satisfaction_rate": (1, 3),
    "survey_rate": (2, 3),  # A and B rated (B in the mini-program, before any survey); C not
    "survey_response_rate": (1, 1),
    "repeat_share": (1, 10),
}


@pytest.mark.parametrize("compute", [stats.compute, stats.compute_direct])
def test_every_indicator_of_the_hand_built_set(cases, compute):
    total = compute(NOV, "channel", now=NOW).total
    assert {name: getattr(total, name) for name in EXPECTED_TOTAL} == EXPECTED_TOTAL
    assert {name: fraction(total, name) for name in EXPECTED_RATES} == EXPECTED_RATES
    for name, (numerator, denominator) in EXPECTED_RATES.items():
        assert getattr(total, name) == round(numerator / denominator, 4)
    # Medians cover the cases that reached the step: close after 20, 25 and 35 hours.
    assert (total.median_close_hours, total.median_close_count) == (25.0, 3)
    assert total.median_dispatch_count == 6 and total.median_register_count == 7


@pytest.mark.parametrize("compute", [stats.compute, stats.compute_direct])
def test_departments_are_credited_with_dispatched_cases_only(cases, compute):
    rows = {row.key: row for row in compute(NOV, "department", now=NOW).rows}
    assert set(rows) == {HJWS, LDGL, None}
    hjws, ldgl, undispatched = rows[HJWS], rows[LDGL], rows[None]
    assert (hjws.received, hjws.dispatched, hjws.rejected) == (3, 3, 0)  # not F, rejected before dispatch
    assert fraction(hjws, "closed_rate") == (2, 3) and fraction(hjws, "on_time_close_rate") == (1, 3)
    assert fraction(hjws, "on_time_resolve_rate") == (3, 3)
    assert (ldgl.received, ldgl.pending) == (3, 0)  # not G, waiting for triage
    assert fraction(ldgl, "rework_rate") == (1, 3) and fraction(ldgl, "extension_rate") == (1, 3)
    assert undispatched.label == "未派遣（待分拣、不予立案、待派遣）"
    assert (undispatched.received, undispatched.pending, undispatched.rejected, undispatched.registered,
            undispatched.dispatched) == (3, 1, 1, 1, 0)


@pytest.mark.parametrize("compute", [stats.compute, stats.compute_direct])
def test_cases_closed_in_the_period(cases, compute):
    total = compute(NOV, "channel", now=NOW, basis="closed").total
    assert (total.received, total.closed, total.due) == (4, 4, 4)  # A B C and I (closed 00:30 on 1 November)
    assert fraction(total, "on_time_close_rate") == (3, 4)
    assert fraction(total, "satisfaction_rate") == (3, 4) and fraction(total, "survey_rate") == (3, 4)
    # closed after 20, 25, 35 and (I) 279.5 hours: the median is halfway between 25 and 35
    assert (total.median_close_count, total.median_close_hours) == (4, 30.0)


def test_partial_weeks_and_months_are_labelled_with_their_dates(cases):
    weeks = stats.compute(stats.Period(date(2026, 11, 30), date(2026, 11, 30)), "week", now=NOW).rows
    assert [(row.key, row.label) for row in weeks] == [("2026-11-30", "2026-11-30 至 2026-11-30（不足一周）")]
    weeks = stats.compute(NOV, "week", now=NOW).rows
    assert weeks[0].label == "2026-11-01 至 2026-11-01（不足一周）"  # H: Sunday 1 November, 00:00 Shanghai
    assert weeks[1].label == "2026-11-02 至 2026-11-08"
    months = stats.compute(stats.Period(date(2026, 10, 15), date(2026, 11, 30)), "month", now=NOW).rows
    assert [(row.key, row.label, row.received) for row in months] == [
        ("2026-10-01", "2026-10-15 至 2026-10-31（不足一月）", 1), ("2026-11-01", "2026-11-01 至 2026-11-30", 9)]


def test_each_indicator_is_defined_once_with_numerator_and_denominator():
    names = [indicator.name for indicator in INDICATORS]
    assert len(names) == len(set(names))
    for name in EXPECTED_RATES:
        indicator = next(i for i in INDICATORS if i.name == name)
        assert indicator.label and indicator.definition and indicator.numerator and indicator.denominator


def test_api_gives_every_rate_with_its_numerator_and_denominator(cases, client, make_staff, monkeypatch):
    monkeypatch.setattr(stats, "utcnow", lambda: NOW)
    _, headers = make_staff("reviewer")
    body = client.get("/api/v1/stats/satisfaction?from=2026-11-01&to=2026-11-30&group_by=department",
                      headers=headers).json
    total = body["total"]
    assert (total["received"], total["registered"], total["rejected"], total["dispatched"], total["due"],
            total["closed"]) == (9, 7, 1, 6, 5, 3)
    for name, (numerator, denominator) in EXPECTED_RATES.items():
        assert (total[name], total[f"{name}_numerator"], total[f"{name}_denominator"]) == (
            round(numerator / denominator, 4), numerator, denominator), name
    assert body["basis"] == "created" and "受理" in body["basis_text"]
    closed = client.get("/api/v1/stats/satisfaction?from=2026-11-01&to=2026-11-30&basis=closed",
                        headers=headers).json
    assert closed["total"]["closed"] == 4 and closed["basis"] == "closed"
    bad = client.get("/api/v1/stats/satisfaction?basis=resolved", headers=headers)
    assert bad.status_code == 422

    spec = client.get("/api/openapi.json").json
    row_schema = spec["components"]["schemas"]["StatsRow"]["properties"]
    assert row_schema["satisfaction_rate"]["description"].startswith("满意率：（满意 + 基本满意）÷ 评价数")
    description = spec["paths"]["/api/v1/stats/satisfaction"]["get"]["description"]
    assert all(indicator.definition in description for indicator in INDICATORS)


def test_past_periods_do_not_move_with_time_alone_in_closed_basis(cases):
    later = stats.compute(NOV, "channel", now=NOW + timedelta(days=30), basis="closed").total
    assert fraction(later, "closed_rate") == (4, 4)


def test_migration_0011_up_and_down_on_sqlite(bare_sqlite_app):
    from flask_migrate import downgrade, upgrade

    upgrade(directory=MIGRATIONS, revision="0007")
    db.session.execute(text("UPDATE stats_rollup_state SET watermark = '2026-11-30 00:00:00.000000'"))
    db.session.commit()
    upgrade(directory=MIGRATIONS)
    facts = {c["name"] for c in inspect(db.engine).get_columns("stats_case_facts")}
    rollup = {c["name"] for c in inspect(db.engine).get_columns("stats_rollup")}
    assert {"close_day", "registered", "on_time_close", "reworked", "extended", "rated_closed"} <= facts
    assert {"pending", "rejected", "registered", "rated_closed"} <= rollup and "close_day" not in rollup
    assert db.session.scalar(text("SELECT watermark FROM stats_rollup_state")) is None  # rebuilt next
    db.session.commit()
    assert stats_rollup.refresh().full
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0007")
    assert "close_day" not in {c["name"] for c in inspect(db.engine).get_columns("stats_case_facts")}
    assert "registered" not in {c["name"] for c in inspect(db.engine).get_columns("stats_rollup")}
