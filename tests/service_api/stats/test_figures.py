"""Every rate of stats/figures against a small hand-computed fixture, and the JSON API behind /staff/stats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service_api.extensions import db
from service_api.models import Case, Department, Rating, Report, Survey
from service_api.stats import export as stats_export
from service_api.stats import figures as stats

NOV = stats.Period(date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def make_case(no: int, *, created: datetime, department: str | None, channel: str, matter: str | None,
              status: str, reports: int = 1, register_h: float | None = None, dispatch_h: float | None = None,
              deadline: datetime | None = None, resolve_h: float | None = None, close_h: float | None = None) -> Case:
    dept = db.session.query(Department).filter_by(code=department).one() if department else None

    def plus(hours: float | None) -> datetime | None:
        return created + timedelta(hours=hours) if hours is not None else None

    case = Case(case_no=f"C370202-20261101-{no:05d}", status=status, matter_code=matter,
                department_id=dept.id if dept else None, source_channel=channel, created_at=created,
                report_count=reports, registered_at=plus(register_h), dispatched_at=plus(dispatch_h),
                deadline=deadline, resolved_at=plus(resolve_h), closed_at=plus(close_h),
                street_code="370202001" if department else None, district_code="370202" if department else None)
    db.session.add(case)
    db.session.flush()
    for index in range(reports):
        db.session.add(Report(tracking_no=f"R{no:04d}{index:02d}", channel=channel, description="测试",
                              case_id=case.id, created_at=created, contact_phone="13812345678"))
    db.session.flush()
    return case


def report_of(case: Case, index: int = 0) -> Report:
    return db.session.query(Report).filter_by(case_id=case.id).order_by(Report.id).all()[index]


def rate(case: Case, index: int, rating: str, solved: bool | None, comment: str | None = None) -> None:
    db.session.add(Rating(case_id=case.id, report_id=report_of(case, index).id, rating=rating, solved=solved,
                          comment=comment, channel="sms"))


def survey(case: Case, index: int, status: str, sent: bool) -> None:
    db.session.add(Survey(case_id=case.id, report_id=report_of(case, index).id, status=status,
                          sent_at=case.created_at + timedelta(days=2) if sent else None))


@pytest.fixture
def fixture_cases(app):
    """Four cases in November 2026 (one at 00:30 local on the 1st) and one just before it."""
    c1 = make_case(1, created=at("2026-11-02T01:00"), department="370202-hjws", channel="hotline", matter="06042",
                   status="closed", reports=2, register_h=1, dispatch_h=2, deadline=at("2026-11-03T01:00"),
                   resolve_h=10, close_h=20)
    c2 = make_case(2, created=at("2026-11-03T01:00"), department="370202-hjws", channel="miniprogram",
                   matter="06042", status="closed", register_h=2, dispatch_h=4, deadline=at("2026-11-03T06:00"),
                   resolve_h=30, close_h=40)
    c3 = make_case(3, created=at("2026-11-10T01:00"), department="370202-ldgl", channel="hotline", matter="01037",
                   status="dispatched", register_h=3, dispatch_h=6, deadline=at("2026-11-11T01:00"))
    make_case(4, created=at("2026-10-31T16:30"), department=None, channel="sms", matter=None, status="received")
    before = make_case(5, created=at("2026-10-31T15:00"), department="370202-hjws", channel="sms", matter="06042",
                       status="closed", register_h=1, dispatch_h=1, deadline=at("2026-11-01T00:00"), resolve_h=2,
                       close_h=3)
    rate(c1, 0, "satisfied", True)
    rate(c1, 1, "basically_satisfied", None)
    rate(c2, 0, "unsatisfied", False, "拖了两天才处理")
    rate(before, 0, "unsatisfied", False, "不在统计期内")
    survey(c1, 0, "answered", sent=True)
    survey(c1, 1, "expired", sent=True)
    survey(c2, 0, "answered", sent=True)
    survey(c3, 0, "scheduled", sent=False)
    db.session.commit()


def by_key(result: stats.StatsResult) -> dict[str | None, stats.StatsRow]:
    return {row.key: row for row in result.rows}


def test_rates_by_department_match_hand_computed_values(fixture_cases):
    result = stats.compute(NOV, "department", now=NOW)
    rows = by_key(result)
    assert set(rows) == {"370202-hjws", "370202-ldgl", None}
    a = rows["370202-hjws"]
    assert a.label == "市南区环境卫生服务中心"
    assert (a.cases, a.reports, a.rated, a.satisfied, a.basically_satisfied, a.unsatisfied) == (2, 3, 3, 1, 1, 1)
    assert a.satisfaction_rate == pytest.approx(2 / 3, abs=1e-4)
    assert a.solved_rate == 0.5  # one yes, one no, one not asked
    assert a.survey_response_rate == pytest.approx(2 / 3, abs=1e-4)
    assert a.handling_rate == 1.0
    assert a.on_time_resolve_rate == 0.5  # case 2 was resolved after its deadline
    assert a.on_time_close_rate == 0.5 and a.closed_rate == 1.0  # and closed after it
    assert a.repeat_share == pytest.approx(1 / 3, abs=1e-4)
    assert (a.median_register_hours, a.median_dispatch_hours, a.median_close_hours) == (1.5, 3.0, 30.0)

    b = rows["370202-ldgl"]
    assert (b.cases, b.rated) == (1, 0)
    assert b.satisfaction_rate is None and b.solved_rate is None and b.survey_response_rate is None
    assert b.handling_rate == 0.0 and b.on_time_resolve_rate == 0.0  # open and past its deadline: due, not on time
    assert b.closed_rate == 0.0
    assert (b.median_register_hours, b.median_dispatch_hours, b.median_close_hours) == (3.0, 6.0, None)

    unrouted = rows[None]
    assert unrouted.label == "未派遣（待分拣、不予立案、待派遣）" and unrouted.cases == 1
    assert unrouted.handling_rate is None and unrouted.on_time_resolve_rate is None and unrouted.repeat_share == 0.0


def test_total_covers_the_whole_period_only(fixture_cases):
    total = stats.compute(NOV, "channel", now=NOW).total
    assert (total.cases, total.reports, total.dispatched, total.handled, total.due, total.on_time_resolve) == (
        4, 5, 3, 2, 3, 1)
    assert total.rated == 3 and total.unsatisfied == 1  # the October rating is not counted
    assert total.satisfaction_rate == pytest.approx(2 / 3, abs=1e-4)
    assert total.handling_rate == pytest.approx(2 / 3, abs=1e-4)
    assert total.on_time_resolve_rate == pytest.approx(1 / 3, abs=1e-4)
    assert total.repeat_share == 0.2
    assert (total.median_register_hours, total.median_dispatch_hours, total.median_close_hours) == (2.0, 4.0, 30.0)


def test_group_by_channel_week_and_major(fixture_cases):
    channels = by_key(stats.compute(NOV, "channel", now=NOW))
    assert {k: r.cases for k, r in channels.items()} == {"hotline": 2, "miniprogram": 1, "sms": 1}
    assert channels["hotline"].label == "热线电话"
    assert channels["hotline"].satisfaction_rate == 1.0 and channels["miniprogram"].satisfaction_rate == 0.0

    weeks = stats.compute(NOV, "week", now=NOW).rows
    # 00:30 local on Sunday 1 November belongs to the week starting Monday 26 October.
    assert [(r.key, r.cases) for r in weeks] == [("2026-10-26", 1), ("2026-11-02", 2), ("2026-11-09", 1)]

    majors = by_key(stats.compute(NOV, "major", now=NOW))
    assert majors["06"].label == "市容环境类" and majors["06"].cases == 2
    assert majors["01"].cases == 1 and majors[None].label == "未分类"


def test_empty_period_has_no_rows_and_null_rates(app):
    result = stats.compute(stats.Period(date(2025, 1, 1), date(2025, 1, 31)), "department")
    assert result.rows == []
    total = result.total.to_dict()
    assert total["cases"] == 0
    for name in ("satisfaction_rate", "solved_rate", "survey_response_rate", "handling_rate", "on_time_resolve_rate",
                 "closed_rate", "on_time_close_rate", "survey_rate", "repeat_share", "median_close_hours"):
        assert total[name] is None


def test_worst_matters_and_unsatisfied_comments(fixture_cases):
    worst = stats.worst_matters(NOV)
    assert [(r.key, r.satisfaction_rate) for r in worst] == [("06042", pytest.approx(2 / 3, abs=1e-4))]
    comments = stats.unsatisfied_comments(NOV)
    assert [c["comment"] for c in comments] == ["拖了两天才处理"]
    assert comments[0]["case_no"] == "C370202-20261101-00002" and comments[0]["phone"] == "138****5678"


def test_csv_and_xlsx_exports_hold_the_table(fixture_cases):
    import io

    from openpyxl import load_workbook

    result = stats.compute(NOV, "department", now=NOW)
    text = stats_export.to_csv(result, stats.unsatisfied_comments(NOV))
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("分组,代码,受理数") and any(line.startswith("合计,total,4,") for line in lines)
    book = load_workbook(io.BytesIO(stats_export.to_xlsx(result, stats.unsatisfied_comments(NOV))))
    sheet = book.worksheets[0]
    assert "满意率" in [cell.value for cell in sheet[1]] and sheet.max_row == 1 + 3 + 1
    notes = book["不满意评价"]
    assert notes.cell(2, 7).value == "138****5678" and "13812345678" not in str(list(notes.values))


def test_satisfaction_api_returns_exact_shape(client, make_staff, fixture_cases):
    _, headers = make_staff("reviewer")
    response = client.get("/api/v1/stats/satisfaction?from=2026-11-01&to=2026-11-30&group_by=department",
                          headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) == {"from", "to", "group_by", "basis", "basis_text", "rows", "total"}
    assert all(set(row) == set(stats.API_FIELDS) for row in [*body["rows"], body["total"]])
    row = next(r for r in body["rows"] if r["key"] == "370202-hjws")
    assert (row["cases"], row["rated"], row["unsatisfied"]) == (2, 3, 1)
    assert row["satisfaction_rate"] == pytest.approx(0.6667) and row["on_time_resolve_rate"] == 0.5
    empty = next(r for r in body["rows"] if r["key"] == "370202-ldgl")
    assert empty["satisfaction_rate"] is None and empty["solved_rate"] is None
    assert body["total"]["cases"] == 4


@pytest.mark.parametrize("query", ["from=2026-11-30&to=2026-11-01", "from=2026-13-01&to=2026-12-01",
                                   "from=yesterday", "group_by=grid"])
def test_satisfaction_api_rejects_bad_parameters(client, make_staff, query):
    _, headers = make_staff("dispatcher")
    assert client.get(f"/api/v1/stats/satisfaction?{query}", headers=headers).status_code == 422


def test_satisfaction_api_needs_a_staff_token(client):
    assert client.get("/api/v1/stats/satisfaction").status_code == 401


def test_satisfaction_api_is_not_for_agents(client, make_staff):
    _, agent = make_staff("agent")
    assert client.get("/api/v1/stats/satisfaction", headers=agent).status_code == 403


def test_satisfaction_api_on_an_empty_database(client, make_staff):
    _, admin = make_staff("admin")
    response = client.get("/api/v1/stats/satisfaction?group_by=week", headers=admin)
    assert response.status_code == 200 and response.json["rows"] == []
    assert response.json["total"]["satisfaction_rate"] is None
