"""The per-day rollup behind stats/figures gives exactly the figures of the direct queries, whatever changes.

Every change goes through the service functions the API and the staff console use (transitions, ratings,
surveys, merges, splits, matter and department corrections), then the rollup's figures are compared with
compute_direct() for every group_by, medians included.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select, text, update

from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import (
    Case,
    Rating,
    Report,
    StaffUser,
    StatsRollup,
    StatsRollupState,
    Survey,
    utcnow,
)
from service_api.stats import figures as stats
from service_api.stats import rollup as stats_rollup
from service_api.stats.indicators import BASES
from tests.service_api.stats.test_figures import NOV, NOW, at, fixture_cases, make_case, report_of  # noqa: F401


def assert_same(period: stats.Period = NOV, now: datetime = NOW, bases: tuple[str, ...] = tuple(BASES)) -> None:
    for basis in bases:
        for group_by in stats.GROUP_BY:
            fast = stats.compute(period, group_by, now=now, basis=basis)
            slow = stats.compute_direct(period, group_by, now=now, basis=basis)
            assert [r.to_dict() for r in fast.rows] == [r.to_dict() for r in slow.rows], (basis, group_by)
            assert fast.total.to_dict() == slow.total.to_dict(), (basis, group_by)


def rollup_rows() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(StatsRollup.__table__).order_by(StatsRollup.dimension, StatsRollup.day, StatsRollup.key))]


def case_no(no: int) -> Case:
    return db.session.query(Case).filter_by(case_no=f"C370202-20261101-{no:05d}").one()


@pytest.fixture(autouse=True)
def after_november(pinned_clock) -> None:
    """The changes below are made after the period they are counted in, whatever day the suite runs."""
    pinned_clock(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))


@pytest.fixture
def settled(fixture_cases) -> None:  # noqa: F811 (the imported fixture, requested by name)
    """The fixture as if written long ago and already folded into the rollup, so that a later change is found
    only through its own rows' updated_at (not because the fixture itself is still inside the look-back margin)."""
    stats_rollup.refresh()
    past = utcnow() - timedelta(days=1)
    for model in (Case, Rating, Survey, Report):
        db.session.execute(update(model).values(updated_at=past))
    db.session.execute(update(StatsRollupState).values(watermark=utcnow() - timedelta(minutes=30)))
    db.session.commit()
    assert stats_rollup.refresh().cases == 0


@pytest.fixture
def dispatcher(make_staff) -> StaffUser:
    user, _ = make_staff("dispatcher")
    return user


@pytest.mark.usefixtures("fixture_cases")
def test_rollup_equals_direct_queries_and_a_full_rebuild():
    assert_same()
    assert_same(stats.Period(date(2026, 10, 1), date(2026, 11, 30)))
    incremental = rollup_rows()
    assert stats_rollup.refresh(full=True).full
    assert rollup_rows() == incremental
    totals = {row[2]: row for row in incremental if row[0] == "total"}
    assert set(totals) == {""}  # the total dimension has one row per day, key ''
    departments = {row[2] for row in incremental if row[0] == "department"}
    assert "" in departments  # the unassigned case of 1 November (local)


@pytest.mark.usefixtures("settled")
def test_transitions_and_reject_on_old_cases():
    assert_same()
    c3 = case_no(3)
    apply_transition(c3, TransitionRequest("extend", deadline=at("2026-11-15T00:00")), SYSTEM)
    db.session.commit()
    assert_same()
    assert stats.compute(NOV, "department", now=NOW).total.extended == 1
    apply_transition(c3, TransitionRequest("resolve", outcome="已清理"), SYSTEM)
    db.session.commit()
    assert_same()
    apply_transition(c3, TransitionRequest("verify"), SYSTEM)
    apply_transition(c3, TransitionRequest("close"), SYSTEM)  # schedules surveys as well
    db.session.commit()
    assert_same()
    apply_transition(case_no(4), TransitionRequest("reject", reason="not_a_problem"), SYSTEM)
    apply_transition(case_no(1), TransitionRequest("reopen", note="居民反映仍未处理"), SYSTEM)
    db.session.commit()
    assert_same()
    closed_basis = stats.compute(NOV, "channel", now=NOW, basis="closed").total
    assert (closed_basis.closed, closed_basis.reworked) == (2, 0)  # case 1 left the closed basis when reopened
    assert stats.compute(NOV, "channel", now=NOW).total.reworked == 1


@pytest.mark.usefixtures("settled")
def test_ratings_new_and_updated_later():
    from service_api.feedback.ratings import submit_rating

    assert_same()
    before = stats.compute(NOV, "department", now=NOW).total
    c2 = case_no(2)
    submit_rating(report_of(c2), "satisfied", True, "后来处理好了", "sms")  # updates the unsatisfied rating
    assert_same()
    after = stats.compute(NOV, "department", now=NOW).total
    assert (after.satisfied, after.unsatisfied) == (before.satisfied + 1, before.unsatisfied - 1)
    c1 = case_no(1)
    rating = db.session.query(Rating).filter_by(report_id=report_of(c1, 1).id).one()
    rating.solved = False  # an ORM change without touching updated_at: onupdate bumps it
    db.session.commit()
    assert_same()


@pytest.mark.usefixtures("settled")
def test_surveys_sent_and_answered():
    assert_same()
    c3 = case_no(3)
    survey = db.session.query(Survey).filter_by(case_id=c3.id).one()
    survey.status, survey.sent_at = "pending", utcnow()
    db.session.commit()
    assert_same()
    survey.status, survey.answered_at = "answered", utcnow()
    db.session.commit()
    assert_same()
    assert stats.compute(NOV, "matter", now=NOW).total.surveys_answered == 3


@pytest.mark.usefixtures("settled")
def test_merge_and_split_change_report_counts(dispatcher):
    from service_api.cases.desk import split_report
    from service_api.cases.intake_pipeline import _attach

    assert_same()
    c3 = case_no(3)
    report = Report(tracking_no="R9901", channel="hotline", description="同一处又有垃圾", created_at=utcnow(),
                    contact_phone="13812345679", street_code="370202001", district_code="370202")
    db.session.add(report)
    db.session.flush()
    report.case_id = c3.id
    _attach(report, c3, requested=False)
    db.session.commit()
    assert_same()
    assert stats.compute(NOV, "department", now=NOW).total.reports == 6
    split_report(case_no(1), report_of(case_no(1), 1).id, "不是同一问题", dispatcher)  # the new case is today's
    assert_same()
    assert_same(stats.Period(date(2026, 11, 1), utcnow().astimezone(stats.SHANGHAI).date()), now=utcnow())


@pytest.mark.usefixtures("settled")
def test_matter_and_department_changes_on_old_cases(dispatcher):
    from service_api.cases.desk import change_department, change_matter

    assert_same()
    c3 = case_no(3)
    change_matter(c3, "06042", "分类错误", dispatcher)
    assert_same()
    change_department(c3, "370202-hjws", "改派", dispatcher)
    assert_same()
    rows = {r.key: r for r in stats.compute(NOV, "department", now=NOW).rows}
    assert "370202-ldgl" not in rows and rows["370202-hjws"].cases == 3


def test_an_open_case_becomes_overdue_with_time_alone(app):
    created = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    make_case(7, created=created, department="370202-hjws", channel="hotline", matter="06042",
              status="dispatched", register_h=1, dispatch_h=2, deadline=created + timedelta(days=2))
    db.session.commit()
    early, late = created + timedelta(days=1), created + timedelta(days=3)
    before = stats.compute(NOV, "street", now=early).total
    assert (before.due, before.on_time_resolve_rate) == (0, None)
    watermark = db.session.get(StatsRollupState, 1).watermark
    db.session.commit()
    after = stats.compute(NOV, "street", now=late).total  # nothing was written in between
    assert (after.due, after.on_time_resolve_rate, after.closed_rate) == (1, 0.0, 0.0)
    assert_same(now=early)
    assert_same(now=late)
    assert db.session.get(StatsRollupState, 1).watermark >= watermark


@pytest.mark.usefixtures("settled")
def test_refresh_folds_in_only_the_cases_that_changed():
    c2 = case_no(2)
    c2.priority = "urgent"  # any ORM change of the row makes the case be folded in again
    db.session.commit()
    result = stats_rollup.refresh()
    assert (result.full, result.cases) == (False, 1)
    state = db.session.get(StatsRollupState, 1)
    assert state.cases_refreshed == 1 and state.watermark >= state.refreshed_at - timedelta(seconds=5)
    # One basis: the checks must end inside the look-back margin (5 s on PostgreSQL) for the counts below.
    assert_same(bases=("created",))
    assert stats_rollup.refresh().cases == 1  # still inside the look-back margin: folded in again, no change
    assert_same(bases=("created",))
    rating = db.session.query(Rating).filter_by(case_id=case_no(1).id).first()
    rating.comment = "补充意见"
    db.session.commit()
    assert stats_rollup.refresh().cases == 2  # case 2 again (margin) and case 1 through its rating


@pytest.mark.usefixtures("fixture_cases")
def test_no_state_row_means_a_full_build():
    stats_rollup.refresh()
    db.session.query(StatsRollupState).delete()
    db.session.execute(update(StatsRollup).values(cases=999))  # a broken rollup is rebuilt from nothing
    db.session.commit()
    assert stats_rollup.refresh().full
    assert_same()


def test_empty_database_builds_an_empty_rollup(app):
    result = stats_rollup.refresh()
    assert result.full and result.cases == 0
    assert stats.compute(NOV, "week").rows == []


@pytest.mark.usefixtures("fixture_cases")
def test_refresh_cli(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "refresh"])
    assert result.exit_code == 0, result.output
    assert "stats rollup rebuilt: 5 cases" in result.output
    result = runner.invoke(args=["stats", "refresh"])
    assert result.exit_code == 0 and "stats rollup refreshed:" in result.output
    result = runner.invoke(args=["stats", "refresh", "--full"])
    assert result.exit_code == 0 and "stats rollup rebuilt: 5 cases" in result.output
    assert_same()


@pytest.mark.usefixtures("fixture_cases")
def test_beat_refreshes_the_rollup_every_stats_refresh_seconds(app):
    from notifications.celery_app import make_celery
    from service_api import jobs

    celery = make_celery(app.extensions["settings"])
    assert celery.conf.beat_schedule["stats-refresh"] == {"task": jobs.REFRESH_STATS, "schedule": 60.0}
    settings = app.extensions["settings"]
    settings.stats_refresh_seconds = 15.0
    assert make_celery(settings).conf.beat_schedule["stats-refresh"]["schedule"] == 15.0
    assert jobs.refresh_stats.name == jobs.REFRESH_STATS
    assert jobs.refresh_stats.run() == 5  # the first run builds the rollup from the fixture's five cases
    assert db.session.get(StatsRollupState, 1).built_at is not None


@pytest.mark.usefixtures("settled")
def test_concurrent_refreshes_are_serialised(app):
    import threading

    for no in (1, 2, 3):
        case_no(no).priority = "urgent"
    db.session.commit()
    errors: list[Exception] = []

    def refresh() -> None:
        with app.app_context():
            try:
                stats_rollup.refresh()
            except Exception as exc:  # pragma: no cover - what the test guards against
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_same()  # each case subtracted and added once per refresh, never interleaved


@pytest.mark.usefixtures("fixture_cases")
def test_page_figures_equal_the_direct_queries_with_open_cases_overdue(app):
    """The page counts overdue cases once for the table and its panels, and computes the medians beside the
    other reads (own connections on PostgreSQL): every panel still equals the direct queries."""
    created = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    make_case(7, created=created, department="370202-hjws", channel="hotline", matter="06042",
              status="dispatched", register_h=1, dispatch_h=2, deadline=created + timedelta(days=2))
    db.session.commit()
    now = utcnow()
    for group_by in ("street", "week", "matter"):
        page = stats.page_figures(NOV, group_by)
        direct = {name: stats.compute_direct(NOV, name, now=now, medians=name == group_by)
                  for name in ("week", "department", group_by)}  # the panels show no medians
        for shown, name in ((page.result, group_by), (page.trend, "week"), (page.by_department, "department")):
            assert [r.to_dict() for r in shown.rows] == [r.to_dict() for r in direct[name].rows], (group_by, name)
        assert page.result.total.to_dict() == direct[group_by].total.to_dict()
        assert page.result.total.due >= 1 and page.result.total.median_close_hours is not None
        overdue = stats.open_overdue_counts((group_by, "week", "department"), NOV, now)
        # each case in one group of each
        assert len({sum(n for n, _ in counts.values()) for counts in overdue.values()}) == 1
        assert sum(n for n, _ in overdue["week"].values()) >= 1
        for name, counts in overdue.items():
            assert counts == stats.open_overdue_counts((name,), NOV, now)[name], name


@pytest.mark.usefixtures("fixture_cases")
def test_read_settings_are_set_once_per_transaction(database_url):
    """The page's reads share one SET LOCAL of JIT off, custom plans and in-memory sorts; a later transaction
    gets its own again."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's settings")
    seen: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: seen.append(statement))
    stats.page_figures(NOV, "street")
    assert sum("jit = off" in s for s in seen) == 1  # every read of the page is in the session's transaction
    settings = {name: db.session.execute(text(f"SHOW {name}")).scalar() for name in ("jit", "plan_cache_mode",
                                                                                     "work_mem")}
    assert settings == {"jit": "off", "plan_cache_mode": "force_custom_plan", "work_mem": "64MB"}
    db.session.commit()
    assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"  # LOCAL: that transaction only
    db.session.commit()
    seen.clear()
    stats.compute(NOV, "department", medians=False)
    assert sum("jit = off" in s for s in seen) == 1
