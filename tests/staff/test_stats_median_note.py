"""/staff/stats for a long period: a note when the medians come from the cache; the exports use the same figures."""

from __future__ import annotations

from service_api.extensions import db
from service_api.models import StatsMedianCache
from service_api.services import stats
from tests.service_api.test_stats import at, fixture_cases, make_case  # noqa: F401


def test_staff_page_notes_cached_medians_and_exports_use_them(fixture_cases, staff_client):  # noqa: F811
    reviewer, _ = staff_client("reviewer")
    long_url = "/staff/stats?from=2026-01-01&to=2026-11-30&group_by=department"
    page = reviewer.get(long_url).get_data(as_text=True)
    assert "用时中位数统计于" not in page  # the first view computed them live
    computed_at = db.session.query(StatsMedianCache).filter_by(group_by="department").one().computed_at
    db.session.commit()
    make_case(6, created=at("2026-11-20T01:00"), department="370202-hjws", channel="hotline", matter="06042",
              status="closed", register_h=100, dispatch_h=200, resolve_h=300, close_h=400)
    db.session.commit()
    page = reviewer.get(long_url).get_data(as_text=True)
    when = computed_at.astimezone(stats.SHANGHAI).strftime("%H:%M")
    assert f'id="medians-note">用时中位数统计于 {when}（每15分钟更新）</p>' in page
    csv = reviewer.get("/staff/stats/export.csv?from=2026-01-01&to=2026-11-30&group_by=department")
    total = csv.get_data(as_text=True).strip().splitlines()[-1].split(",")
    assert total[0] == "合计" and total[2] == "6" and total[-3:] == ["1.5", "3.0", "20.0"]  # cached medians
    short = reviewer.get("/staff/stats?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "用时中位数统计于" not in short
