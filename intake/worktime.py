"""Working-time arithmetic for 处置时限: Chinese public holidays and make-up working days (调休).

Computed in Asia/Shanghai, returned as aware UTC. Working days come first from the city's own calendar
(`WorkCalendar`: the State Council's holidays 休 and make-up days 班, loaded with `flask calendar import`
and handed in as plain data), then from `chinese_calendar`; for years neither knows (`chinese_calendar` is
updated yearly), weekdays except the fixed-date statutory holidays count as working days and a warning is
logged: lunar holidays and 调休 of such years are unknown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
WORKDAY_START = time(9)
WORKDAY_END = time(17, 30)
_MAX_DAYS = 3660  # guard against a calendar with no working days
# Statutory holidays on fixed solar dates (元旦, 劳动节, 国庆节); used only for years the calendar lacks.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


# The two kinds of day in an official holiday list, as the State Council's notice writes them.
DAY_OFF = "休"  # a holiday (放假), including the weekends inside it
MAKE_UP_DAY = "班"  # a weekend worked instead (调休上班)
DAY_KINDS = (DAY_OFF, MAKE_UP_DAY)


@dataclass(frozen=True)
class WorkCalendar:
    """The official working calendar of the years a city has loaded; other years fall back to chinese_calendar."""

    years: frozenset[int] = frozenset()
    days_off: frozenset[date] = frozenset()
    make_up_days: frozenset[date] = frozenset()

    def is_workday(self, day: date) -> bool:
        if day in self.make_up_days:
            return True
        return day.weekday() < 5 and day not in self.days_off


def is_workday(day: date, calendar: WorkCalendar | None = None) -> bool:
    """True on working days, including 调休 make-up weekends; False on public holidays."""
    if calendar is not None and day.year in calendar.years:
        return calendar.is_workday(day)
    return _builtin_is_workday(day)


@lru_cache(maxsize=4096)
def _builtin_is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


@lru_cache(maxsize=64)
def _warn_unknown_year(year: int) -> None:
    log.warning("chinese_calendar %s has no holiday data for %s; counting Monday-Friday except "
                "fixed-date holidays as working days", getattr(chinese_calendar, "__version__", "?"), year)


def calendar_knows(year: int, calendar: WorkCalendar | None = None) -> bool:
    """Whether holidays and make-up days of `year` are known (loaded by the city or in chinese_calendar)."""
    if calendar is not None and year in calendar.years:
        return True
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _local(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("working-time arithmetic needs timezone-aware datetimes")
    return dt.astimezone(LOCAL_TZ)


def _window(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    return datetime.combine(day, start, LOCAL_TZ), datetime.combine(day, end, LOCAL_TZ)


def add_working_time(start: datetime, amount: float, unit: str, *, workday_start: time = WORKDAY_START,
                     workday_end: time = WORKDAY_END, calendar: WorkCalendar | None = None) -> datetime:
    """The deadline `amount` `unit` after `start`.

    unit: "natural_hours" (wall-clock), "working_hours" (only time inside the working day on working
    days counts) or "working_days" (that many full working-day lengths of working time, so a report at
    10:00 on a Monday with 1 working day is due 10:00 on the next working day).
    """
    local = _local(start)
    if amount < 0:
        raise ValueError("amount must not be negative")
    if unit == "natural_hours":
        return (local + timedelta(hours=amount)).astimezone(UTC)
    day_length = datetime.combine(date.min, workday_end) - datetime.combine(date.min, workday_start)
    if day_length <= timedelta(0):
        raise ValueError("workday_end must be after workday_start")
    if unit == "working_hours":
        remaining = timedelta(hours=amount)
    elif unit == "working_days":
        remaining = day_length * amount
    else:
        raise ValueError(f"unknown time unit {unit!r}")
    cursor = local
    for _ in range(_MAX_DAYS):
        day = cursor.date()
        if is_workday(day, calendar):
            open_at, close_at = _window(day, workday_start, workday_end)
            begin = max(cursor, open_at)
            if begin < close_at:
                available = close_at - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(UTC)
                remaining -= available
        cursor = datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ)
    raise ValueError("no working time found within ten years")


def working_time_between(start: datetime, end: datetime, *, workday_start: time = WORKDAY_START,
                         workday_end: time = WORKDAY_END, calendar: WorkCalendar | None = None) -> timedelta:
    """Working time inside [start, end] (zero when end <= start)."""
    a, b = _local(start), _local(end)
    total = timedelta(0)
    day = a.date()
    while day <= b.date():
        if is_workday(day, calendar):
            open_at, close_at = _window(day, workday_start, workday_end)
            lo, hi = max(a, open_at), min(b, close_at)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def working_time_elapsed_fraction(start: datetime, deadline: datetime, now: datetime,
                                  unit: str = "working_hours", calendar: WorkCalendar | None = None) -> float:
    """How much of the time limit has been used (0 at start, 1 at the deadline, >1 overdue).

    For deadline lights: working units measure working time, natural_hours wall-clock time.
    """
    def measure(a: datetime, b: datetime) -> timedelta:
        if unit == "natural_hours":
            return max(b - a, timedelta(0))
        return working_time_between(a, b, calendar=calendar)

    total = measure(start, deadline)
    if total <= timedelta(0):
        return 1.0 if now >= deadline else 0.0
    if now >= deadline:
        return 1.0 + measure(deadline, now) / total
    return measure(start, now) / total
