"""/staff/stats: the rates, charts (local ECharts), worst matters, 不满意 comments and the exports."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from service_api.extensions import db
from service_api.models import Case, Rating, Report, utcnow


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
    assert 'id="kpi-satisfaction">50.0%' in page
    assert "处理太慢" in page and f"/staff/cases/{unhappy.case_no}" in page
    assert "139****5678" in page and "13912345678" not in page
    assert "/static/vendor/node_modules/echarts/dist/echarts.min.js" in page and "cdn" not in page.lower()
    assert "热线电话" in page and "垃圾站(箱)满溢" in page  # the channel table and the worst-matters table


def test_empty_period_renders_dashes_not_errors(staff_client):
    reviewer, _ = staff_client("dispatcher")
    response = reviewer.get("/staff/stats?from=2020-01-01&to=2020-01-31&group_by=week")
    assert response.status_code == 200 and 'id="kpi-satisfaction">—' in response.get_data(as_text=True)


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
