"""The city's working calendar: `flask calendar import PATH`, deadlines that follow it, and the console's
warning when a deadline falls in a year whose holidays nobody has loaded (issue 17, item 10)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from intake.worktime import LOCAL_TZ, calendar_knows
from service_api.cases.intake_pipeline import deadline_for
from service_api.extensions import db
from service_api.models import Case, WorkCalendarDay
from tests.staff.test_desk import make_case

# A made-up 2027 list in the format of the notice (the test must not depend on the real one).
CALENDAR_2027 = """date,kind,name
2027-01-01,休,元旦
2027-02-06,休,春节
2027-02-07,休,春节
2027-02-08,休,春节
2027-02-09,休,春节
2027-02-10,休,春节
2027-02-11,休,春节
2027-02-12,休,春节
2027-02-13,休,春节
2027-02-14,休,春节
2027-02-20,班,春节调休
"""


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def write(tmp_path: Path, text: str, name: str = "holidays.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(app, path: Path):
    return app.test_cli_runner().invoke(args=["calendar", "import", str(path)])


def four_hour_case() -> Case:
    return Case(case_no="C370202-20270205-00001", status="registered", source_channel="sms",
                time_limit_amount=4, time_limit_unit="working_hours")


def test_imported_spring_festival_is_not_worked(app, tmp_path):
    if calendar_knows(2027):
        pytest.skip("the installed chinese_calendar knows 2027")
    case = four_hour_case()
    # Friday 2027-02-05 16:00 + 4 working hours; without the list Monday 02-08 (春节) would count.
    assert deadline_for(case, sh(2027, 2, 5, 16, 0)) == sh(2027, 2, 8, 11, 30)
    result = run_import(app, write(tmp_path, CALENDAR_2027))
    assert result.exit_code == 0, result.output
    assert "2027 年：放假 10 天，调休上班 1 天" in result.output
    assert deadline_for(case, sh(2027, 2, 5, 16, 0)) == sh(2027, 2, 15, 11, 30)
    # The make-up Saturday is a working day.
    assert deadline_for(case, sh(2027, 2, 19, 16, 0)) == sh(2027, 2, 20, 11, 30)
    # Years the file does not mention keep chinese_calendar (2026 National Day).
    assert deadline_for(case, sh(2026, 9, 30, 16, 0)) == sh(2026, 10, 8, 11, 30)


def test_a_new_import_of_a_year_replaces_it(app, tmp_path):
    run_import(app, write(tmp_path, CALENDAR_2027))
    result = run_import(app, write(tmp_path, "date,kind,name\n2027-02-08,休,春节\n", "fix.csv"))
    assert result.exit_code == 0, result.output
    assert [r.day.isoformat() for r in db.session.query(WorkCalendarDay)] == ["2027-02-08"]
    assert deadline_for(four_hour_case(), sh(2027, 2, 5, 16, 0)) == sh(2027, 2, 9, 11, 30)


@pytest.mark.parametrize(("text", "message"), [
    ("day,type\n2027-02-08,休\n", "表头"),
    ("date,kind,name\n2027-02-30,休,春节\n", "第2行"),
    ("date,kind,name\n2027-02-08,休,春节\n2027-02-09,放,春节\n", "第3行"),
    ("date,kind,name\n2027-02-10,班,调休\n", "周一至周五"),
    ("date,kind,name\n2027-02-08,休,春节\n2027-02-08,休,春节\n", "重复"),
])
def test_a_bad_file_is_refused_with_the_line_and_nothing_is_stored(app, tmp_path, text, message):
    result = run_import(app, write(tmp_path, text))
    assert result.exit_code != 0 and message in result.output
    assert db.session.query(WorkCalendarDay).count() == 0


def test_staff_are_warned_when_a_deadline_falls_in_an_unknown_year(app, tmp_path, staff_client):
    if calendar_knows(2028):
        pytest.skip("the installed chinese_calendar knows 2028")
    later = make_case(1, status="dispatched", dispatched_at=sh(2027, 12, 31, 10, 0), deadline=sh(2028, 1, 3, 10, 0))
    known = make_case(2, status="dispatched", dispatched_at=sh(2026, 11, 2, 10, 0), deadline=sh(2026, 11, 3, 10, 0))
    dispatcher, _ = staff_client("dispatcher")
    page = dispatcher.get(f"/staff/cases/{later.case_no}").get_data(as_text=True)
    assert "2028 年的工作日历" in page and "flask calendar import" in page
    assert "工作日历" not in dispatcher.get(f"/staff/cases/{known.case_no}").get_data(as_text=True)
    listing = dispatcher.get("/staff/cases").get_data(as_text=True)
    assert "2028 年的工作日历" in listing and listing.count("日历未导入") == 1

    assert run_import(app, write(tmp_path, "date,kind,name\n2028-01-01,休,元旦\n")).exit_code == 0
    assert "工作日历" not in dispatcher.get(f"/staff/cases/{later.case_no}").get_data(as_text=True)
    assert "日历未导入" not in dispatcher.get("/staff/cases").get_data(as_text=True)
