"""The per-day rollup behind stats/figures.py (maintained by stats/rollup.py, never by write paths)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from service_api.models.base import Base

# The additive counts of one (day, dimension, key), in table order.
# due_closed: closed cases (结案数, the closed part of 应结案数); on_time: closed cases resolved by their deadline
# (the closed part of 按期处置数); migration 0011 added the columns after surveys_answered.
ROLLUP_COUNTS = (
    "cases", "reports", "dispatched", "handled", "due_closed", "on_time", "rated", "satisfied",
    "basically_satisfied", "unsatisfied", "solved", "solved_answered", "surveys_sent", "surveys_answered",
    "pending", "rejected", "registered", "on_time_close", "reworked", "extended", "rated_closed",
)


class RollupCounts:
    """The additive counts after `cases` (ROLLUP_COUNTS), shared by the rollup and the per-case facts."""

    reports: Mapped[int] = mapped_column(default=0)
    dispatched: Mapped[int] = mapped_column(default=0)
    handled: Mapped[int] = mapped_column(default=0)
    due_closed: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    basically_satisfied: Mapped[int] = mapped_column(default=0)
    unsatisfied: Mapped[int] = mapped_column(default=0)
    solved: Mapped[int] = mapped_column(default=0)
    solved_answered: Mapped[int] = mapped_column(default=0)
    surveys_sent: Mapped[int] = mapped_column(default=0)
    surveys_answered: Mapped[int] = mapped_column(default=0)
    pending: Mapped[int] = mapped_column(default=0)  # waiting for triage (status received)
    rejected: Mapped[int] = mapped_column(default=0)  # 不予立案
    registered: Mapped[int] = mapped_column(default=0)  # 立案
    on_time_close: Mapped[int] = mapped_column(default=0)  # closed by the deadline (or without one)
    reworked: Mapped[int] = mapped_column(default=0)  # reopened at least once (返工)
    extended: Mapped[int] = mapped_column(default=0)  # deadline extended at least once (延期)
    rated_closed: Mapped[int] = mapped_column(default=0)  # closed and rated through any channel


class StatsRollup(RollupCounts, Base):
    """Counts of the cases *created* on one local (Asia/Shanghai) day, per dimension and key.

    `key` is the group's raw value as text ('' for none: not dispatched, unclassified, unlocated); the `total`
    dimension has one row per day with key ''. Dimensions prefixed `c_` count the cases *closed* on the day
    instead (the "closed" basis). `due_closed` counts closed cases only: open cases past their
    deadline depend on the clock and are counted live.
    """

    __tablename__ = "stats_rollup"

    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # Byte order on PostgreSQL: codes need no linguistic collation, and grouping a year's rows by key is cheaper.
    key: Mapped[str] = mapped_column(String(32).with_variant(String(32, collation="C"), "postgresql"),
                                     primary_key=True)
    cases: Mapped[int] = mapped_column(default=0)


class StatsCaseFacts(RollupCounts, Base):
    """What one case contributes to the rollup, as last folded in: the refresh subtracts these and adds the new
    ones for each changed case, so its cost follows the number of changed cases, not of their days' cases."""

    __tablename__ = "stats_case_facts"

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date)
    k_department: Mapped[str] = mapped_column(String(32))  # rollup keys: '' for none
    k_matter: Mapped[str] = mapped_column(String(32))
    k_district: Mapped[str] = mapped_column(String(32))
    k_street: Mapped[str] = mapped_column(String(32))
    k_community: Mapped[str] = mapped_column(String(32))
    k_channel: Mapped[str] = mapped_column(String(32))
    cases: Mapped[int] = mapped_column(default=1)
    # The local day it was closed (None: open): the day of its rows in the "closed" basis (dimensions c_…).
    close_day: Mapped[date | None] = mapped_column(Date)
    # Seconds from receipt to each step (None: not reached), as the direct medians compute them.
    register_seconds: Mapped[float | None]
    dispatch_seconds: Mapped[float | None]
    close_seconds: Mapped[float | None]


# The steps whose durations stats_durations keeps, and the fact column of each.
DURATION_STEPS = ("register", "dispatch", "close")


class StatsDurations(Base):
    """Every duration (seconds from receipt to register / dispatch / close) of the cases created on one local day,
    per dimension and key as in stats_rollup (but no `total` rows: every case is in one group of each dimension,
    so a day's durations are those of its channel rows): packed big-endian float8 (PostgreSQL's float8send), in
    no order.

    Medians do not add up, but the durations of a period concatenate: the exact median of a year is one read
    of these rows and a selection in numpy, not a sort of half a million cases per step. Kept by
    stats/rollup.py together with the rollup (rows with no durations at all are not stored).
    """

    __tablename__ = "stats_durations"

    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(32).with_variant(String(32, collation="C"), "postgresql"),
                                     primary_key=True)
    register: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    dispatch: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    close: Mapped[bytes] = mapped_column(LargeBinary, default=b"")


class StatsRollupState(Base):
    """One row (id 1): up to when the rollup has seen the base tables. No row or no watermark: build it all."""

    __tablename__ = "stats_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    watermark: Mapped[datetime | None]
    built_at: Mapped[datetime | None]  # last full build
    refreshed_at: Mapped[datetime | None]
    cases_refreshed: Mapped[int] = mapped_column(default=0)  # cases folded in again by the last refresh
