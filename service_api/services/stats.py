"""Satisfaction and performance rates, aggregated in the database (GROUP BY), never row by row in Python.

A period is a range of local (Asia/Shanghai) dates; the cohort is the cases *created* in it, and every
figure of a group (ratings, surveys, deadlines) belongs to that cohort, so the columns of one row agree.

compute() sums the per-day rollup (services/stats_rollup.py, refreshed first, so the figures are exact) and adds
the one figure that moves with the clock, open cases past their deadline, counted live; medians are selected
from the period's durations, kept per day beside the rollup (stats_durations), exact for any period.
compute_direct() gives the same result straight from the base tables (the reference the rollup is tested and
benchmarked against).

Definitions (a rate is None when its denominator is 0 — an empty group is "no data", not 0 %):
- satisfaction_rate  = (满意 + 基本满意) / rated ratings
- solved_rate        = ratings saying the problem was solved / ratings that answered the question
- survey_response    = surveys answered / surveys sent
- handling_rate      = 处置率: cases handled (resolved, verified or closed) / cases dispatched
- on_time_rate       = 按期办结率: closed cases resolved by their deadline / cases due
                       (closed with a deadline, or still open past it)
- repeat_share       = repeat reports merged into a case / all reports of the cases
- median_*_hours     = median hours from receipt to register / dispatch / close
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import LargeBinary, Select, and_, case, func, literal, literal_column, or_, select, text, tuple_
from sqlalchemy.sql.elements import ColumnElement

from service_api.extensions import db
from service_api.models import (
    CHANNEL_TEXT,
    DURATION_STEPS,
    ROLLUP_COUNTS,
    Case,
    Category,
    Department,
    Rating,
    Report,
    StatsDurations,
    StatsRollup,
    Survey,
    utcnow,
)
from service_api.privacy import mask_phone, mask_text, spreadsheet_cell
from service_api.services import stats_durations, stats_rollup

SHANGHAI = ZoneInfo("Asia/Shanghai")
GROUP_BY = ("department", "matter", "major", "district", "street", "channel", "week")
GROUP_TEXT = {
    "department": "部门", "matter": "事项小类", "major": "事项大类", "district": "区", "street": "街道",
    "channel": "渠道", "week": "周",
}
RATING_TEXT = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
HANDLED_STATUSES = stats_rollup.HANDLED_STATUSES
# Columns of the JSON API (GET /api/v1/stats/satisfaction), in order.
API_FIELDS = ("key", "label", "cases", "rated", "satisfied", "basically_satisfied", "unsatisfied",
              "satisfaction_rate", "solved_rate", "on_time_rate")


@dataclass(frozen=True)
class Period:
    """Local dates, both inclusive."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes (end exclusive: the day after `end`)."""
        return (datetime.combine(self.start, time.min, SHANGHAI),
                datetime.combine(self.end + timedelta(days=1), time.min, SHANGHAI))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class StatsRow:
    key: str | None
    label: str
    cases: int = 0
    reports: int = 0
    dispatched: int = 0
    handled: int = 0
    due: int = 0
    on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    solved: int = 0
    solved_answered: int = 0
    surveys_sent: int = 0
    surveys_answered: int = 0
    median_register_hours: float | None = None
    median_dispatch_hours: float | None = None
    median_close_hours: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def satisfaction_rate(self) -> float | None:
        return ratio(self.satisfied + self.basically_satisfied, self.rated)

    @property
    def solved_rate(self) -> float | None:
        return ratio(self.solved, self.solved_answered)

    @property
    def survey_response_rate(self) -> float | None:
        return ratio(self.surveys_answered, self.surveys_sent)

    @property
    def handling_rate(self) -> float | None:
        return ratio(self.handled, self.dispatched)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.on_time, self.due)

    @property
    def repeat_share(self) -> float | None:
        return ratio(self.reports - self.cases, self.reports)

    def to_api(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in API_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in (
            "key", "label", "cases", "reports", "dispatched", "handled", "due", "on_time", "rated", "satisfied",
            "basically_satisfied", "unsatisfied", "solved", "solved_answered", "surveys_sent", "surveys_answered",
            "median_register_hours", "median_dispatch_hours", "median_close_hours")}
        for name in ("satisfaction_rate", "solved_rate", "survey_response_rate", "handling_rate", "on_time_rate",
                     "repeat_share"):
            data[name] = getattr(self, name)
        return data


@dataclass
class StatsResult:
    group_by: str
    period: Period
    rows: list[StatsRow]
    total: StatsRow


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


# -- SQL building blocks ---------------------------------------------------------------------------

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _key_expr(group_by: str) -> ColumnElement[Any]:
    if group_by == "department":
        return Case.department_id
    if group_by == "matter":
        return Case.matter_code
    if group_by == "major":
        return func.substr(Case.matter_code, 1, 2)
    if group_by == "district":
        return Case.district_code
    if group_by == "street":
        return Case.street_code
    if group_by == "channel":
        return Case.source_channel
    if group_by == "week":  # the Monday of the local week, as YYYY-MM-DD
        if _dialect() == "postgresql":
            # Grouped on the truncated timestamp (cheap); formatted as YYYY-MM-DD in _labels.
            return func.date_trunc("week", func.timezone(SHANGHAI.key, Case.created_at))
        return func.date(Case.created_at, "+8 hours", "weekday 0", "-6 days")
    raise ValueError(f"group_by must be one of {', '.join(GROUP_BY)}")


# For the rest of the session's transaction (SET LOCAL), set once however many reads it makes:
# - no JIT: compiling these one-off aggregates took 20-25 ms per statement (EXPLAIN ANALYZE) and saved less;
# - a plan for each statement's own period: after five executions psycopg prepares a statement, and
#   PostgreSQL's generic plan for a date range then took a year's rollup read from ~60 to ~160 ms;
# - sorts in memory: the open-overdue count sorted ~100,000 rows of a year on disk.
_READ_SETTINGS = "SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL work_mem = '64MB'"


def _tune_reads() -> None:
    """PostgreSQL: the settings of _READ_SETTINGS for the session's transaction (once per transaction)."""
    if _dialect() != "postgresql":
        return
    session = db.session()  # the request's Session behind the scoped proxy
    transaction, done = session.get_transaction(), session.info.get("stats_reads_tuned")
    if transaction is not None and done is not None and done() is transaction:
        return
    session.execute(text(_READ_SETTINGS))
    session.info["stats_reads_tuned"] = weakref.ref(session.get_transaction())


def _in_period(period: Period) -> ColumnElement[bool]:
    start, end = period.bounds()
    return and_(Case.created_at >= start, Case.created_at < end)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


Key = ColumnElement[Any] | None  # None: one row over everything (the total)


def _key_column(key: Key) -> ColumnElement[Any]:
    return (key if key is not None else literal_column("'total'")).label("key")


def _grouped(query: Select[Any], key: Key) -> Select[Any]:
    return query.group_by(key) if key is not None else query


def _case_query(key: Key, period: Period, now: datetime) -> Select[Any]:
    due = and_(Case.deadline.is_not(None), or_(Case.closed_at.is_not(None), Case.deadline < now))
    on_time = and_(Case.closed_at.is_not(None), Case.deadline.is_not(None), Case.resolved_at <= Case.deadline)
    return _grouped(
        select(
            _key_column(key),
            func.count().label("cases"),
            func.coalesce(func.sum(Case.report_count), 0).label("reports"),
            func.count(Case.dispatched_at).label("dispatched"),
            _count_if(Case.status.in_(HANDLED_STATUSES)).label("handled"),
            _count_if(due).label("due"),
            _count_if(on_time).label("on_time"),
        )
        .where(_in_period(period)),
        key,
    )


def _rating_query(key: Key, period: Period) -> Select[Any]:
    return _grouped(
        select(
            _key_column(key),
            func.count().label("rated"),
            _count_if(Rating.rating == "satisfied").label("satisfied"),
            _count_if(Rating.rating == "basically_satisfied").label("basically_satisfied"),
            _count_if(Rating.rating == "unsatisfied").label("unsatisfied"),
            _count_if(Rating.solved.is_(True)).label("solved"),
            func.count(Rating.solved).label("solved_answered"),
        )
        .select_from(Rating)
        .join(Case, Case.id == Rating.case_id)
        .where(_in_period(period)),
        key,
    )


def _survey_query(key: Key, period: Period) -> Select[Any]:
    return _grouped(
        select(
            _key_column(key),
            func.count(Survey.sent_at).label("surveys_sent"),
            _count_if(and_(Survey.sent_at.is_not(None), Survey.status == "answered")).label("surveys_answered"),
        )
        .select_from(Survey)
        .join(Case, Case.id == Survey.case_id)
        .where(_in_period(period)),
        key,
    )


_DURATIONS = {
    "median_register_hours": Case.registered_at,
    "median_dispatch_hours": Case.dispatched_at,
    "median_close_hours": Case.closed_at,
}


def _seconds_between(start: ColumnElement[Any], end: ColumnElement[Any]) -> ColumnElement[float]:
    if _dialect() == "postgresql":  # numeric, unlike the rollup's date_part: an independent reference
        return func.extract("epoch", end - start)
    return stats_rollup.seconds_between(start, end, "sqlite")


def _median_rows(key: Key, period: Period) -> dict[Any, dict[str, float | None]]:
    """Median durations per group: percentile_cont on PostgreSQL, a window-function median elsewhere."""
    result: dict[Any, dict[str, float | None]] = {}
    if _dialect() == "postgresql":
        # Medians sort every duration of the period; let the sort stay in memory (this transaction only).
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        # One query per duration: each sorts only the cases that reached that step.
        for name, end in _DURATIONS.items():
            median = func.percentile_cont(0.5).within_group(_seconds_between(Case.created_at, end))
            query = _grouped(select(_key_column(key), median.label("m"))
                             .where(_in_period(period), end.is_not(None)), key)
            for row in db.session.execute(query).mappings():
                result.setdefault(row["key"], {})[name] = _hours(row["m"])
        return result
    for name, end in _DURATIONS.items():
        seconds = _seconds_between(Case.created_at, end)
        ranked = (
            select(_key_column(key), seconds.label("d"),
                   func.row_number().over(partition_by=key, order_by=seconds).label("rn"),
                   func.count().over(partition_by=key).label("n"))
            .where(_in_period(period), end.is_not(None))
            .subquery()
        )
        middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
        query = select(ranked.c.key, func.avg(ranked.c.d)).where(middle).group_by(ranked.c.key)
        for group_key, value in db.session.execute(query):
            result.setdefault(group_key, {})[name] = _hours(value)
    return result


def _hours(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600.0, 2)


# -- labels ----------------------------------------------------------------------------------------

def _labels(group_by: str, keys: list[Any]) -> dict[Any, tuple[str | None, str]]:
    """Raw group key → (public key, label). One small lookup per request, not per row."""
    present = [k for k in keys if k is not None]
    labels: dict[Any, tuple[str | None, str]] = {None: (None, _NONE_TEXT[group_by])}
    if group_by == "department":
        rows = db.session.query(Department.id, Department.code, Department.name).filter(Department.id.in_(present))
        labels.update({row.id: (row.code, row.name) for row in rows})
    elif group_by == "matter":
        names = dict(db.session.query(Category.code, Category.name).filter(Category.code.in_(present)).all())
        labels.update({k: (k, names.get(k, k)) for k in present})
    elif group_by == "major":
        names = dict(db.session.query(Category.major_code, Category.major_name).distinct()
                     .filter(Category.major_code.in_(present)).all())
        labels.update({k: (k, names.get(k, k)) for k in present})
    elif group_by in ("district", "street"):
        names = _area_names(present)
        labels.update({k: (k, names.get(k) or k) for k in present})
    elif group_by == "channel":
        labels.update({k: (k, CHANNEL_TEXT.get(k, k)) for k in present})
    else:  # week: a date string on SQLite, a local timestamp on PostgreSQL
        for k in present:
            day = k.date().isoformat() if isinstance(k, datetime) else str(k)
            labels[k] = (day, f"{day} 周")
    for k in present:
        labels.setdefault(k, (str(k), str(k)))
    return labels


_NONE_TEXT = {
    "department": "未分派", "matter": "未分类", "major": "未分类", "district": "未定位", "street": "未定位",
    "channel": "未知渠道", "week": "—",
}


def _area_names(codes: list[str]) -> dict[str, str | None]:
    try:
        from service_api.services import intake_runtime

        gazetteer = intake_runtime.geocoder().gaz
    except Exception:  # labels are a nicety: a missing gazetteer must not break the numbers
        return {}
    return {code: gazetteer.area_name(code) for code in codes}


# -- public functions --------------------------------------------------------------------------------

def compute(period: Period, group_by: str, *, medians: bool = True, now: datetime | None = None,
            refresh: bool = True, overdue: dict[Any, int] | None = None) -> StatsResult:
    """Every rate for each group of the cases created in `period`, plus the total over all of them.

    Counts come from the per-day rollup (refreshed first unless `refresh` is False: the caller just did),
    plus the open cases past their deadline at `now`, counted live (or given as `overdue`, see
    open_overdue_counts); medians from the per-day durations (exact, see _medians).
    """
    if group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {', '.join(GROUP_BY)}")
    now = now or utcnow()
    if refresh:
        stats_rollup.refresh()
    _tune_reads()
    rows = _rollup_rows(group_by, period, now, overdue)
    total = _sum_rows(list(rows.values()))
    if medians:
        for group_key, values in _medians(group_by, period).items():
            target = total if group_key is _TOTAL else rows.get(group_key)
            if target is None:  # a group a concurrent refresh committed between the two reads
                continue
            for name, value in values.items():
                setattr(target, name, value)
    return _finish(group_by, period, rows, total)


def compute_direct(period: Period, group_by: str, *, medians: bool = True, now: datetime | None = None
                   ) -> StatsResult:
    """The same as compute(), straight from the base tables (the reference the rollup is tested against)."""
    if group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {', '.join(GROUP_BY)}")
    now = now or utcnow()
    key = _key_expr(group_by)
    rows = _collect(key, period, now, medians)
    total = _sum_rows(list(rows.values()))
    if medians:  # medians do not add up: one more query over the whole period
        for name, value in _median_rows(None, period).get("total", {}).items():
            setattr(total, name, value)
    if group_by == "week":  # same raw keys as the rollup path: the Monday as YYYY-MM-DD
        rows = {(_week_key(k) if k is not None else None): row for k, row in rows.items()}
    return _finish(group_by, period, rows, total)


def _finish(group_by: str, period: Period, rows: dict[Any, StatsRow], total: StatsRow) -> StatsResult:
    labels = _labels(group_by, list(rows))
    result_rows: list[StatsRow] = []
    for raw_key, row in rows.items():
        row.key, row.label = labels.get(raw_key, (str(raw_key), str(raw_key)))
        result_rows.append(row)
    if group_by == "week":
        result_rows.sort(key=lambda r: r.key or "")
    else:
        result_rows.sort(key=lambda r: (-r.cases, r.key or ""))
    total.key, total.label = "total", "合计"
    return StatsResult(group_by=group_by, period=period, rows=result_rows, total=total)


def _week_key(value: Any) -> str:
    """The Monday of a local day (date, 'YYYY-MM-DD' or a local week timestamp) as YYYY-MM-DD."""
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return (value - timedelta(days=value.weekday())).isoformat()


# -- rollup reads ------------------------------------------------------------------------------------

_DIMENSION_OF = {"major": "matter", "week": "total"}
_TOTAL = object()  # the key of the whole period's medians


def _raw_key(group_by: str, key: Any) -> Any:
    """A rollup key (text) or a live query's key → the key the rows are merged by (department ids are ints,
    '' is none, weeks are their Monday as YYYY-MM-DD)."""
    if key is None or key == "":
        return None
    if group_by == "department":
        return int(key)
    if group_by == "week":
        return _week_key(key)
    return key


def _per_day_rows(model: type[StatsRollup] | type[StatsDurations], group_by: str, period: Period,
                  dimension: str) -> tuple[ColumnElement[Any], ColumnElement[bool]]:
    """For a per-day table (dimension, day, key): what to group its rows by for `group_by` (weeks: the day,
    merged into weeks by _raw_key; major: the matter key's first two characters), and the period's rows of
    `dimension`."""
    if group_by == "week":
        key: ColumnElement[Any] = model.day
    elif group_by == "major":
        key = func.substr(model.key, 1, 2)
    else:
        key = model.key
    return key, and_(model.dimension == dimension, model.day >= period.start, model.day <= period.end)


def _rollup_rows(group_by: str, period: Period, now: datetime,
                 overdue: dict[Any, int] | None = None) -> dict[Any, StatsRow]:
    """Sums of the rollup's days in the period per group, with the live overdue count (or `overdue`) added to
    `due`."""
    key, chosen = _per_day_rows(StatsRollup, group_by, period, _DIMENSION_OF.get(group_by, group_by))
    query = (
        select(key.label("key"), *[func.sum(getattr(StatsRollup, name)).label(name) for name in ROLLUP_COUNTS])
        .where(chosen)
        .group_by(key)
    )
    rows: dict[Any, StatsRow] = {}
    for mapping in db.session.execute(query).mappings():
        target = rows.setdefault(_raw_key(group_by, mapping["key"]), StatsRow(key=None, label=""))
        for name in ROLLUP_COUNTS:
            value = int(mapping[name] or 0)
            if name == "due_closed":
                target.due += value
            else:
                setattr(target, name, getattr(target, name) + value)
    if overdue is None:
        overdue = open_overdue_counts((group_by,), period, now)[group_by]
    for group_key, count in overdue.items():
        rows.setdefault(group_key, StatsRow(key=None, label="")).due += count
    return rows


def _overdue_key(group_by: str) -> ColumnElement[Any]:
    if group_by == "week":
        return stats_rollup.local_day(Case.created_at, _dialect())
    return _key_expr(group_by)


def open_overdue_counts(group_bys: tuple[str, ...], period: Period, now: datetime) -> dict[str, dict[Any, int]]:
    """Open cases of the period past their deadline at `now` (due without being closed), per group of each of
    `group_bys`: on PostgreSQL one scan of the partial index for all of them (GROUPING SETS)."""
    group_bys = tuple(dict.fromkeys(group_bys))
    overdue = and_(_in_period(period), Case.closed_at.is_(None), Case.deadline.is_not(None), Case.deadline < now)
    counts: dict[str, dict[Any, int]] = {group_by: {} for group_by in group_bys}

    def add(group_by: str, group_key: Any, n: int) -> None:
        raw = _raw_key(group_by, group_key)
        counts[group_by][raw] = counts[group_by].get(raw, 0) + int(n)

    if _dialect() != "postgresql" or len(group_bys) == 1:  # SQLite has no GROUPING SETS
        for group_by in group_bys:
            key = _overdue_key(group_by)
            for group_key, n in db.session.execute(
                    select(key.label("key"), func.count()).where(overdue).group_by(key)):
                add(group_by, group_key, n)
        return counts
    keys = [_overdue_key(group_by).label(f"k{index}") for index, group_by in enumerate(group_bys)]
    sets = func.grouping_sets(*[tuple_(key.element) for key in keys])
    query = (select(*keys, func.grouping(*[key.element for key in keys]).label("g"), func.count().label("n"))
             .where(overdue).group_by(sets))
    width = len(keys)
    for row in db.session.execute(query):
        # grouping() has a 1 bit for every key not in the row's set: the set is the one 0 bit.
        index = next(i for i in range(width) if not row.g & (1 << (width - 1 - i)))
        add(group_bys[index], row[index], row.n)
    return counts


MedianValues = dict[Any, dict[str, float | None]]  # raw group key (or _TOTAL) → the three median hours
_MEDIAN_NAMES = tuple(_DURATIONS)  # in DURATION_STEPS order (register, dispatch, close)
_STEP_COLUMNS = tuple(StatsDurations.__table__.c[step] for step in DURATION_STEPS)


def _medians(group_by: str, period: Period) -> MedianValues:
    """Median hours per group and in total (key _TOTAL), keyed like _rollup_rows, exact.

    The period's durations are concatenated from stats_durations (PostgreSQL: string_agg per group in the
    database) and the middle values selected with numpy, interpolated as percentile_cont(0.5) does.
    """
    # Weeks from the channel rows (every case has a channel; durations keep no per-day total).
    dimension = "channel" if group_by == "week" else _DIMENSION_OF.get(group_by, group_by)
    key, chosen = _per_day_rows(StatsDurations, group_by, period, dimension)
    if _dialect() == "postgresql":
        empty = literal(b"", LargeBinary)
        query = select(key, *[func.string_agg(step, empty) for step in _STEP_COLUMNS]).where(chosen).group_by(key)
    else:  # SQLite cannot concatenate blobs in an aggregate: per row, joined below
        query = select(key, *_STEP_COLUMNS).where(chosen)
    blobs: dict[Any, list[list[bytes]]] = {}
    for group_key, *steps in db.session.execute(query):
        lists = blobs.setdefault(_raw_key(group_by, group_key), [[] for _ in _STEP_COLUMNS])
        for index, data in enumerate(steps):
            if data:
                lists[index].append(data)
    values: MedianValues = {group_key: _median_hours(lists) for group_key, lists in blobs.items()}
    values[_TOTAL] = _median_hours([[data for lists in blobs.values() for data in lists[index]]
                                    for index in range(len(_STEP_COLUMNS))])
    return values


def _median_hours(blobs_per_step: list[list[bytes]]) -> dict[str, float | None]:
    """The three medians (hours) of packed durations (stats_durations' format), one list of blobs per step."""
    result: dict[str, float | None] = {}
    for name, blobs in zip(_MEDIAN_NAMES, blobs_per_step, strict=True):
        durations = stats_durations.concatenated(blobs)
        if not len(durations):
            result[name] = None
            continue
        low, high = (len(durations) - 1) // 2, len(durations) // 2
        middle = np.partition(durations, (low, high))
        first, second = float(middle[low]), float(middle[high])
        result[name] = _hours(first + (second - first) * 0.5)  # percentile_cont(0.5)
    return result


ADDITIVE = ("cases", "reports", "dispatched", "handled", "due", "on_time", "rated", "satisfied",
            "basically_satisfied", "unsatisfied", "solved", "solved_answered", "surveys_sent", "surveys_answered")


def _sum_rows(rows: list[StatsRow]) -> StatsRow:
    """The total of the groups: every count is additive (each case is in exactly one group)."""
    total = StatsRow(key="total", label="合计")
    for name in ADDITIVE:
        setattr(total, name, sum(getattr(row, name) for row in rows))
    return total


def _collect(key: Key, period: Period, now: datetime, medians: bool) -> dict[Any, StatsRow]:
    rows: dict[Any, StatsRow] = {}

    def row_for(group_key: Any) -> StatsRow:
        if group_key not in rows:
            rows[group_key] = StatsRow(key=None, label="")
        return rows[group_key]

    for query in (_case_query(key, period, now), _rating_query(key, period), _survey_query(key, period)):
        for mapping in db.session.execute(query).mappings():
            target = row_for(mapping["key"])
            for name, value in mapping.items():
                if name != "key":
                    setattr(target, name, int(value or 0))
    if medians:
        for group_key, values in _median_rows(key, period).items():
            for name, value in values.items():
                setattr(row_for(group_key), name, value)
    return rows


def satisfaction(period: Period, group_by: str) -> dict[str, Any]:
    """The JSON of GET /api/v1/stats/satisfaction."""
    result = compute(period, group_by, medians=False)
    return {"rows": [r.to_api() for r in result.rows], "total": result.total.to_api()}


def worst_matters(period: Period, *, limit: int = 10, min_rated: int = 1, refresh: bool = True,
                  by_matter: StatsResult | None = None) -> list[StatsRow]:
    """Matters with the lowest satisfaction rate (then the most 不满意) among those rated."""
    by_matter = by_matter or compute(period, "matter", medians=False, refresh=refresh)
    rows = [r for r in by_matter.rows if r.rated >= min_rated]
    rows.sort(key=lambda r: (r.satisfaction_rate if r.satisfaction_rate is not None else 1.0, -r.unsatisfied))
    return rows[:limit]


@dataclass
class PageFigures:
    """Everything /staff/stats shows: the table (with medians), the week trend, the department bars, the worst
    matters and the latest 不满意 comments."""

    result: StatsResult
    trend: StatsResult
    by_department: StatsResult
    worst: list[StatsRow]
    comments: list[dict[str, Any]]


PANELS = ("week", "department", "matter")  # the page's trend, department bars and worst-matters table


def page_figures(period: Period, group_by: str) -> PageFigures:
    """One refresh; the panels are cheap rollup reads (or the table itself), with one overdue count for all."""
    now = utcnow()
    stats_rollup.refresh()
    _tune_reads()
    overdue = open_overdue_counts((group_by, *PANELS), period, now)
    panels = {name: compute(period, name, medians=False, refresh=False, now=now, overdue=overdue[name])
              for name in PANELS if name != group_by}
    comments = unsatisfied_comments(period)
    result = compute(period, group_by, refresh=False, now=now, overdue=overdue[group_by])
    panels[group_by] = result
    worst = worst_matters(period, by_matter=panels["matter"])
    return PageFigures(result, panels["week"], panels["department"], worst, comments)


def unsatisfied_comments(period: Period, *, limit: int = 50) -> list[dict[str, Any]]:
    """不满意 ratings of the period's cases, newest first, with the case to open (phones masked)."""
    query = (
        select(Rating.comment, Rating.created_at, Rating.channel, Rating.solved, Case.case_no, Case.matter_code,
               Report.contact_phone, Report.tracking_no)
        .select_from(Rating)
        .join(Case, Case.id == Rating.case_id)
        .join(Report, Report.id == Rating.report_id)
        .where(_in_period(period), Rating.rating == "unsatisfied")
        .order_by(Rating.created_at.desc(), Rating.id.desc())
        .limit(limit)
    )
    names = dict(db.session.query(Category.code, Category.name).all())
    return [
        {"case_no": row.case_no, "tracking_no": row.tracking_no, "comment": mask_text(row.comment) or "",
         "matter": names.get(row.matter_code or "", row.matter_code or "未分类"), "channel": row.channel,
         "solved": row.solved, "phone": mask_phone(row.contact_phone), "created_at": row.created_at}
        for row in db.session.execute(query)
    ]


# -- exports -----------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    ("label", "分组"), ("key", "代码"), ("cases", "案件数"), ("reports", "反映数"), ("rated", "评价数"),
    ("satisfied", "满意"), ("basically_satisfied", "基本满意"), ("unsatisfied", "不满意"),
    ("satisfaction_rate", "满意率"), ("solved_rate", "解决率"), ("survey_response_rate", "回访响应率"),
    ("handling_rate", "处置率"), ("on_time_rate", "按期办结率"), ("repeat_share", "重复反映占比"),
    ("median_register_hours", "立案用时中位数(小时)"), ("median_dispatch_hours", "派遣用时中位数(小时)"),
    ("median_close_hours", "结案用时中位数(小时)"),
)


def export_rows(result: StatsResult) -> list[list[Any]]:
    """Header plus one line per group and the total; rates as fractions (0.9123)."""
    lines: list[list[Any]] = [[title for _, title in EXPORT_COLUMNS]]
    for row in [*result.rows, result.total]:
        data = row.to_dict()
        lines.append([data[name] if data[name] is not None else "" for name, _ in EXPORT_COLUMNS])
    return lines


def to_csv(result: StatsResult) -> str:
    import csv
    import io

    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet programs read the Chinese headers as UTF-8
    csv.writer(buffer).writerows([[spreadsheet_cell(value) for value in line] for line in export_rows(result)])
    return buffer.getvalue()


def to_xlsx(result: StatsResult, comments: list[dict[str, Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = f"按{GROUP_TEXT[result.group_by]}"
    for line in export_rows(result):
        sheet.append([spreadsheet_cell(value) for value in line])
    for column in range(9, 15):
        for cell in list(sheet.iter_cols(min_col=column, max_col=column, min_row=2))[0]:
            cell.number_format = "0.00%"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("不满意评价")
    notes.append(["案件编号", "受理编号", "事项", "评价时间", "评价渠道", "问题是否解决", "居民电话", "意见"])
    for item in comments:
        notes.append([spreadsheet_cell(value) for value in (
            item["case_no"], item["tracking_no"], item["matter"],
            item["created_at"].astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            CHANNEL_TEXT.get(item["channel"], item["channel"]),
            {True: "是", False: "否"}.get(item["solved"], ""), item["phone"] or "", item["comment"])])
    meta = book.create_sheet("说明")
    meta.append(["统计期间", f"{result.period.start.isoformat()} 至 {result.period.end.isoformat()}"])
    meta.append(["口径", "期间内受理的案件；比率分母为 0 时留空"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
