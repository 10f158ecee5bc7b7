"""Which cases are about a component: only a case whose matter is the "<部件>异常" of the component's type. A stall
reported from a lamp's scan page, or a light inside a residential compound, is not about the public lamp; the hot
list and a case's earlier cases count only the cases about it, and only those created before."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake.geo.distance import destination
from service_api.components import registry as component_registry
from service_api.extensions import db
from service_api.models import Case, Report, utcnow
from tests.components.conftest import BASE_LAT, BASE_LNG, LIGHT, code, row

STALL = "09006"  # 占道经营


@pytest.fixture
def lights(load_components):
    assert load_components([row(LIGHT, 1, maintainer="370202-szfw"), row(LIGHT, 2, east_m=40)]).applied


def _scan_report(client, component_code: str, description: str) -> Case:
    page = client.get(f"/c/{component_code}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(f"/c/{component_code}/report", data={"description": description, "csrf_token": token})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    report = db.session.query(Report).order_by(Report.id.desc()).first()
    return db.session.get(Case, report.case_id)


def test_a_stall_reported_from_a_lamps_scan_page_keeps_its_place_but_is_not_about_the_lamp(
        client, staff_client, lights) -> None:
    case = _scan_report(client, code(LIGHT, 1), "灯杆旁边有人摆摊卖烤地瓜")
    assert case.matter_code == STALL
    assert case.component_code is None  # not about the lamp, so not counted for it
    assert case.lat == pytest.approx(BASE_LAT, abs=1e-5) and case.lng == pytest.approx(BASE_LNG, abs=1e-5)
    assert case.extra["scanned_from_component"] == code(LIGHT, 1)
    assert component_registry.cases_of(code(LIGHT, 1)) == []
    assert component_registry.hot_components() == []
    assert case.case_no not in client.get(f"/c/{code(LIGHT, 1)}").get_data(as_text=True)
    dispatcher, _ = staff_client("dispatcher")
    page = dispatcher.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    assert 'id="case-component"' not in page
    origin = page.split('id="case-scanned-from"')[1].split("</div>")[0]
    assert code(LIGHT, 1) in origin and "扫码报修页面" in origin and "未计入" in origin


def test_a_lamp_fault_reported_from_its_scan_page_is_still_about_it(client, lights) -> None:
    case = _scan_report(client, code(LIGHT, 1), "灯不亮了")
    assert case.matter_code == LIGHT and case.component_code == code(LIGHT, 1)
    assert "scanned_from_component" not in case.extra


def test_a_light_inside_a_residential_compound_is_not_the_public_light(client, lights) -> None:
    lat, lng = destination(BASE_LAT, BASE_LNG, 90.0, 5)  # 5 m from light 1
    body = client.post("/api/v1/reports", json={"description": "小区里的路灯坏了物业不管",
                                                 "location": {"lat": lat, "lng": lng, "crs": "wgs84"}}).get_json()
    case = db.session.query(Case).filter_by(case_no=body["case_no"]).one()
    assert case.extra.get("referral")  # the property company's, as intake's scope says
    assert case.component_code is None and body["component"] is None
    assert component_registry.hot_components() == []


def test_the_hot_list_counts_only_cases_about_the_component(staff_client, lights) -> None:
    now = utcnow()
    for n, matter in enumerate([LIGHT, LIGHT, STALL, None]):  # a stall or an unclassified case names it too
        db.session.add(Case(case_no=f"C370202-2026-{n:05d}", status="closed", source_channel="hotline",
                            matter_code=matter, component_code=code(LIGHT, 1), created_at=now - timedelta(days=n)))
    db.session.commit()
    assert [(c.code, n) for c, n in component_registry.hot_components()] == [(code(LIGHT, 1), 2)]
    agent, _ = staff_client("agent")
    detail = agent.get(f"/staff/components/{code(LIGHT, 1)}").get_data(as_text=True)
    cases = detail.split('id="component-cases"')[1].split("</table>")[0]
    assert "C370202-2026-00000" in cases and "C370202-2026-00001" in cases
    assert "C370202-2026-00002" not in cases and "C370202-2026-00003" not in cases


def test_earlier_cases_are_only_those_created_before_this_one(staff_client, lights) -> None:
    now = utcnow()
    for n, days_ago in enumerate([30, 10, 2]):
        db.session.add(Case(case_no=f"C370202-2026-{n:05d}", status="closed", source_channel="hotline",
                            matter_code=LIGHT, component_code=code(LIGHT, 1),
                            created_at=now - timedelta(days=days_ago)))
    db.session.commit()
    dispatcher, _ = staff_client("dispatcher")
    block = dispatcher.get("/staff/cases/C370202-2026-00001").get_data(as_text=True).split('id="case-component"')[1]
    earlier = block.split("此前案件")[1].split("</p>")[0]
    assert "C370202-2026-00000" in earlier  # filed 20 days before
    assert "C370202-2026-00002" not in earlier  # filed later: not an earlier case
    first = dispatcher.get("/staff/cases/C370202-2026-00000").get_data(as_text=True).split('id="case-component"')[1]
    assert "此前案件" not in first.split("</div>")[0]
