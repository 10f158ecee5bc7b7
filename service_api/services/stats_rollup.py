"""Keeps `stats_rollup` (per local day, dimension and key: the additive counts of services/stats.py) in step.

Nothing on the write paths knows about it. A refresh finds the local days whose cases, ratings or surveys
changed since the watermark (their `updated_at`, set by the ORM's onupdate or explicitly), recomputes those
whole days from the base tables in SQL (DELETE + INSERT … SELECT … GROUP BY, every dimension at once) and
advances the watermark; no watermark means build everything. It runs before every stats read (so results are
exact), every STATS_REFRESH_SECONDS from Celery beat (so reads seldom find work) and as `flask stats refresh`.

Rows committed late: a transaction may set `updated_at` and commit after a refresh has looked. So the next
refresh looks back STATS_REFRESH_MARGIN_SECONDS before the watermark, and on PostgreSQL the watermark is
never later than the start of the oldest transaction still writing (pg_stat_activity; sessions of the same
role are visible, which is what the service uses). SQLite cannot see other transactions: there the margin is
at least 60 s (longer than its 30 s busy timeout). Concurrent refreshes are serialised (an advisory
transaction lock on PostgreSQL, the write lock of the state row on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    Connection,
    Date,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union,
    union_all,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from service_api.extensions import db
from service_api.models import ROLLUP_COUNTS, Case, Rating, StatsRollup, StatsRollupState, Survey, utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHANGHAI_KEY = SHANGHAI.key
HANDLED_STATUSES = ("resolved", "verified", "closed")
# The stored dimensions and the case column of each ("total": one row per day). `major` and `week` are derived
# at query time from `matter` and `total`.
DIMENSIONS: dict[str, Any] = {
    "department": Case.department_id, "matter": Case.matter_code, "district": Case.district_code,
    "street": Case.street_code, "channel": Case.source_channel, "total": None,
}
LOCK_KEY = 0x53544154  # pg_advisory_xact_lock key of the refresh ("STAT")
SQLITE_MIN_MARGIN = timedelta(seconds=60)
DELETE_CHUNK = 500  # days per DELETE/INSERT statement


@dataclass(frozen=True)
class RefreshResult:
    full: bool  # the whole rollup was (re)built
    days: int  # local days recomputed
    seconds: float


def local_day(column: ColumnElement[Any], dialect: str) -> ColumnElement[date]:
    """The Asia/Shanghai calendar day of a UTC timestamp column, as a DATE (SQLite: 'YYYY-MM-DD' text)."""
    if dialect == "postgresql":
        return cast(func.timezone(SHANGHAI_KEY, column), Date)
    # China has had no daylight saving time since 1991: a fixed offset is exact.
    return type_coerce(func.date(column, "+8 hours"), Date)


def _margin(dialect: str) -> timedelta:
    seconds = current_app.extensions["settings"].stats_refresh_margin_seconds
    margin = timedelta(seconds=seconds)
    return margin if dialect == "postgresql" else max(margin, SQLITE_MIN_MARGIN)


def refresh(*, full: bool = False) -> RefreshResult:
    """Bring the rollup up to date (its own transaction, committed); `full` rebuilds it from scratch."""
    started = perf_counter()
    with db.engine.begin() as conn:
        dialect = conn.dialect.name
        if dialect == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
            # Whole-day aggregates sort and hash a lot at once; keep them in memory (this transaction only).
            conn.execute(text("SET LOCAL work_mem = '64MB'"))
        now = utcnow()
        watermark = _lock_state(conn, now)
        next_watermark = now
        if dialect == "postgresql":
            oldest = conn.execute(text(
                "SELECT min(xact_start) FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
                " AND pid <> pg_backend_pid() AND datname = current_database()")).scalar()
            if oldest is not None and oldest < next_watermark:
                next_watermark = oldest
        values: dict[str, Any] = {"watermark": next_watermark, "refreshed_at": now}
        if watermark is None or full:
            conn.execute(delete(StatsRollup))
            conn.execute(_insert_days(None, dialect))
            days = conn.execute(select(func.count(func.distinct(StatsRollup.day)))).scalar() or 0
            values["built_at"] = now
            if dialect == "postgresql":  # planner statistics for the reads (autovacuum would come later)
                conn.execute(text("ANALYZE stats_rollup"))
        else:
            changed = _changed_days(conn, watermark - _margin(dialect), dialect)
            for start in range(0, len(changed), DELETE_CHUNK):
                chunk = changed[start:start + DELETE_CHUNK]
                conn.execute(delete(StatsRollup).where(StatsRollup.dimension.in_(list(DIMENSIONS)),
                                                       StatsRollup.day.in_(chunk)))
                conn.execute(_insert_days(chunk, dialect))
            days = len(changed)
        values["days_refreshed"] = days
        conn.execute(update(StatsRollupState).where(StatsRollupState.id == 1).values(**values))
    return RefreshResult(full=watermark is None or full, days=days, seconds=perf_counter() - started)


def _lock_state(conn: Connection, now: datetime) -> datetime | None:
    """The watermark, after taking the state row (its write serialises refreshes on SQLite)."""
    touched = conn.execute(update(StatsRollupState).where(StatsRollupState.id == 1).values(refreshed_at=now))
    if touched.rowcount == 0:  # a truncated or hand-made database: start from nothing
        conn.execute(insert(StatsRollupState).values(id=1, watermark=None, days_refreshed=0))
        return None
    return conn.execute(select(StatsRollupState.watermark).where(StatsRollupState.id == 1)).scalar()


def _changed_days(conn: Connection, since: datetime, dialect: str) -> list[date]:
    """Local creation days of the cases whose row, ratings or surveys changed at or after `since`."""
    day = local_day(Case.created_at, dialect).label("day")
    query = union(
        select(day).where(Case.updated_at >= since),
        select(day).select_from(Rating).join(Case, Case.id == Rating.case_id).where(Rating.updated_at >= since),
        select(day).select_from(Survey).join(Case, Case.id == Survey.case_id).where(Survey.updated_at >= since),
    )
    return sorted(conn.execute(query).scalars())


def _day_ranges(days: list[date]) -> list[tuple[date, date]]:
    """Contiguous runs of days as [first, last] pairs."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _created_on(days: list[date] | None) -> ColumnElement[bool] | None:
    """Cases created on these local days, as created_at ranges (index range scans); None: every case."""
    if days is None:
        return None
    ranges = []
    for first, last in _day_ranges(days):
        start = datetime.combine(first, time.min, SHANGHAI)
        end = datetime.combine(last + timedelta(days=1), time.min, SHANGHAI)
        ranges.append(and_(Case.created_at >= start, Case.created_at < end))
    return or_(*ranges)


def _where(query: Select[Any], condition: ColumnElement[bool] | None) -> Select[Any]:
    return query if condition is None else query.where(condition)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _insert_days(days: list[date] | None, dialect: str) -> Any:
    """INSERT … SELECT of every dimension's rows for the cases created on `days` (None: all cases)."""
    created_on = _created_on(days)
    per_case: Any = select(
        Case.id.label("id"), local_day(Case.created_at, dialect).label("day"),
        *[(column if column is not None else literal("")).label(f"k_{name}") for name, column in DIMENSIONS.items()],
        Case.report_count.label("reports"),
        _flag(Case.dispatched_at.is_not(None)).label("dispatched"),
        _flag(Case.status.in_(HANDLED_STATUSES)).label("handled"),
        _flag(and_(Case.deadline.is_not(None), Case.closed_at.is_not(None))).label("due_closed"),
        _flag(and_(Case.closed_at.is_not(None), Case.deadline.is_not(None),
                   Case.resolved_at <= Case.deadline)).label("on_time"),
    )
    per_case = _where(per_case, created_on).cte("c")
    ratings = _where(
        select(Rating.case_id.label("case_id"), func.count().label("rated"),
               func.sum(_flag(Rating.rating == "satisfied")).label("satisfied"),
               func.sum(_flag(Rating.rating == "basically_satisfied")).label("basically_satisfied"),
               func.sum(_flag(Rating.rating == "unsatisfied")).label("unsatisfied"),
               func.sum(_flag(Rating.solved.is_(True))).label("solved"),
               func.count(Rating.solved).label("solved_answered"))
        .select_from(Rating).join(Case, Case.id == Rating.case_id).group_by(Rating.case_id),
        created_on,
    ).cte("r")
    surveys = _where(
        select(Survey.case_id.label("case_id"), func.count(Survey.sent_at).label("surveys_sent"),
               func.sum(_flag(and_(Survey.sent_at.is_not(None), Survey.status == "answered")))
               .label("surveys_answered"))
        .select_from(Survey).join(Case, Case.id == Survey.case_id).group_by(Survey.case_id),
        created_on,
    ).cte("s")
    c, r, s = per_case.c, ratings.c, surveys.c
    facts = (
        select(c, *[func.coalesce(r[name], 0).label(name) for name in (
                   "rated", "satisfied", "basically_satisfied", "unsatisfied", "solved", "solved_answered")],
               func.coalesce(s.surveys_sent, 0).label("surveys_sent"),
               func.coalesce(s.surveys_answered, 0).label("surveys_answered"))
        .select_from(per_case.outerjoin(ratings, r.case_id == c.id).outerjoin(surveys, s.case_id == c.id))
        .cte("f")
    )
    f = facts.c
    sums = [func.count().label("cases")] + [
        func.sum(f[name]).label(name) for name in ROLLUP_COUNTS if name != "cases"]
    parts = []
    for name, column in DIMENSIONS.items():
        key = f[f"k_{name}"]
        key_text = func.coalesce(cast(key, String), "") if column is not None and name == "department" else (
            func.coalesce(key, "") if column is not None else literal(""))
        parts.append(select(literal(name, String).label("dimension"), f.day, key_text.label("key"), *sums)
                     .group_by(f.day, key))
    columns = ["dimension", "day", "key", *ROLLUP_COUNTS]
    return insert(StatsRollup).from_select(columns, union_all(*parts))

