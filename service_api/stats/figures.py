"""Satisfaction and performance rates, aggregated in the database (GROUP BY), never row by row in Python.

A period is a range of local (Asia/Shanghai) dates; the cohort is the cases *created* in it (basis "created")
or the cases *closed* in it (basis "closed"), and every figure of a group (ratings, surveys, deadlines) belongs
to that cohort, so the columns of one row agree.

compute() sums the per-day rollup (stats/rollup.py, refreshed first, so the figures are exact) and adds
the one figure that moves with the clock, open cases past their deadline, counted live; medians are selected
from the period's durations, kept per day beside the rollup (stats_durations), exact for any period.
compute_direct() gives the same result straight from the base tables (the reference the rollup is tested and
benchmarked against).

Definitions: stats/indicators.py (one place, also shown on the page, in the API and the exports). A
rate is None when its denominator is 0: an empty group is "no data", not 0 %.

Why one module of ~800 lines: the rollup path and the direct path must produce the same rows for every
`group_by` and basis (tests compare them column by column); their group keys, labels and row assembly are shared
and kept side by side so a change to one is seen next to the other. The downloads are in stats/export.py.
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
    CaseEvent,
    Category,
    Department,
    Rating,
    Report,
    StatsDurations,
    StatsRollup,
    Survey,
    utcnow,
)
from service_api.privacy import mask_phone, mask_text
from service_api.stats import durations as stats_durations
from service_api.stats import rollup as stats_rollup
from service_api.stats.indicators import BASES, DEFAULT_BASIS, INDICATORS, MEDIAN_COUNTS, RATES
from service_api.vocab import HANDLED_STATUSES, RATINGS, Satisfaction

SHANGHAI = ZoneInfo("Asia/Shanghai")
GROUP_BY = ("department", "matter", "major", "district", "street", "community", "channel", "week", "month")
GROUP_TEXT = {
    "department": "部门", "matter": "事项小类", "major": "事项大类", "district": "区", "street": "街道",
    "community": "社区", "channel": "渠道", "week": "周", "month": "月",
}
CALENDAR_GROUPS = ("week", "month")
RATING_TEXT = RATINGS
# The additive counts of a row (each case is in exactly one group); `cases` is 受理数 (`received`).
COUNTS = ("cases", "reports", "pending", "rejected", "registered", "dispatched", "handled", "due", "closed",
          "on_time_close", "on_time_resolve", "reworked", "extended", "rated", "satisfied", "basically_satisfied",
          "unsatisfied", "solved", "solved_answered", "rated_closed", "surveys_sent", "surveys_answered")
# Rollup column → row count (due_closed is both 结案数 and the closed part of 应结案数).
_FROM_ROLLUP = {"due_closed": ("closed", "due"), "on_time": ("on_time_resolve",)}
# Columns of the JSON API (GET /api/v1/stats/satisfaction): every indicator, each rate with its numerator and
# denominator, each median with the count of cases it covers.
API_FIELDS = (
    "key", "label", "cases",
    *[name for i in INDICATORS for name in (
        (i.name, f"{i.name}_numerator", f"{i.name}_denominator") if i.is_rate
        else (i.name, MEDIAN_COUNTS[i.name]) if i.name in MEDIAN_COUNTS else (i.name,))],
)


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
    cases: int = 0  # 受理数
    reports: int = 0
    pending: int = 0
    rejected: int = 0
    registered: int = 0
    dispatched: int = 0
    handled: int = 0
    due: int = 0
    closed: int = 0
    on_time_close: int = 0
    on_time_resolve: int = 0
    reworked: int = 0
    extended: int = 0
    rated: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    solved: int = 0
    solved_answered: int = 0
    rated_closed: int = 0
    surveys_sent: int = 0
    surveys_answered: int = 0
    median_register_hours: float | None = None
    median_dispatch_hours: float | None = None
    median_close_hours: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def received(self) -> int:
        return self.cases

    @property
    def satisfied_or_basically(self) -> int:
        return self.satisfied + self.basically_satisfied

    @property
    def repeats(self) -> int:
        return self.reports - self.cases

    # The cases each median covers: those that reached the step.
    @property
    def median_register_count(self) -> int:
        return self.registered

    @property
    def median_dispatch_count(self) -> int:
        return self.dispatched

    @property
    def median_close_count(self) -> int:
        return self.closed

    def fraction(self, rate: str) -> tuple[int, int]:
        """(numerator, denominator) of a rate of stats_indicators.RATES."""
        indicator = _RATE_OF[rate]
        return getattr(self, indicator.numerator), getattr(self, indicator.denominator)

    def rate(self, name: str) -> float | None:
        return ratio(*self.fraction(name))

    def to_api(self) -> dict[str, Any]:
        return self.to_dict()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in API_FIELDS:
            if name not in data:  # a rate's numerator and denominator are set with the rate
                data[name] = getattr(self, name)
            if name in _RATE_OF:
                data[f"{name}_numerator"], data[f"{name}_denominator"] = self.fraction(name)
        return data


_RATE_OF = {indicator.name: indicator for indicator in RATES}


def _rate_property(name: str) -> property:
    return property(lambda row: row.rate(name), doc=f"stats_indicators: {name}")


# Each rate of stats_indicators is a property of the row (satisfaction_rate, closed_rate, …).
for _indicator in RATES:
    setattr(StatsRow, _indicator.name, _rate_property(_indicator.name))


@dataclass
class StatsResult:
    group_by: str
    period: Period
    rows: list[StatsRow]
    total: StatsRow
    basis: str = DEFAULT_BASIS

    @property
    def basis_label(self) -> str:
        return BASES[self.basis][0]

    @property
    def basis_text(self) -> str:
        return BASES[self.basis][1]


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


# -- SQL building blocks ---------------------------------------------------------------------------

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _basis_time(basis: str) -> ColumnElement[Any]:
    """The case time that puts a case in a period: receipt, or closing."""
    return Case.closed_at if basis == "closed" else Case.created_at


def _key_expr(group_by: str, basis: str = DEFAULT_BASIS) -> ColumnElement[Any]:
    if group_by == "department":
        return stats_rollup.DISPATCHED_DEPARTMENT
    if group_by == "matter":
        return Case.matter_code
    if group_by == "major":
        return func.substr(Case.matter_code, 1, 2)
    if group_by == "district":
        return Case.district_code
    if group_by == "street":
        return Case.street_code
    if group_by == "community":
        return Case.community_code
    if group_by == "channel":
        return Case.source_channel
    when = _basis_time(basis)
    if group_by in CALENDAR_GROUPS:  # the Monday of the local week / the 1st of the month, as YYYY-MM-DD
        if _dialect() == "postgresql":
            # Grouped on the truncated timestamp (cheap); formatted as YYYY-MM-DD by _raw_key.
            return func.date_trunc(group_by, func.timezone(SHANGHAI.key, when))
        if group_by == "month":
            return func.date(when, "+8 hours", "start of month")
        return func.date(when, "+8 hours", "weekday 0", "-6 days")
    raise ValueError(f"group_by must be one of {', '.join(GROUP_BY)}")


# For the rest of the session's transaction (SET LOCAL), set once however many reads it makes:
# - no JIT: compiling these one-off aggregates costs more than it saves;
# - a plan for each statement's own period: after five executions psycopg prepares a statement, and
#   PostgreSQL's generic plan for a date range cannot use the period's own selectivity;
# - sorts in memory: the open-overdue count over a year would otherwise sort on disk.
# (The measurements: bench/README "Stats".)
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


def _in_period(period: Period, basis: str = DEFAULT_BASIS) -> ColumnElement[bool]:
    start, end = period.bounds()
    when = _basis_time(basis)
    return and_(when >= start, when < end)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


Key = ColumnElement[Any] | None  # None: one row over everything (the total)


def _key_column(key: Key) -> ColumnElement[Any]:
    return (key if key is not None else literal_column("'total'")).label("key")


def _grouped(query: Select[Any], key: Key) -> Select[Any]:
    return query.group_by(key) if key is not None else query


def _case_query(key: Key, period: Period, now: datetime, basis: str) -> Select[Any]:
    closed = Case.closed_at.is_not(None)
    due = or_(closed, and_(Case.deadline.is_not(None), Case.deadline < now))
    # rated in the current closing round (a reopened case closed again is asked again)
    rated = select(Rating.id).where(Rating.case_id == Case.id, Rating.round == Case.reopen_count + 1).exists()
    extended = select(CaseEvent.id).where(CaseEvent.case_id == Case.id,
                                          CaseEvent.action == stats_rollup.EXTEND_ACTION).exists()
    return _grouped(
        select(
            _key_column(key),
            func.count().label("cases"),
            func.coalesce(func.sum(Case.report_count), 0).label("reports"),
            _count_if(Case.status == stats_rollup.PENDING_STATUS).label("pending"),
            func.count(Case.rejected_at).label("rejected"),
            func.count(Case.registered_at).label("registered"),
            func.count(Case.dispatched_at).label("dispatched"),
            _count_if(Case.status.in_(HANDLED_STATUSES)).label("handled"),
            _count_if(due).label("due"),
            func.count(Case.closed_at).label("closed"),
            _count_if(and_(closed, stats_rollup.closed_on_time())).label("on_time_close"),
            _count_if(and_(due, stats_rollup.resolved_on_time())).label("on_time_resolve"),
            _count_if(Case.reopen_count > 0).label("reworked"),
            _count_if(extended).label("extended"),
            _count_if(and_(closed, rated)).label("rated_closed"),
        )
        .where(_in_period(period, basis)),
        key,
    )


def _rating_query(key: Key, period: Period, basis: str) -> Select[Any]:
    return _grouped(
        select(
            _key_column(key),
            func.count().label("rated"),
            _count_if(Rating.rating == Satisfaction.SATISFIED).label("satisfied"),
            _count_if(Rating.rating == Satisfaction.BASICALLY_SATISFIED).label("basically_satisfied"),
            _count_if(Rating.rating == Satisfaction.UNSATISFIED).label("unsatisfied"),
            _count_if(Rating.solved.is_(True)).label("solved"),
            func.count(Rating.solved).label("solved_answered"),
        )
        .select_from(Rating)
        .join(Case, Case.id == Rating.case_id)
        .where(_in_period(period, basis)),
        key,
    )


def _survey_query(key: Key, period: Period, basis: str) -> Select[Any]:
    return _grouped(
        select(
            _key_column(key),
            func.count(Survey.sent_at).label("surveys_sent"),
            _count_if(and_(Survey.sent_at.is_not(None), Survey.status == "answered")).label("surveys_answered"),
        )
        .select_from(Survey)
        .join(Case, Case.id == Survey.case_id)
        .where(_in_period(period, basis)),
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


def _median_rows(key: Key, period: Period, basis: str = DEFAULT_BASIS) -> dict[Any, dict[str, float | None]]:
    """Median durations per group: percentile_cont on PostgreSQL, a window-function median elsewhere."""
    result: dict[Any, dict[str, float | None]] = {}
    if _dialect() == "postgresql":
        # Medians sort every duration of the period; let the sort stay in memory (this transaction only).
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        # One query per duration: each sorts only the cases that reached that step.
        for name, end in _DURATIONS.items():
            median = func.percentile_cont(0.5).within_group(_seconds_between(Case.created_at, end))
            query = _grouped(select(_key_column(key), median.label("m"))
                             .where(_in_period(period, basis), end.is_not(None)), key)
            for row in db.session.execute(query).mappings():
                result.setdefault(row["key"], {})[name] = _hours(row["m"])
        return result
    for name, end in _DURATIONS.items():
        seconds = _seconds_between(Case.created_at, end)
        ranked = (
            select(_key_column(key), seconds.label("d"),
                   func.row_number().over(partition_by=key, order_by=seconds).label("rn"),
                   func.count().over(partition_by=key).label("n"))
            .where(_in_period(period, basis), end.is_not(None))
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

def _labels(group_by: str, keys: list[Any], period: Period) -> dict[Any, tuple[str | None, str]]:
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
    elif group_by in ("district", "street", "community"):
        names = _area_names(present)
        labels.update({k: (k, names.get(k) or k) for k in present})
    elif group_by == "channel":
        labels.update({k: (k, CHANNEL_TEXT.get(k, k)) for k in present})
    else:  # week, month: the first day as YYYY-MM-DD
        labels.update({k: (k, calendar_label(group_by, date.fromisoformat(k), period)) for k in present})
    for k in present:
        labels.setdefault(k, (str(k), str(k)))
    return labels


def calendar_label(group_by: str, first: date, period: Period) -> str:
    """The real dates of a week or month within the period, and whether it is cut short by the period."""
    if group_by == "month":
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    else:
        last = first + timedelta(days=6)
    start, end = max(first, period.start), min(last, period.end)
    label = f"{start.isoformat()} 至 {end.isoformat()}"
    if (start, end) != (first, last):
        label += "（不足一周）" if group_by == "week" else "（不足一月）"
    return label


_NONE_TEXT = {
    "department": "未派遣（待分拣、不予立案、待派遣）", "matter": "未分类", "major": "未分类", "district": "未定位",
    "street": "未定位", "community": "未定位",
    "channel": "未知渠道", "week": "—", "month": "—",
}


def _area_names(codes: list[str]) -> dict[str, str | None]:
    try:
        from service_api.cases import intake_runtime

        gazetteer = intake_runtime.geocoder().gaz
    except Exception:  # labels are a nicety: a missing gazetteer must not break the numbers
        return {}
    return {code: gazetteer.area_name(code) for code in codes}


# -- public functions --------------------------------------------------------------------------------

def _check(group_by: str, basis: str) -> None:
    if group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {', '.join(GROUP_BY)}")
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}")


def compute(period: Period, group_by: str, *, medians: bool = True, now: datetime | None = None,
            refresh: bool = True, overdue: dict[Any, tuple[int, int]] | None = None,
            basis: str = DEFAULT_BASIS) -> StatsResult:
    """Every indicator for each group of the cases created (or closed, `basis`) in `period`, plus the total.

    Counts come from the per-day rollup (refreshed first unless `refresh` is False: the caller just did),
    plus the open cases past their deadline at `now`, counted live (or given as `overdue`, see
    open_overdue_counts); medians from the per-day durations (exact, see _medians).
    """
    _check(group_by, basis)
    now = now or utcnow()
    if refresh:
        stats_rollup.refresh()
    _tune_reads()
    rows = _rollup_rows(group_by, period, now, overdue, basis)
    total = _sum_rows(list(rows.values()))
    if medians:
        for group_key, values in _medians(group_by, period, basis).items():
            target = total if group_key is _TOTAL else rows.get(group_key)
            if target is None:  # a group a concurrent refresh committed between the two reads
                continue
            for name, value in values.items():
                setattr(target, name, value)
    return _finish(group_by, period, rows, total, basis)


def compute_direct(period: Period, group_by: str, *, medians: bool = True, now: datetime | None = None,
                   basis: str = DEFAULT_BASIS) -> StatsResult:
    """The same as compute(), straight from the base tables (the reference the rollup is tested against)."""
    _check(group_by, basis)
    now = now or utcnow()
    key = _key_expr(group_by, basis)
    rows = _collect(key, period, now, medians, basis)
    total = _sum_rows(list(rows.values()))
    if medians:  # medians do not add up: one more query over the whole period
        for name, value in _median_rows(None, period, basis).get("total", {}).items():
            setattr(total, name, value)
    rows = {_raw_key(group_by, k): row for k, row in rows.items()}
    return _finish(group_by, period, rows, total, basis)


def _finish(group_by: str, period: Period, rows: dict[Any, StatsRow], total: StatsRow,
            basis: str = DEFAULT_BASIS) -> StatsResult:
    labels = _labels(group_by, list(rows), period)
    result_rows: list[StatsRow] = []
    for raw_key, row in rows.items():
        row.key, row.label = labels.get(raw_key, (str(raw_key), str(raw_key)))
        result_rows.append(row)
    if group_by in CALENDAR_GROUPS:
        result_rows.sort(key=lambda r: r.key or "")
    else:
        result_rows.sort(key=lambda r: (-r.cases, r.key or ""))
    total.key, total.label = "total", "合计"
    return StatsResult(group_by=group_by, period=period, rows=result_rows, total=total, basis=basis)


def _calendar_key(group_by: str, value: Any) -> str:
    """The first day (Monday, or the 1st) of the week or month of a local day (date, 'YYYY-MM-DD' or a local
    timestamp) as YYYY-MM-DD."""
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if group_by == "month":
        return value.replace(day=1).isoformat()
    return (value - timedelta(days=value.weekday())).isoformat()


# -- rollup reads ------------------------------------------------------------------------------------

_DIMENSION_OF = {"major": "matter", "week": "total", "month": "total"}
_TOTAL = object()  # the key of the whole period's medians


def _raw_key(group_by: str, key: Any) -> Any:
    """A rollup key (text) or a live query's key → the key the rows are merged by (department ids are ints,
    '' is none, weeks and months are their first day as YYYY-MM-DD)."""
    if key is None or key == "":
        return None
    if group_by == "department":
        return int(key)
    if group_by in CALENDAR_GROUPS:
        return _calendar_key(group_by, key)
    return key


def _dimension(group_by: str, basis: str) -> str:
    name = _DIMENSION_OF.get(group_by, group_by)
    return stats_rollup.CLOSED_PREFIX + name if basis == "closed" else name


def _per_day_rows(model: type[StatsRollup] | type[StatsDurations], group_by: str, period: Period,
                  dimension: str) -> tuple[ColumnElement[Any], ColumnElement[bool]]:
    """For a per-day table (dimension, day, key): what to group its rows by for `group_by` (weeks, months: the
    day, merged by _raw_key; major: the matter key's first two characters), and the period's rows of
    `dimension`."""
    if group_by in CALENDAR_GROUPS:
        key: ColumnElement[Any] = model.day
    elif group_by == "major":
        key = func.substr(model.key, 1, 2)
    else:
        key = model.key
    return key, and_(model.dimension == dimension, model.day >= period.start, model.day <= period.end)


def _rollup_rows(group_by: str, period: Period, now: datetime,
                 overdue: dict[Any, tuple[int, int]] | None = None,
                 basis: str = DEFAULT_BASIS) -> dict[Any, StatsRow]:
    """Sums of the rollup's days in the period per group; in the "created" basis with the live overdue counts
    (or `overdue`) added to `due` and `on_time_resolve` (the "closed" basis has only closed cases)."""
    key, chosen = _per_day_rows(StatsRollup, group_by, period, _dimension(group_by, basis))
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
            for attribute in _FROM_ROLLUP.get(name, (name,)):
                setattr(target, attribute, getattr(target, attribute) + value)
    if basis == "closed":
        return rows
    if overdue is None:
        overdue = open_overdue_counts((group_by,), period, now)[group_by]
    for group_key, (count, resolved_in_time) in overdue.items():
        target = rows.setdefault(group_key, StatsRow(key=None, label=""))
        target.due += count
        target.on_time_resolve += resolved_in_time
    return rows


def _overdue_key(group_by: str) -> ColumnElement[Any]:
    if group_by in CALENDAR_GROUPS:
        return stats_rollup.local_day(Case.created_at, _dialect())
    if group_by == "department":  # a deadline is set by dispatching: the department is the one dispatched to
        return Case.department_id
    return _key_expr(group_by)


def open_overdue_counts(group_bys: tuple[str, ...], period: Period, now: datetime
                        ) -> dict[str, dict[Any, tuple[int, int]]]:
    """Open cases of the period past their deadline at `now` (due without being closed), and how many of them
    were resolved by it (awaiting 核查), per group of each of `group_bys`: on PostgreSQL one scan of the partial
    index for all of them (GROUPING SETS)."""
    group_bys = tuple(dict.fromkeys(group_bys))
    overdue = and_(_in_period(period), Case.closed_at.is_(None), Case.deadline.is_not(None), Case.deadline < now)
    in_time = _count_if(Case.resolved_at <= Case.deadline).label("r")
    counts: dict[str, dict[Any, tuple[int, int]]] = {group_by: {} for group_by in group_bys}

    def add(group_by: str, group_key: Any, n: int, r: int) -> None:
        raw = _raw_key(group_by, group_key)
        old = counts[group_by].get(raw, (0, 0))
        counts[group_by][raw] = (old[0] + int(n), old[1] + int(r))

    if _dialect() != "postgresql" or len(group_bys) == 1:  # SQLite has no GROUPING SETS
        for group_by in group_bys:
            key = _overdue_key(group_by)
            for group_key, n, r in db.session.execute(
                    select(key.label("key"), func.count(), in_time).where(overdue).group_by(key)):
                add(group_by, group_key, n, r)
        return counts
    keys = [_overdue_key(group_by).label(f"k{index}") for index, group_by in enumerate(group_bys)]
    sets = func.grouping_sets(*[tuple_(key.element) for key in keys])
    query = (select(*keys, func.grouping(*[key.element for key in keys]).label("g"), func.count().label("n"),
                    in_time)
             .where(overdue).group_by(sets))
    width = len(keys)
    for row in db.session.execute(query):
        # grouping() has a 1 bit for every key not in the row's set: the set is the one 0 bit.
        index = next(i for i in range(width) if not row.g & (1 << (width - 1 - i)))
        add(group_bys[index], row[index], row.n, row.r)
    return counts


MedianValues = dict[Any, dict[str, float | None]]  # raw group key (or _TOTAL) → the three median hours
_MEDIAN_NAMES = tuple(_DURATIONS)  # in DURATION_STEPS order (register, dispatch, close)
_STEP_COLUMNS = tuple(StatsDurations.__table__.c[step] for step in DURATION_STEPS)


def _medians(group_by: str, period: Period, basis: str = DEFAULT_BASIS) -> MedianValues:
    """Median hours per group and in total (key _TOTAL), keyed like _rollup_rows, exact.

    The period's durations are concatenated from stats_durations (PostgreSQL: string_agg per group in the
    database) and the middle values selected with numpy, interpolated as percentile_cont(0.5) does.
    """
    # Weeks and months from the channel rows (every case has a channel; durations keep no per-day total).
    dimension = _dimension("channel" if group_by in CALENDAR_GROUPS else group_by, basis)
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


ADDITIVE = COUNTS


def _sum_rows(rows: list[StatsRow]) -> StatsRow:
    """The total of the groups: every count is additive (each case is in exactly one group)."""
    total = StatsRow(key="total", label="合计")
    for name in ADDITIVE:
        setattr(total, name, sum(getattr(row, name) for row in rows))
    return total


def _collect(key: Key, period: Period, now: datetime, medians: bool, basis: str) -> dict[Any, StatsRow]:
    rows: dict[Any, StatsRow] = {}

    def row_for(group_key: Any) -> StatsRow:
        if group_key not in rows:
            rows[group_key] = StatsRow(key=None, label="")
        return rows[group_key]

    for query in (_case_query(key, period, now, basis), _rating_query(key, period, basis),
                  _survey_query(key, period, basis)):
        for mapping in db.session.execute(query).mappings():
            target = row_for(mapping["key"])
            for name, value in mapping.items():
                if name != "key":
                    setattr(target, name, int(value or 0))
    if medians:
        for group_key, values in _median_rows(key, period, basis).items():
            for name, value in values.items():
                setattr(row_for(group_key), name, value)
    return rows


def satisfaction(period: Period, group_by: str, basis: str = DEFAULT_BASIS) -> dict[str, Any]:
    """The JSON of GET /api/v1/stats/satisfaction."""
    result = compute(period, group_by, basis=basis)
    return {"from": period.start, "to": period.end, "group_by": group_by, "basis": basis,
            "basis_text": f"{result.basis_label}：{result.basis_text}",
            "rows": [r.to_api() for r in result.rows], "total": result.total.to_api()}


def worst_matters(period: Period, *, limit: int = 10, min_rated: int = 1, refresh: bool = True,
                  by_matter: StatsResult | None = None, basis: str = DEFAULT_BASIS) -> list[StatsRow]:
    """Matters with the lowest satisfaction rate (then the most 不满意) among those rated."""
    by_matter = by_matter or compute(period, "matter", medians=False, refresh=refresh, basis=basis)
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


def page_figures(period: Period, group_by: str, basis: str = DEFAULT_BASIS) -> PageFigures:
    """One refresh; the panels are cheap rollup reads (or the table itself), with one overdue count for all."""
    now = utcnow()
    stats_rollup.refresh()
    _tune_reads()
    overdue: dict[str, Any] = (open_overdue_counts((group_by, *PANELS), period, now) if basis == "created"
                               else {name: {} for name in (group_by, *PANELS)})
    panels = {name: compute(period, name, medians=False, refresh=False, now=now, overdue=overdue[name],
                            basis=basis)
              for name in PANELS if name != group_by}
    comments = unsatisfied_comments(period, basis=basis)
    result = compute(period, group_by, refresh=False, now=now, overdue=overdue[group_by], basis=basis)
    panels[group_by] = result
    worst = worst_matters(period, by_matter=panels["matter"])
    return PageFigures(result, panels["week"], panels["department"], worst, comments)


def unsatisfied_comments(period: Period, *, limit: int = 50, basis: str = DEFAULT_BASIS) -> list[dict[str, Any]]:
    """不满意 ratings of the period's cases, newest first, with the case to open (phones masked)."""
    query = (
        select(Rating.comment, Rating.created_at, Rating.channel, Rating.solved, Case.case_no, Case.matter_code,
               Report.contact_phone, Report.tracking_no)
        .select_from(Rating)
        .join(Case, Case.id == Rating.case_id)
        .join(Report, Report.id == Rating.report_id)
        .where(_in_period(period, basis), Rating.rating == Satisfaction.UNSATISFIED)
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
