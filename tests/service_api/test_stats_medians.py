"""The median cache of long periods: cached medians equal the live ones, a fresh entry is served until it
expires, short periods never touch it, and beat / `flask stats refresh --medians` precompute the default long
periods (skipping fresh entries). Plus the migration's way up and down (the page's note: tests/staff)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, update

from service_api.extensions import db
from service_api.models import StatsMedianCache, utcnow
from service_api.services import stats
from tests.service_api.test_stats import NOV, NOW, at, fixture_cases, make_case  # noqa: F401

LONG = stats.Period(date(2026, 1, 1), date(2026, 11, 30))  # 334 days: longer than STATS_MEDIAN_CACHE_MIN_DAYS
MEDIANS = ("median_register_hours", "median_dispatch_hours", "median_close_hours")
TODAY = date(2026, 11, 30)
DEFAULTS = [(date(2026, 1, 1), TODAY), (date(2025, 12, 1), TODAY)]  # year to date, last 365 days


def entries() -> dict[tuple[date, date, str], datetime]:
    rows = db.session.execute(select(StatsMedianCache.period_start, StatsMedianCache.period_end,
                                     StatsMedianCache.group_by, StatsMedianCache.computed_at))
    result = {(r.period_start, r.period_end, r.group_by): r.computed_at for r in rows}
    db.session.commit()
    return result


def medians_of(result: stats.StatsResult) -> dict[str | None, tuple]:
    return {row.key: tuple(getattr(row, n) for n in MEDIANS) for row in [*result.rows, result.total]}


def age(period: stats.Period, group_by: str, seconds: float) -> None:
    db.session.execute(update(StatsMedianCache)
                       .where(StatsMedianCache.period_start == period.start,
                              StatsMedianCache.period_end == period.end, StatsMedianCache.group_by == group_by)
                       .values(computed_at=utcnow() - timedelta(seconds=seconds)))
    db.session.commit()


@pytest.mark.usefixtures("fixture_cases")
def test_cached_medians_equal_the_live_medians_for_a_long_period():
    for group_by in stats.GROUP_BY:
        first = stats.compute(LONG, group_by, now=NOW)
        assert first.medians_computed_at is None  # nothing cached yet: computed live, then stored
        cached = stats.compute(LONG, group_by, now=NOW)
        assert cached.medians_computed_at is not None, group_by
        live = stats.compute(LONG, group_by, now=NOW, median_cache=False)
        direct = stats.compute_direct(LONG, group_by, now=NOW)
        for other in (first, live, direct):
            assert [r.to_dict() for r in cached.rows] == [r.to_dict() for r in other.rows], group_by
            assert cached.total.to_dict() == other.total.to_dict(), group_by
    assert set(entries()) == {(LONG.start, LONG.end, g) for g in stats.GROUP_BY}
    by_department = medians_of(stats.compute(LONG, "department", now=NOW))
    # Cases 1, 2 and 5 (31 October, local) and case 3: hand-computed.
    assert by_department["370202-hjws"] == (1.0, 2.0, 20.0) and by_department["370202-ldgl"] == (3.0, 6.0, None)


@pytest.mark.usefixtures("fixture_cases")
def test_a_fresh_entry_is_served_until_it_expires():
    before = stats.compute(LONG, "department", now=NOW)
    stored_at = entries()[(LONG.start, LONG.end, "department")]
    # A new case with a very long close time: counts change at once, the cached medians do not.
    make_case(6, created=at("2026-11-20T01:00"), department="370202-hjws", channel="hotline", matter="06042",
              status="closed", register_h=100, dispatch_h=200, resolve_h=300, close_h=400)
    db.session.commit()
    cached = stats.compute(LONG, "department", now=NOW)
    assert cached.medians_computed_at == stored_at
    assert medians_of(cached) == medians_of(before)
    assert cached.total.cases == before.total.cases + 1  # counts and rates are never cached
    live = stats.compute(LONG, "department", now=NOW, median_cache=False)
    assert medians_of(live) != medians_of(before)
    assert medians_of(live)["370202-hjws"] == (1.5, 3.0, 30.0)

    age(LONG, "department", 899)  # still younger than STATS_MEDIAN_CACHE_SECONDS (900)
    assert medians_of(stats.compute(LONG, "department", now=NOW)) == medians_of(before)
    age(LONG, "department", 901)  # expired: computed live and stored again
    expired = stats.compute(LONG, "department", now=NOW)
    assert expired.medians_computed_at is None
    assert medians_of(expired) == medians_of(live)
    renewed = entries()[(LONG.start, LONG.end, "department")]
    assert utcnow() - renewed < timedelta(minutes=1)
    again = stats.compute(LONG, "department", now=NOW)
    assert again.medians_computed_at == renewed and medians_of(again) == medians_of(live)


@pytest.mark.usefixtures("fixture_cases")
def test_short_periods_never_touch_the_cache(app):
    min_days = app.extensions["settings"].stats_median_cache_min_days
    assert min_days == 93
    quarter = stats.Period(date(2026, 11, 30) - timedelta(days=min_days - 1), date(2026, 11, 30))
    assert quarter.days == min_days
    # A bogus entry for the short period is never read.
    db.session.add(StatsMedianCache(period_start=quarter.start, period_end=quarter.end, group_by="department",
                                    computed_at=utcnow(), medians={"groups": {}, "total": {"median_close_hours": 1e6}}))
    db.session.commit()
    for period in (NOV, quarter):
        for group_by in stats.GROUP_BY:
            result = stats.compute(period, group_by, now=NOW)
            assert result.medians_computed_at is None
            live = stats.compute_direct(period, group_by, now=NOW)
            assert result.total.to_dict() == live.total.to_dict()
        stats.page_figures(period, "matter")
    assert set(entries()) == {(quarter.start, quarter.end, "department")}
    longer = stats.Period(quarter.start - timedelta(days=1), quarter.end)  # one day more: cached
    stats.compute(longer, "week", now=NOW)
    assert (longer.start, longer.end, "week") in entries()


@pytest.mark.usefixtures("fixture_cases")
def test_cache_off_with_zero_seconds(app):
    app.extensions["settings"].stats_median_cache_seconds = 0
    assert stats.compute(LONG, "department", now=NOW).medians_computed_at is None
    assert stats.refresh_median_cache(today=TODAY).computed == 0
    assert entries() == {}


@pytest.mark.usefixtures("fixture_cases")
def test_precompute_fills_the_default_periods_and_skips_fresh_ones():
    old = stats.Period(date(2025, 1, 1), date(2025, 12, 31))
    db.session.add(StatsMedianCache(period_start=old.start, period_end=old.end, group_by="week",
                                    computed_at=utcnow() - timedelta(days=2), medians={"groups": {}, "total": {}}))
    db.session.commit()
    done = stats.refresh_median_cache(today=TODAY)
    assert (done.computed, done.fresh) == (14, 0)
    filled = entries()
    assert set(filled) == {(start, end, g) for start, end in DEFAULTS for g in stats.GROUP_BY}  # old one pruned
    for start, end in DEFAULTS:
        period = stats.Period(start, end)
        for group_by in stats.GROUP_BY:
            cached = stats.compute(period, group_by, now=NOW)
            assert cached.medians_computed_at == filled[(start, end, group_by)]
            live = stats.compute_direct(period, group_by, now=NOW)
            assert [r.to_dict() for r in cached.rows] == [r.to_dict() for r in live.rows]
            assert cached.total.to_dict() == live.total.to_dict()

    done = stats.refresh_median_cache(today=TODAY)
    assert (done.computed, done.fresh) == (0, 14)
    assert entries() == filled
    ytd = stats.Period(*DEFAULTS[0])
    age(ytd, "matter", 451)  # older than half of STATS_MEDIAN_CACHE_SECONDS: recomputed before it expires
    done = stats.refresh_median_cache(today=TODAY)
    assert (done.computed, done.fresh) == (1, 13)
    assert utcnow() - entries()[(ytd.start, ytd.end, "matter")] < timedelta(minutes=1)


@pytest.mark.usefixtures("fixture_cases")
def test_precompute_with_a_time_budget_does_the_missing_and_oldest_first():
    ytd, last365 = (stats.Period(*p) for p in DEFAULTS)
    stats.refresh_median_cache(today=TODAY)
    age(last365, "week", 800)
    age(ytd, "street", 600)
    db.session.execute(update(StatsMedianCache).where(StatsMedianCache.group_by == "channel")
                       .values(computed_at=utcnow() - timedelta(seconds=500)))
    db.session.commit()
    db.session.query(StatsMedianCache).filter_by(group_by="major", period_start=ytd.start).delete()
    db.session.commit()
    done = stats.refresh_median_cache(today=TODAY, budget_seconds=0)  # at least one, then the budget is spent
    assert (done.computed, done.fresh, done.left) == (1, 9, 4)
    assert (ytd.start, ytd.end, "major") in entries()  # the missing one first
    done = stats.refresh_median_cache(today=TODAY, budget_seconds=0)
    assert (done.computed, done.left) == (1, 3)
    assert utcnow() - entries()[(last365.start, last365.end, "week")] < timedelta(minutes=1)  # then the oldest
    done = stats.refresh_median_cache(today=TODAY)
    assert (done.computed, done.fresh, done.left) == (3, 11, 0)


@pytest.mark.usefixtures("fixture_cases")
def test_early_january_precomputes_only_the_last_365_days():
    periods = stats.default_long_periods(date(2027, 1, 10))  # the year to date is 10 days: live anyway
    assert periods == [stats.Period(date(2026, 1, 11), date(2027, 1, 10))]
    assert stats.refresh_median_cache(today=date(2027, 1, 10)).computed == 7
    # On 31 December of a common year the year to date is the last 365 days: one set of entries.
    assert len(stats.default_long_periods(date(2026, 12, 31))) == 1


@pytest.mark.usefixtures("fixture_cases")
def test_cli_and_beat_precompute(app):
    from notifications import tasks
    from notifications.celery_app import make_celery

    expected = 7 * len(stats.default_long_periods(utcnow().astimezone(stats.SHANGHAI).date()))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "refresh", "--medians"])
    assert result.exit_code == 0, result.output
    assert f"stats medians: {expected} computed, 0 still fresh" in result.output
    result = runner.invoke(args=["stats", "refresh"])  # without --medians: the rollup only
    assert result.exit_code == 0 and "stats medians" not in result.output
    schedule = make_celery(app.extensions["settings"]).conf.beat_schedule
    assert schedule["stats-medians"] == {"task": "notifications.stats_medians", "schedule": 60.0}
    assert tasks.stats_medians.name == "notifications.stats_medians"
    assert tasks.stats_medians.run() == 0  # all fresh
    db.session.execute(update(StatsMedianCache).values(computed_at=utcnow() - timedelta(seconds=600)))
    db.session.commit()
    assert tasks.stats_medians.run() == expected


def test_migration_0006_up_and_down_on_sqlite(tmp_path: Path, model_path: Path):
    from flask_migrate import downgrade, upgrade

    from service_api import create_app
    from tests.conftest import PROJECT_ROOT, _settings

    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    app = create_app(settings=_settings(url, tmp_path, model_path))
    directory = str(PROJECT_ROOT / "migrations")
    with app.app_context():
        upgrade(directory=directory)
        tables = inspect(db.engine).get_table_names()
        assert "stats_median_cache" in tables
        columns = {c["name"] for c in inspect(db.engine).get_columns("stats_median_cache")}
        assert columns == {"period_start", "period_end", "group_by", "computed_at", "medians"}
        db.session.add(StatsMedianCache(period_start=LONG.start, period_end=LONG.end, group_by="week",
                                        computed_at=utcnow(), medians={"groups": {"2026-11-02": {}}, "total": {}}))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(StatsMedianCache)) == 1
        db.session.remove()
        downgrade(directory=directory, revision="0005")
        tables = inspect(db.engine).get_table_names()
        assert "stats_median_cache" not in tables and "stats_rollup" in tables
        upgrade(directory=directory)
        assert "stats_median_cache" in inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()
