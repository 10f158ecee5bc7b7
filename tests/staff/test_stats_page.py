"""/staff/stats: the rates, charts (local ECharts), worst matters, 不满意 comments and the exports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from openpyxl import load_workbook

from service_api.extensions import db
from service_api.models import Case, Rating, Report, utcnow
from service_api.stats import figures as stats
from service_api.stats.indicators import INDICATORS, RATES
from tests.service_api.stats.test_indicators import NOW, cases  # noqa: F401 (the fixture, requested by name)


def rated_case(no: int, rating: str, comment: str | None = None) -> Case:
    now = utcnow() - timedelta(days=1)
    case = Case(case_no=f"C370202-20260101-{no:05d}", status="closed", source_channel="hotline", matter_code="06042",
                description="垃圾满溢", created_at=now, closed_at=now)
    db.session.add(case)
    db.session.flush()
    report = Report(tracking_no=f"R2026010100{no:04d}", channel="hotline", description="垃圾满溢", case_id=case.id,
                    contact_phone="13912345678", created_at=now)
    db.session.add(report)
    db.session.flush()
    db.session.add(Rating(case_id=case.id, report_id=report.id, rating=rating, comment=comment, channel="hotline"))
    db.session.commit()
    return case


def test_reviewer_sees_rates_comments_and_charts(staff_client):
    rated_case(1, "satisfied")
    unhappy = rated_case(2, "unsatisfied", "处理太慢")
    reviewer, _ = staff_client("reviewer")
    page = reviewer.get("/staff/stats?group_by=channel").get_data(as_text=True)
    assert 'id="kpi-satisfaction_rate">50.0%' in page
    assert "处理太慢" in page and f"/staff/cases/{unhappy.case_no}" in page
    assert "139****5678" in page and "13912345678" not in page
    assert "/static/vendor/node_modules/echarts/dist/echarts.min.js" in page and "cdn" not in page.lower()
    assert "热线电话" in page and "垃圾站(箱)满溢" in page  # the channel table and the worst-matters table


def test_empty_period_renders_dashes_not_errors(staff_client):
    reviewer, _ = staff_client("dispatcher")
    response = reviewer.get("/staff/stats?from=2020-01-01&to=2020-01-31&group_by=week")
    assert response.status_code == 200 and 'id="kpi-satisfaction_rate">—' in response.get_data(as_text=True)


def test_exports_hold_the_table_with_masked_phones(staff_client):
    rated_case(1, "unsatisfied", "还是很脏")
    reviewer, _ = staff_client("reviewer")
    csv = reviewer.get("/staff/stats/export.csv?group_by=department")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "attachment" in csv.headers["Content-Disposition"]
    assert "满意率" in csv.get_data(as_text=True) and "合计" in csv.get_data(as_text=True)
    xlsx = reviewer.get("/staff/stats/export.xlsx?group_by=matter")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.worksheets[0].cell(2, 1).value == "垃圾站(箱)满溢"
    values = [str(v) for row in book["不满意评价"].values for v in row]
    assert "139****5678" in values and "13912345678" not in " ".join(values) and "还是很脏" in values


def test_page_csv_and_xlsx_show_the_indicators_with_their_definitions(cases, staff_client, monkeypatch):  # noqa: F811
    monkeypatch.setattr(stats, "utcnow", lambda: NOW)
    reviewer, _ = staff_client("reviewer")
    page = reviewer.get("/staff/stats?from=2026-11-01&to=2026-11-30&group_by=department").get_data(as_text=True)
    assert 'id="kpi-closed_rate">60.0%' in page and "3 / 5" in page
    assert "满意 + 基本满意" in page  # the definitions are on the page
    assert "按受理时间" in page
    csv = reviewer.get("/staff/stats/export.csv?from=2026-11-01&to=2026-11-30&group_by=department")
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    header, last = lines[0].split(","), next(line for line in lines if line.startswith("合计")).split(",")
    assert any(line.startswith("统计口径,按受理时间") for line in lines)
    assert last[header.index("结案率")] == "0.6" and last[header.index("应结案数")] == "5"
    xlsx = reviewer.get("/staff/stats/export.xlsx?from=2026-11-01&to=2026-11-30&group_by=department&basis=closed")
    book = load_workbook(io.BytesIO(xlsx.data))
    sheet = book.worksheets[0]
    titles = [cell.value for cell in sheet[1]]
    totals = [cell.value for cell in sheet[sheet.max_row]]
    assert totals[titles.index("结案数")] == 4
    notes = [[cell.value for cell in row] for row in book["说明"].iter_rows()]
    flat = " ".join(str(v) for row in notes for v in row if v)
    assert "按结案时间" in flat
    for indicator in INDICATORS:
        assert indicator.definition in flat


def _csv(response) -> list[list[str]]:
    return list(csv.reader(response.get_data(as_text=True).lstrip("\ufeff").splitlines()))


def test_exports_carry_every_rate_with_numerator_and_denominator(cases, staff_client, monkeypatch):  # noqa: F811
    monkeypatch.setattr(stats, "utcnow", lambda: NOW)
    reviewer, _ = staff_client("reviewer")
    query = "from=2026-11-01&to=2026-11-30&group_by=department"
    total = stats.compute(stats.Period(date(2026, 11, 1), date(2026, 11, 30)), "department", now=NOW).total
    rows = _csv(reviewer.get(f"/staff/stats/export.csv?{query}"))
    header, last = rows[0], next(row for row in rows if row[:1] == ["合计"])
    book = load_workbook(io.BytesIO(reviewer.get(f"/staff/stats/export.xlsx?{query}").data))
    sheet = book.worksheets[0]
    titles, totals = [c.value for c in sheet[1]], [c.value for c in sheet[sheet.max_row]]
    for indicator in RATES:  # 回访短信响应率 and 解决率 among them, as the page shows them: n / d
        numerator, denominator = total.fraction(indicator.name)
        columns = [indicator.label, f"{indicator.label}分子", f"{indicator.label}分母"]
        assert [last[header.index(c)] for c in columns[1:]] == [str(numerator), str(denominator)], indicator.name
        assert [totals[titles.index(c)] for c in columns[1:]] == [numerator, denominator], indicator.name
    assert (last[header.index("回访短信响应率分子")], last[header.index("回访短信响应率分母")]) == ("1", "1")


def test_csv_has_the_definitions_and_the_unsatisfied_ratings(staff_client):
    rated_case(1, "unsatisfied", "还是很脏，电话13912345678")
    reviewer, _ = staff_client("reviewer")
    response = reviewer.get("/staff/stats/export.csv?group_by=channel")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv(response)
    flat = [value for row in rows for value in row]
    for indicator in INDICATORS:  # as on the XLSX 说明 sheet
        assert indicator.definition in flat, indicator.name
    listed = rows.index(["不满意评价"])
    assert rows[listed + 1][:3] == ["案件编号", "受理编号", "事项"]
    unhappy = rows[listed + 2]
    assert unhappy[0] == "C370202-20260101-00001" and unhappy[6] == "139****5678"
    assert unhappy[7] == "还是很脏，电话139****5678" and "13912345678" not in response.get_data(as_text=True)


def test_department_chart_says_no_data_instead_of_empty_axes(staff_client):
    reviewer, _ = staff_client("reviewer")
    page = reviewer.get("/staff/stats?from=2020-01-01&to=2020-01-31").get_data(as_text=True)
    assert 'id="chart-departments-empty">无数据' in page and 'id="chart-departments"' not in page
    rated_case(1, "satisfied")
    page = reviewer.get("/staff/stats").get_data(as_text=True)
    assert 'id="chart-departments"' in page and "chart-departments-empty" not in page


def test_favicon_is_served_and_named_by_console_pages(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    login = client.get("/staff/login").get_data(as_text=True)
    assert 'rel="icon"' in login and client.get("/staff/static/favicon.svg").status_code == 200
