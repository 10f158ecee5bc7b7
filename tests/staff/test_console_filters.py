"""The console's filters are checked as the API checks them: a bad one is a 422 with the API's message, never
silently replaced by a default (issue: the trial saw 1900..2999 shown as three years, status=bogus as every case)."""

from __future__ import annotations

import html

import pytest

from service_api.audit.models import AuditEntry
from service_api.extensions import db
from tests.staff.test_desk import make_case


@pytest.mark.parametrize(("query", "message"), [
    ("from=1900-01-01&to=2999-12-31", "统计期间最长 1098 天"),
    ("from=2026-12-05&to=2026-01-01", "开始日期不能晚于结束日期"),
    ("from=garbage", "不是有效的日期"),
    ("group_by=zzz", "group_by"),
    ("basis=zzz", "统计口径 basis 只能是"),
])
def test_stats_page_and_exports_refuse_what_the_api_refuses(app, staff_client, make_staff, query, message):
    reviewer, _ = staff_client("reviewer")
    _, headers = make_staff("reviewer")
    api = app.test_client().get(f"/api/v1/stats/satisfaction?{query}", headers=headers)
    assert api.status_code == 422
    page = reviewer.get(f"/staff/stats?{query}")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 422 and message in text
    assert api.get_json()["message"] in text  # the very message the API gives
    for fmt in ("csv", "xlsx"):
        export = reviewer.get(f"/staff/stats/export.{fmt}?{query}")
        assert export.status_code == 422 and message in export.get_data(as_text=True)
        assert "attachment" not in export.headers.get("Content-Disposition", "")
    assert db.session.query(AuditEntry).filter_by(object_type="stats").count() == 0  # nothing was exported


def test_stats_empty_form_fields_mean_the_default_period(staff_client):
    reviewer, _ = staff_client("reviewer")
    assert reviewer.get("/staff/stats?from=&to=&group_by=department").status_code == 200
    export = reviewer.get("/staff/stats/export.csv?from=2026-01-01&to=2026-01-31")
    assert export.status_code == 200
    entry = db.session.query(AuditEntry).filter_by(object_type="stats").one()
    assert (entry.detail["from"], entry.detail["to"]) == ("2026-01-01", "2026-01-31")


@pytest.mark.parametrize(("path", "message"), [
    ("/staff/cases?status=bogus", "未知的状态 'bogus'"),
    ("/staff/cases?date_from=garbage", "不是有效的日期"),
    ("/staff/cases?queue=nope", "未知的工作队列"),
    ("/staff/map?status=bogus", "未知的状态 'bogus'"),
])
def test_desk_refuses_unknown_filters_instead_of_listing_everything(staff_client, path, message):
    case = make_case(1)
    dispatcher, _ = staff_client("dispatcher")
    response = dispatcher.get(path)
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and message in text and case.case_no not in text
    assert f'id="error-back" href="{path.split("?")[0]}"' in text  # back to the same page, without the filter


def test_desk_empty_fields_and_open_status_are_filters_not_errors(staff_client):
    case = make_case(1)
    dispatcher, _ = staff_client("dispatcher")
    for path in ("/staff/cases?status=&date_from=&channel=", "/staff/cases?status=open", "/staff/map?status=open"):
        response = dispatcher.get(path)
        assert response.status_code == 200, path
    assert case.case_no in dispatcher.get("/staff/cases?status=&date_from=").get_data(as_text=True)


def test_a_page_past_the_end_shows_the_last_page(staff_client):
    case = make_case(1)
    dispatcher, _ = staff_client("dispatcher")
    text = dispatcher.get("/staff/cases?page=99999").get_data(as_text=True)
    assert "第 1 / 1 页" in text and case.case_no in text
