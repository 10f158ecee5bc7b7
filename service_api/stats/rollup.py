"""Keeps `stats_rollup` (per local day, dimension and key: the additive counts of stats/figures.py) in step,
and with it `stats_durations` (the durations behind the medians, stats/durations.py).

Nothing on the write paths knows about it. A refresh finds the cases whose row, ratings or surveys changed
since the watermark (their `updated_at`, set by the ORM's onupdate or explicitly), and for those cases
subtracts what `stats_case_facts` says they contributed, re-reads them from the base tables and adds the new
contributions (upserts, in SQL, every dimension at once); then it advances the watermark. No watermark means
build everything. Folding a case in twice changes nothing, so the look-back margin below costs next to
nothing. It runs before every stats read (so results are exact), every STATS_REFRESH_SECONDS from Celery beat
(so reads seldom find work) and as `flask stats refresh` (`--full` rebuilds from scratch).

(Not whole local days: a busy minute touches cases of many past days, and the cost must follow the changed
cases, not their days; bench/README "Stats".)

Rows committed late: a transaction may set `updated_at` and commit after a refresh has looked. So the next
refresh looks back STATS_REFRESH_MARGIN_SECONDS before the watermark, and on PostgreSQL the watermark is
never later than the start of the oldest transaction still writing (pg_stat_activity; sessions of the same
role are visible, which is what the service uses). SQLite cannot see other transactions: there the margin is
at least 60 s (longer than its 30 s busy timeout). Concurrent refreshes are serialised (an advisory
transaction lock on PostgreSQL, the write lock of the state row on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement

from service_api.cases.workflow import TRANSITIONS
from service_api.extensions import db
from service_api.models import (
    ROLLUP_COUNTS,
    Case,
    CaseEvent,
    Rating,
    StatsCaseFacts,
    StatsDurations,
    StatsRollup,
    StatsRollupState,
    Survey,
    utcnow,
)
from service_api.stats import durations as stats_durations
from service_api.vocab import HANDLED_STATUSES, Satisfaction, Status  # HANDLED_STATUSES: what 处置率 counts

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHANGHAI_KEY = SHANGHAI.key
PENDING_STATUS = Status.RECEIVED  # waiting for triage: neither registered nor rejected
EXTEND_ACTION = TRANSITIONS["extend"].action
# A department is credited with the cases dispatched to it; intake's routing guess on a case still in triage,
# or rejected, is not a dispatch (those cases go to the '' key, shown as not dispatched).
DISPATCHED_DEPARTMENT = case((Case.dispatched_at.is_not(None), Case.department_id), else_=None)
# The stored dimensions and the case column of each ("total": one row per day). `major`, `week` and `month` are
# derived at query time from `matter` and `total`. Each also has a "closed" basis twin, CLOSED_PREFIX + name,
# keyed by the local day the case was closed.
CLOSED_PREFIX = stats_durations.CLOSED_PREFIX
DIMENSIONS: dict[str, Any] = {
    "department": DISPATCHED_DEPARTMENT, "matter": Case.matter_code, "district": Case.district_code,
    "street": Case.street_code, "community": Case.community_code, "channel": Case.source_channel, "total": None,
}
LOCK_KEY = 0x53544154  # pg_advisory_xact_lock key of the refresh ("STAT")
SQLITE_MIN_MARGIN = timedelta(seconds=60)
CHUNK = 2000  # changed cases per round of statements (bound parameters stay well under SQLite's limit)


@dataclass(frozen=True)
class RefreshResult:
    full: bool  # the whole rollup was (re)built
    cases: int  # cases folded in (all of them when full)
    seconds: float


def local_day(column: ColumnElement[Any], dialect: str) -> ColumnElement[date]:
    """The Asia/Shanghai calendar day of a UTC timestamp column, as a DATE (SQLite: 'YYYY-MM-DD' text)."""
    if dialect == "postgresql":
        return cast(func.timezone(SHANGHAI_KEY, column), Date)
    # China has had no daylight saving time since 1991: a fixed offset is exact.
    return type_coerce(func.date(column, "+8 hours"), Date)


def seconds_between(start: ColumnElement[Any], end: ColumnElement[Any], dialect: str) -> ColumnElement[float]:
    """Seconds from `start` to `end` as a float (NULL when `end` is): PostgreSQL's date_part (double precision)."""
    if dialect == "postgresql":
        return func.date_part("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


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
            # A full build sorts and hashes a million rows; keep it in memory (this transaction only).
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
            conn.execute(delete(StatsDurations))
            conn.execute(delete(StatsCaseFacts))
            conn.execute(insert(StatsCaseFacts).from_select(FACT_COLUMNS, _facts_select(None, dialect)))
            conn.execute(insert(StatsRollup).from_select(ROLLUP_COLUMNS, _rollup_select(None, 1)))
            stats_durations.build(conn)
            count = conn.execute(select(func.count()).select_from(StatsCaseFacts)).scalar() or 0
            values["built_at"] = now
            if dialect == "postgresql":  # planner statistics for the reads (autovacuum would come later)
                for table in ("stats_rollup", "stats_case_facts", "stats_durations"):
                    conn.execute(text(f"ANALYZE {table}"))
        else:
            changed = _changed_cases(conn, watermark - _margin(dialect))
            for start in range(0, len(changed), CHUNK):
                days = _fold_in(conn, changed[start:start + CHUNK], dialect)
                if days:  # groups left without cases (their last case moved away) are on the days just touched
                    conn.execute(delete(StatsRollup).where(StatsRollup.day.in_(sorted(days)), StatsRollup.cases <= 0))
            count = len(changed)
        values["cases_refreshed"] = count
        conn.execute(update(StatsRollupState).where(StatsRollupState.id == 1).values(**values))
    return RefreshResult(full=watermark is None or full, cases=count, seconds=perf_counter() - started)


def _lock_state(conn: Connection, now: datetime) -> datetime | None:
    """The watermark, after taking the state row (its write serialises refreshes on SQLite)."""
    touched = conn.execute(update(StatsRollupState).where(StatsRollupState.id == 1).values(refreshed_at=now))
    if touched.rowcount == 0:  # a truncated or hand-made database: start from nothing
        conn.execute(insert(StatsRollupState).values(id=1, watermark=None, cases_refreshed=0))
        return None
    return conn.execute(select(StatsRollupState.watermark).where(StatsRollupState.id == 1)).scalar()


def _changed_cases(conn: Connection, since: datetime) -> list[int]:
    """Ids of the cases whose row, ratings or surveys changed at or after `since`."""
    query = union(
        select(Case.id.label("id")).where(Case.updated_at >= since),
        select(Rating.case_id).where(Rating.updated_at >= since),
        select(Survey.case_id).where(Survey.updated_at >= since),
    )
    return sorted(conn.execute(query).scalars())


def _fold_in(conn: Connection, ids: list[int], dialect: str) -> set[date]:
    """Replace what these cases contributed: subtract their stored facts, re-read them, add the new facts.

    Every step reads the facts table (not the base tables twice), so subtraction and addition agree even if
    the cases change meanwhile; such a change has a later updated_at and is folded in by the next refresh.
    """
    before = stats_durations.read_facts(conn, ids)
    conn.execute(_upsert(_rollup_select(ids, -1), dialect))
    conn.execute(delete(StatsCaseFacts).where(StatsCaseFacts.case_id.in_(ids)))
    conn.execute(insert(StatsCaseFacts).from_select(FACT_COLUMNS, _facts_select(ids, dialect)))
    conn.execute(_upsert(_rollup_select(ids, 1), dialect))
    after = stats_durations.read_facts(conn, ids)
    stats_durations.apply_changes(conn, before, after)
    # the local days these cases touch: received, and closed before or after (facts: day, close_day, …)
    return {day for fact in (*before.values(), *after.values()) for day in fact[:2] if day is not None}


def _upsert(rows: Any, dialect: str) -> Any:
    """INSERT the (dimension, day, key) rows of `rows`, adding their counts to those already there."""
    dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = dialect_insert(StatsRollup).from_select(ROLLUP_COLUMNS, rows)
    table = StatsRollup.__table__
    return statement.on_conflict_do_update(
        index_elements=["dimension", "day", "key"],
        set_={name: table.c[name] + statement.excluded[name] for name in ROLLUP_COUNTS},
    )


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _key_text(column: Any) -> ColumnElement[str]:
    if column is None:
        return literal("")
    return func.coalesce(cast(column, String) if column is DISPATCHED_DEPARTMENT else column, "")


KEYED = [name for name in DIMENSIONS if name != "total"]
FACT_COLUMNS = ["case_id", "day", "close_day", *[f"k_{name}" for name in KEYED], *ROLLUP_COUNTS,
                *stats_durations.SECONDS]
# The step times whose durations from receipt the facts keep, in DURATION_STEPS order.
STEP_TIMES = (Case.registered_at, Case.dispatched_at, Case.closed_at)
ROLLUP_COLUMNS = ["dimension", "day", "key", *ROLLUP_COUNTS]


def _facts_select(ids: list[int] | None, dialect: str) -> Select[Any]:
    """One row per case (all cases, or those of `ids`) with what it contributes, read from the base tables."""
    ratings = (
        select(Rating.case_id.label("case_id"), func.count().label("rated"),
               func.sum(_flag(Rating.rating == Satisfaction.SATISFIED)).label("satisfied"),
               func.sum(_flag(Rating.rating == Satisfaction.BASICALLY_SATISFIED)).label("basically_satisfied"),
               func.sum(_flag(Rating.rating == Satisfaction.UNSATISFIED)).label("unsatisfied"),
               func.sum(_flag(Rating.solved.is_(True))).label("solved"),
               func.count(Rating.solved).label("solved_answered"),
               # 回访率 asks whether the resident answered for the closing that counts now, the current round
               func.sum(_flag(Rating.round == Case.reopen_count + 1)).label("rated_current"))
        .join(Case, Case.id == Rating.case_id)
        .group_by(Rating.case_id)
    )
    surveys = (
        select(Survey.case_id.label("case_id"), func.count(Survey.sent_at).label("surveys_sent"),
               func.sum(_flag(and_(Survey.sent_at.is_not(None), Survey.status == "answered")))
               .label("surveys_answered"))
        .group_by(Survey.case_id)
    )
    extensions = select(CaseEvent.case_id.label("case_id")).where(CaseEvent.action == EXTEND_ACTION).distinct()
    if ids is not None:
        ratings = ratings.where(Rating.case_id.in_(ids))
        surveys = surveys.where(Survey.case_id.in_(ids))
        extensions = extensions.where(CaseEvent.case_id.in_(ids))
    r, s, e = ratings.subquery("r"), surveys.subquery("s"), extensions.subquery("e")
    closed = Case.closed_at.is_not(None)
    query = (
        select(
            Case.id, local_day(Case.created_at, dialect), local_day(Case.closed_at, dialect),
            *[_key_text(DIMENSIONS[name]) for name in KEYED],
            literal(1), Case.report_count,
            _flag(Case.dispatched_at.is_not(None)),
            _flag(Case.status.in_(HANDLED_STATUSES)),
            _flag(closed),
            _flag(and_(closed, resolved_on_time())),
            *[func.coalesce(r.c[name], 0) for name in (
                "rated", "satisfied", "basically_satisfied", "unsatisfied", "solved", "solved_answered")],
            func.coalesce(s.c.surveys_sent, 0), func.coalesce(s.c.surveys_answered, 0),
            _flag(Case.status == PENDING_STATUS), _flag(Case.rejected_at.is_not(None)),
            _flag(Case.registered_at.is_not(None)), _flag(and_(closed, closed_on_time())),
            _flag(Case.reopen_count > 0), _flag(e.c.case_id.is_not(None)),
            _flag(and_(closed, r.c.rated_current > 0)),
            *[seconds_between(Case.created_at, end, dialect) for end in STEP_TIMES],
        )
        .select_from(Case).outerjoin(r, r.c.case_id == Case.id).outerjoin(s, s.c.case_id == Case.id)
        .outerjoin(e, e.c.case_id == Case.id)
    )
    return query if ids is None else query.where(Case.id.in_(ids))


def resolved_on_time() -> ColumnElement[bool]:
    """按期处置: resolved by the deadline (a case without a deadline has none to miss)."""
    return and_(Case.resolved_at.is_not(None), or_(Case.deadline.is_(None), Case.resolved_at <= Case.deadline))


def closed_on_time() -> ColumnElement[bool]:
    """按期结案: closed by the deadline (a case without a deadline has none to miss)."""
    return or_(Case.deadline.is_(None), Case.closed_at <= Case.deadline)


def _rollup_select(ids: list[int] | None, sign: int) -> Any:
    """Rollup rows (every dimension, both bases) of the stored facts of all cases or of `ids`, counts times
    `sign`."""
    facts: Any = StatsCaseFacts.__table__
    if ids is not None:
        facts = select(facts).where(facts.c.case_id.in_(ids)).cte("chosen")
    f = facts.c
    parts = []
    for name in DIMENSIONS:
        key = f[f"k_{name}"] if name != "total" else literal("")
        sums = [(func.sum(f[count]) * sign if sign != 1 else func.sum(f[count])).label(count)
                for count in ROLLUP_COUNTS]
        for dimension, day, chosen in ((name, f.day, literal(True)),  # SQLite's upsert wants a WHERE
                                       (CLOSED_PREFIX + name, f.close_day, f.close_day.is_not(None))):
            group = [day, key] if name != "total" else [day]
            part = (select(literal(dimension, String).label("dimension"), day.label("day"), key.label("key"), *sums)
                    .select_from(facts).where(chosen))
            parts.append(part.group_by(*group))
    return union_all(*parts)
