"""Medians from the per-day durations (stats_durations): exact for any period, kept in step by the refresh as
cases change (duplicate durations included), rebuilt identically from scratch; plus migration 0007's way up
and down."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, inspect, select, text, update

from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Case, StatsDurations, StatsRollupState, utcnow
from service_api.stats import durations as stats_durations
from service_api.stats import figures as stats
from service_api.stats import rollup as stats_rollup
from tests.conftest import MIGRATIONS
from tests.service_api.stats.test_figures import NOV, NOW, at, fixture_cases, make_case, rate  # noqa: F401

LONG = stats.Period(date(2026, 1, 1), date(2026, 11, 30))
MEDIANS = ("median_register_hours", "median_dispatch_hours", "median_close_hours")


def medians_of(result: stats.StatsResult) -> dict[str | None, tuple]:
    return {row.key: tuple(getattr(row, n) for n in MEDIANS) for row in [*result.rows, result.total]}


def assert_medians_exact(period: stats.Period) -> None:
    for group_by in stats.GROUP_BY:
        fast, direct = stats.compute(period, group_by, now=NOW), stats.compute_direct(period, group_by, now=NOW)
        assert medians_of(fast) == medians_of(direct), group_by
        assert [r.to_dict() for r in fast.rows] == [r.to_dict() for r in direct.rows], group_by


def durations() -> dict[tuple, tuple]:
    """Every stored (dimension, day, key) → its durations per step, as multisets (the order is not kept), to the
    millisecond (SQLite's julianday arithmetic is a little off whole seconds)."""
    rows = db.session.execute(select(StatsDurations.__table__))
    result = {(r.dimension, r.day, r.key): tuple(Counter(round(v, 3) for v in stats_durations.decode(r._mapping[step]))
                                                 for step in ("register", "dispatch", "close")) for r in rows}
    db.session.commit()
    return result


@pytest.mark.usefixtures("fixture_cases")
def test_medians_of_a_long_period_equal_the_direct_queries():
    assert_medians_exact(LONG)
    assert_medians_exact(NOV)
    by_department = medians_of(stats.compute(LONG, "department", now=NOW))
    # Cases 1, 2 and 5 (31 October, local) and case 3: hand-computed.
    assert by_department["370202-hjws"] == (1.0, 2.0, 20.0) and by_department["370202-ldgl"] == (3.0, 6.0, None)
    assert by_department["total"] == (1.5, 3.0, 20.0)  # 1, 2, 3, 1 / 2, 4, 6, 1 / 20, 40, 3


@pytest.mark.usefixtures("fixture_cases")
def test_equal_durations_and_later_steps_are_kept_as_a_multiset():
    """Two cases of one day and department with the same durations: changing one leaves the other's value."""
    for no in (6, 7):
        make_case(no, created=at("2026-11-20T01:00"), department="370202-hjws", channel="hotline", matter="06042",
                  status="dispatched", register_h=5, dispatch_h=7, deadline=at("2026-11-25T01:00"))
    db.session.commit()
    assert_medians_exact(NOV)
    group = ("department", date(2026, 11, 20), str(db.session.scalar(select(Case.department_id).where(
        Case.case_no == "C370202-20261101-00006"))))
    assert durations()[group] == (Counter({18000.0: 2}), Counter({25200.0: 2}), Counter())
    case = db.session.query(Case).filter_by(case_no="C370202-20261101-00007").one()
    case.registered_at = case.created_at + timedelta(hours=6)  # corrected by hand: one value moves, not both
    case.updated_at = utcnow()
    db.session.commit()
    apply_transition(case, TransitionRequest("resolve", outcome="已清理"), SYSTEM)
    apply_transition(case, TransitionRequest("verify"), SYSTEM)
    apply_transition(case, TransitionRequest("close"), SYSTEM)
    db.session.commit()
    assert_medians_exact(NOV)
    register, dispatch, close = durations()[group]
    assert register == Counter({18000.0: 1, 21600.0: 1}) and dispatch == Counter({25200.0: 2})
    assert sum(close.values()) == 1
    by_department = medians_of(stats.compute(NOV, "department", now=NOW))
    assert by_department["370202-hjws"][0] == 3.5  # 1, 2, 5, 6 hours


@pytest.mark.usefixtures("fixture_cases")
def test_moving_a_case_to_another_group_moves_its_durations(app):
    case = db.session.query(Case).filter_by(case_no="C370202-20261101-00003").one()
    stats.compute(NOV, "matter", now=NOW)
    case.matter_code = "06042"
    case.updated_at = utcnow()
    db.session.commit()
    assert_medians_exact(NOV)
    matters = {key[2] for key in durations() if key[0] == "matter"}
    assert "01037" not in matters  # the group lost its only case: its row is gone, not left empty


@pytest.mark.usefixtures("fixture_cases")
def test_a_full_rebuild_gives_the_same_durations_and_cases_without_steps_store_none():
    make_case(8, created=at("2026-11-21T01:00"), department="370202-ldgl", channel="sms", matter="01037",
              status="received")
    db.session.commit()
    stats_rollup.refresh()
    incremental = durations()
    assert ("department", date(2026, 11, 21), str(db.session.scalar(select(Case.department_id).where(
        Case.case_no == "C370202-20261101-00008")))) not in incremental  # no step reached: nothing stored
    assert stats_rollup.refresh(full=True).full
    assert durations() == incremental
    assert_medians_exact(LONG)


@pytest.mark.usefixtures("fixture_cases")
def test_a_rating_alone_does_not_rewrite_durations():
    stats_rollup.refresh()
    db.session.execute(update(StatsRollupState).values(watermark=utcnow()))
    db.session.commit()
    case = db.session.query(Case).filter_by(case_no="C370202-20261101-00003").one()
    rate(case, 0, "satisfied", True)
    db.session.commit()
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert stats_rollup.refresh().cases >= 1
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert not [s for s in seen if "stats_durations" in s]
    assert stats.compute(NOV, "department", now=NOW).total.rated == 4


def test_migration_0007_up_and_down_on_sqlite(bare_sqlite_app):
    from flask_migrate import downgrade, upgrade

    upgrade(directory=MIGRATIONS, revision="0006")
    db.session.execute(text("UPDATE stats_rollup_state SET watermark = '2026-11-30 00:00:00.000000'"))
    db.session.commit()
    assert db.session.scalar(text("SELECT watermark FROM stats_rollup_state")) is not None
    db.session.commit()
    upgrade(directory=MIGRATIONS)
    tables = inspect(db.engine).get_table_names()
    assert "stats_durations" in tables and "stats_median_cache" not in tables
    facts = {c["name"] for c in inspect(db.engine).get_columns("stats_case_facts")}
    assert {"register_seconds", "dispatch_seconds", "close_seconds"} <= facts
    assert db.session.scalar(select(StatsRollupState.watermark)) is None  # the next refresh builds it all
    db.session.commit()
    assert stats_rollup.refresh().full
    assert db.session.scalar(select(func.count()).select_from(StatsDurations)) == 0
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0006")
    tables = inspect(db.engine).get_table_names()
    assert "stats_median_cache" in tables and "stats_durations" not in tables
    assert "register_seconds" not in {c["name"] for c in inspect(db.engine).get_columns("stats_case_facts")}
