"""The city's working calendar: `flask calendar import PATH` loads a year's official holidays and make-up days.

chinese_calendar is released once a year and knows nothing after its release (1.11.0: 2026 is its last year),
so 2027 Spring Festival days would count as working days. A city loads the State Council's notice itself.

File format (CSV, UTF-8, a header line, one row per day that differs from Monday–Friday working):

    date,kind,name
    2027-02-06,休,春节
    2027-02-14,班,春节调休

`kind` is 休 (a holiday, weekends inside it included) or 班 (a weekend worked instead). Every year with a row
in the file is taken as complete and replaces whatever was loaded for that year before.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask import g, has_app_context

from intake.worktime import DAY_KINDS, DAY_OFF, LOCAL_TZ, MAKE_UP_DAY, WorkCalendar, calendar_knows
from service_api.extensions import db
from service_api.models import WorkCalendarDay, utcnow

HEADER = ("date", "kind", "name")
CACHE_SECONDS = 60  # how long a process keeps the calendar before reading it again (imports run elsewhere)
_CACHE_KEY = "_work_calendar"


class CalendarFileError(ValueError):
    """The file is not a valid calendar; `problems` says what is wrong on which line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: str
    name: str | None


def parse_calendar_csv(text: str) -> list[CalendarDay]:
    """The days of a calendar file; CalendarFileError listing every bad line."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows or tuple(c.strip().lower() for c in rows[0][:2]) != HEADER[:2]:
        raise CalendarFileError(["第1行应为表头 date,kind,name"])
    problems: list[str] = []
    days: dict[date, CalendarDay] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row] + ["", ""]
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            problems.append(f"第{number}行：日期 {cells[0]!r} 应写作 YYYY-MM-DD")
            continue
        kind = cells[1]
        if kind not in DAY_KINDS:
            problems.append(f"第{number}行：类型 {kind!r} 应为 {DAY_OFF}（放假）或 {MAKE_UP_DAY}（调休上班）")
        elif kind == MAKE_UP_DAY and day.weekday() < 5:
            problems.append(f"第{number}行：{day} 是周一至周五，本就上班，不应标为{MAKE_UP_DAY}")
        elif day in days:
            problems.append(f"第{number}行：{day} 重复出现")
        else:
            days[day] = CalendarDay(day, kind, cells[2][:32] or None)
    if not days and not problems:
        problems.append("文件中没有任何日期")
    if problems:
        raise CalendarFileError(problems)
    return sorted(days.values(), key=lambda d: d.day)


def import_calendar(path: Path) -> dict[int, tuple[int, int]]:
    """Replace the loaded years found in the file; {year: (holidays, make-up days)}. Commits."""
    days = parse_calendar_csv(path.read_text(encoding="utf-8"))
    years = sorted({d.day.year for d in days})
    db.session.query(WorkCalendarDay).filter(WorkCalendarDay.year.in_(years)).delete(synchronize_session=False)
    now = utcnow()
    db.session.add_all(WorkCalendarDay(day=d.day, year=d.day.year, kind=d.kind, name=d.name, imported_at=now)
                       for d in days)
    db.session.commit()
    forget_cached_calendar()
    return {year: (sum(1 for d in days if d.day.year == year and d.kind == DAY_OFF),
                   sum(1 for d in days if d.day.year == year and d.kind == MAKE_UP_DAY)) for year in years}


def load_calendar() -> WorkCalendar:
    """The loaded calendar as plain data for intake.worktime (read from the database)."""
    rows = db.session.query(WorkCalendarDay.day, WorkCalendarDay.kind).all()
    return WorkCalendar(years=frozenset(day.year for day, _ in rows),
                        days_off=frozenset(day for day, kind in rows if kind == DAY_OFF),
                        make_up_days=frozenset(day for day, kind in rows if kind == MAKE_UP_DAY))


def current_calendar() -> WorkCalendar:
    """load_calendar, kept for CACHE_SECONDS in the app context (a case list asks once per row)."""
    if not has_app_context():
        return WorkCalendar()
    cached = g.get(_CACHE_KEY)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    calendar = load_calendar()
    setattr(g, _CACHE_KEY, (time.monotonic(), calendar))
    return calendar


def forget_cached_calendar() -> None:
    if has_app_context():
        g.pop(_CACHE_KEY, None)


def unknown_calendar_year(moment: datetime | None) -> int | None:
    """The year of `moment` (Asia/Shanghai) when its holidays are unknown, so a deadline there may be wrong."""
    if moment is None:
        return None
    year = moment.astimezone(LOCAL_TZ).year
    return None if calendar_knows(year, current_calendar()) else year
