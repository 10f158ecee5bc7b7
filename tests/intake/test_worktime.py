from datetime import UTC, datetime, time

import pytest

from intake.worktime import (
    LOCAL_TZ,
    add_working_time,
    calendar_knows,
    is_workday,
    working_time_elapsed_fraction,
)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def test_result_is_aware_utc_and_input_zone_does_not_matter():
    start_utc = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
    due = add_working_time(start_utc, 2, "working_hours")
    assert due.tzinfo == UTC
    assert due == sh(2026, 11, 24, 12, 0)
    with pytest.raises(ValueError):
        add_working_time(datetime(2026, 11, 24, 10), 2, "working_hours")


def test_working_hours_carry_over_to_next_morning():
    assert add_working_time(sh(2026, 11, 24, 16, 0), 4, "working_hours") == sh(2026, 11, 25, 11, 30)
    # reported after hours: the clock starts next working morning
    assert add_working_time(sh(2026, 11, 24, 20, 0), 1, "working_hours") == sh(2026, 11, 25, 10, 0)


def test_national_day_holiday_is_skipped():
    assert calendar_knows(2026)
    # 2026-09-30 (Wed) 16:00 + 4 working hours: 10-01..10-07 are holidays → Thursday 10-08 11:30
    assert add_working_time(sh(2026, 9, 30, 16, 0), 4, "working_hours") == sh(2026, 10, 8, 11, 30)
    assert add_working_time(sh(2026, 9, 30, 16, 0), 1, "working_days") == sh(2026, 10, 8, 16, 0)


def test_make_up_saturday_counts_as_working_day():
    assert is_workday(sh(2026, 10, 10).date())  # Saturday, 调休 after National Day
    assert add_working_time(sh(2026, 10, 9, 16, 0), 4, "working_hours") == sh(2026, 10, 10, 11, 30)
    # Spring Festival: Saturday 2026-02-14 is a make-up day, 02-15..02-23 are holidays
    assert add_working_time(sh(2026, 2, 13, 17, 0), 2, "working_hours") == sh(2026, 2, 14, 10, 30)
    assert add_working_time(sh(2026, 2, 14, 17, 0), 2, "working_hours") == sh(2026, 2, 24, 10, 30)


def test_natural_hours_ignore_the_calendar():
    assert add_working_time(sh(2026, 10, 1, 23, 0), 2, "natural_hours") == sh(2026, 10, 2, 1, 0)


def test_custom_working_day():
    due = add_working_time(sh(2026, 11, 24, 17, 0), 2, "working_hours", workday_start=time(8),
                           workday_end=time(18))
    assert due == sh(2026, 11, 25, 9, 0)


def test_year_without_calendar_data_falls_back_to_weekdays_and_fixed_holidays():
    if calendar_knows(2027):
        pytest.skip("the installed chinese_calendar knows 2027")
    # Thu 2026-12-31 16:00 + 4 working hours: 2027-01-01 is 元旦, then the weekend → Monday 01-04
    assert add_working_time(sh(2026, 12, 31, 16, 0), 4, "working_hours") == sh(2027, 1, 4, 11, 30)
    assert not is_workday(sh(2027, 1, 9).date())  # a Saturday
    assert is_workday(sh(2027, 1, 11).date())


def test_elapsed_fraction_counts_working_time():
    start = sh(2026, 10, 9, 16, 0)
    due = add_working_time(start, 4, "working_hours")
    assert working_time_elapsed_fraction(start, due, sh(2026, 10, 9, 17, 30)) == pytest.approx(0.375)
    # the night does not count
    assert working_time_elapsed_fraction(start, due, sh(2026, 10, 9, 23, 0)) == pytest.approx(0.375)
    assert working_time_elapsed_fraction(start, due, sh(2026, 10, 10, 12, 30)) == pytest.approx(1.25)
    assert working_time_elapsed_fraction(start, start.replace(hour=18), sh(2026, 10, 9, 17), "natural_hours") == 0.5


def test_a_loaded_calendar_comes_before_chinese_calendar():
    from datetime import date

    from intake.worktime import WorkCalendar

    # A city's list for 2026 that (hypothetically) moved National Day: it wins over the library.
    calendar = WorkCalendar(years=frozenset({2026}), days_off=frozenset({date(2026, 11, 24)}),
                            make_up_days=frozenset({date(2026, 11, 28)}))
    assert not is_workday(date(2026, 11, 24), calendar) and is_workday(date(2026, 11, 24))
    assert is_workday(date(2026, 11, 28), calendar) and not is_workday(date(2026, 11, 28))
    assert is_workday(date(2026, 10, 1), calendar)  # not in the city's list, so a working Thursday
    assert calendar_knows(2026, calendar) and calendar_knows(2031, WorkCalendar(years=frozenset({2031})))
    assert add_working_time(sh(2026, 11, 23, 16, 0), 4, "working_hours", calendar=calendar) == sh(2026, 11, 25, 11, 30)
