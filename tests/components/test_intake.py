"""Reports about components: matching (nearest of the matter's type, the radius edge, a code in the text wins),
routing to the maintainer / owner, the intake preview and `component_code` on reports."""

from __future__ import annotations

import pytest

from intake.geo.distance import destination
from service_api.extensions import db
from service_api.models import Case, Department
from tests.components.conftest import BASE_LAT, BASE_LNG, LIGHT, MANHOLE, code, row


def _at(east_m: float = 0.0, north_m: float = 0.0) -> dict:
    lat, lng = BASE_LAT, BASE_LNG
    if east_m:
        lat, lng = destination(lat, lng, 90.0, east_m)
    if north_m:
        lat, lng = destination(lat, lng, 0.0, north_m)
    return {"lat": lat, "lng": lng, "crs": "wgs84"}


def _report(client, description: str, **body) -> dict:
    response = client.post("/api/v1/reports", json={"description": description, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _case(body: dict) -> Case:
    return db.session.query(Case).filter_by(case_no=body["case_no"]).one()


def _department(case: Case) -> str:
    return db.session.get(Department, case.department_id).code


@pytest.fixture
def street(load_components):
    """Street lights along 香港中路: one maintained by the facilities centre, one owned by the power company."""
    assert load_components([
        row(LIGHT, 1, maintainer="370202-szfw"),                   # at the base point
        row(LIGHT, 2, east_m=25, owner="qd-power"),                # 25 m east, no maintainer
        row(LIGHT, 3, east_m=200, owner="qd-power"),               # far east
        row(MANHOLE, 1, east_m=18, owner="qd-water"),              # a manhole nearer to light 2 than light 2 is
    ]).applied


def test_the_nearest_component_of_the_matters_type_is_recorded_and_routed_to_its_maintainer(client, street):
    body = _report(client, "这里的路灯不亮了，晚上很黑", location=_at(east_m=8))
    case = _case(body)
    assert body["matter"]["code"] == LIGHT
    assert case.component_code == code(LIGHT, 1) and case.component_distance_m == pytest.approx(8, abs=0.5)
    assert _department(case) == "370202-szfw"  # the maintainer
    assert body["component"]["code"] == code(LIGHT, 1)


def test_without_a_maintainer_the_owner_gets_the_case(client, street):
    case = _case(_report(client, "这里的路灯不亮了，晚上很黑", location=_at(east_m=20)))
    assert case.component_code == code(LIGHT, 2)  # 5 m away; the manhole at 2 m is another type
    assert _department(case) == "qd-power"


@pytest.mark.parametrize(("east_m", "matched"), [(229.0, True), (231.0, False)])
def test_the_match_radius_edge(client, street, east_m, matched):
    # light 3 stands at 200 m: 29 m from it is within COMPONENT_MATCH_RADIUS_M (30), 31 m is not
    case = _case(_report(client, "这里的路灯不亮了，晚上很黑", location=_at(east_m=east_m)))
    assert case.component_code == (code(LIGHT, 3) if matched else None)
    if not matched:
        assert _department(case) != "qd-power"  # the matter-class default, as without components


@pytest.mark.parametrize("said", [f"路灯不亮了，灯杆上的编号是{code(LIGHT, 3)}", "路灯不亮了，杆号000003",
                                  "路灯不亮了，灯杆编号 3"])
def test_a_code_in_the_text_wins_over_distance(client, street, said):
    case = _case(_report(client, said, location=_at(east_m=1)))
    assert case.component_code == code(LIGHT, 3)
    assert case.component_distance_m == pytest.approx(199, abs=1)
    assert case.extra["component_match"] == "text"


def test_a_road_level_place_matches_no_component(client, street):
    case = _case(_report(client, "香港中路上有路灯不亮了"))
    assert case.component_code is None


def test_the_preview_names_the_candidate_component(client, street, service_headers):
    body = client.post("/api/v1/intake/preview", headers=service_headers,
                       json={"text": "路灯不亮了", "location": _at(east_m=22)}).get_json()
    component = body["component"]
    assert component["code"] == code(LIGHT, 2) and component["type"]["name"] == "路灯"
    assert component["distance_m"] == pytest.approx(3, abs=0.5) and component["status_text"] == "完好"
    assert "路灯" in component["prompt"] and component["prompt"].endswith("吗？")
    assert "owner" not in component
    nothing = client.post("/api/v1/intake/preview", headers=service_headers,
                          json={"text": "路灯不亮了", "location": _at(north_m=500)}).get_json()
    assert nothing["component"] is None


def test_a_report_about_a_component_takes_its_place_and_type(client, street):
    body = _report(client, "坏了", component_code=code(LIGHT, 3))
    case = _case(body)
    assert body["matter"]["code"] == LIGHT  # the vague text is about the scanned light
    assert case.component_code == code(LIGHT, 3) and case.extra["component_match"] == "given"
    assert case.street_code == "370202007" and case.lat == pytest.approx(_at(east_m=200)["lat"], abs=1e-6)
    assert _department(case) == "qd-power"
    again = client.get(f"/api/v1/reports/{body['tracking_no']}",
                       headers={"Authorization": f"Bearer {body['access_token']}"}).get_json()
    assert again["component"]["code"] == code(LIGHT, 3) and again["component"]["type"]["name"] == "路灯"
    assert "owner" not in again["component"]


def test_an_unknown_component_code_is_refused(client, street):
    response = client.post("/api/v1/reports", json={"description": "路灯坏了", "component_code": code(LIGHT, 77)})
    assert response.status_code == 422 and "component_code" in response.get_json()["errors"]
    malformed = client.post("/api/v1/reports", json={"description": "路灯坏了", "component_code": "12ab"})
    assert malformed.status_code == 422 and "17位数字" in str(malformed.get_json()["errors"])
