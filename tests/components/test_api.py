"""`/api/v1/components`: staff only, nearest by radius and type, GeoJSON by bounding box, one by code."""

from __future__ import annotations

import pytest

from tests.components.conftest import BASE_LAT, BASE_LNG, LIGHT, MANHOLE, code, row

PATHS = [f"/api/v1/components/{code(LIGHT, 1)}",
         f"/api/v1/components?lat={BASE_LAT}&lng={BASE_LNG}",
         "/api/v1/components/geojson?bbox=120.36,36.06,120.38,36.07"]


@pytest.fixture
def registry(load_components):
    result = load_components([
        row(LIGHT, 1, maintainer="370202-szfw"),
        row(LIGHT, 2, east_m=25),
        row(LIGHT, 3, east_m=60),
        row(MANHOLE, 1, north_m=10, owner="qd-water"),
    ])
    assert result.applied
    return result


@pytest.mark.parametrize("path", PATHS)
def test_only_staff_may_read_the_registry(client, registry, make_staff, path) -> None:
    from service_api.auth.tokens import issue_citizen_token
    from service_api.extensions import db
    from service_api.models import Citizen

    assert client.get(path).status_code == 401
    citizen = Citizen(phone="+8613800138000")
    db.session.add(citizen)
    db.session.commit()
    resident = {"Authorization": f"Bearer {issue_citizen_token(citizen.id)}"}
    assert client.get(path, headers=resident).status_code == 403
    _, staff = make_staff("agent")
    assert client.get(path, headers=staff).status_code == 200


def test_near_lists_components_by_distance_and_type(client, registry, make_staff) -> None:
    _, staff = make_staff("dispatcher")
    body = client.get(f"/api/v1/components?lat={BASE_LAT}&lng={BASE_LNG}&radius=30&type={LIGHT}",
                      headers=staff).get_json()
    assert [(c["code"], round(c["distance_m"])) for c in body["items"]] == [(code(LIGHT, 1), 0), (code(LIGHT, 2), 25)]
    everything = client.get(f"/api/v1/components?lat={BASE_LAT}&lng={BASE_LNG}&radius=100", headers=staff).get_json()
    assert [c["code"] for c in everything["items"]] == [code(LIGHT, 1), code(MANHOLE, 1), code(LIGHT, 2),
                                                        code(LIGHT, 3)]
    first = everything["items"][0]
    assert first["maintainer"] == {"code": "370202-szfw", "name": "市南区市政设施服务中心"}
    assert first["type"] == {"code": LIGHT, "name": "路灯"}
    assert "phone" not in str(first)


def test_geojson_by_bbox_and_type(client, registry, make_staff) -> None:
    _, staff = make_staff("agent")
    body = client.get("/api/v1/components/geojson?bbox=120.36,36.06,120.38,36.07", headers=staff).get_json()
    assert body["type"] == "FeatureCollection" and not body["truncated"]
    assert len(body["features"]) == 4
    feature = next(f for f in body["features"] if f["id"] == code(MANHOLE, 1))
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["owner"] == "qd-water" and feature["properties"]["status_text"] == "完好"
    lights = client.get(f"/api/v1/components/geojson?bbox=120.36,36.06,120.38,36.07&type={LIGHT}",
                        headers=staff).get_json()
    assert {f["id"] for f in lights["features"]} == {code(LIGHT, n) for n in (1, 2, 3)}
    elsewhere = client.get("/api/v1/components/geojson?bbox=120.30,36.04,120.31,36.05", headers=staff).get_json()
    assert elsewhere["features"] == []


@pytest.mark.parametrize("bbox", ["1,2,3", "120.38,36.06,120.36,36.07", "a,b,c,d", "100,20,110,30"])
def test_a_bad_bbox_is_a_clear_422(client, registry, make_staff, bbox) -> None:
    _, staff = make_staff("agent")
    response = client.get(f"/api/v1/components/geojson?bbox={bbox}", headers=staff)
    assert response.status_code == 422
    assert "bbox" in response.get_json()["errors"]


def test_one_component_and_an_unknown_code(client, registry, make_staff) -> None:
    _, staff = make_staff("agent")
    body = client.get(f"/api/v1/components/{code(LIGHT, 1)}", headers=staff).get_json()
    assert body["status_text"] == "完好" and body["owner"]["name"] == "市南区路灯管理所"
    assert body["cases"] == []
    missing = client.get(f"/api/v1/components/{code(LIGHT, 99)}", headers=staff)
    assert missing.status_code == 404 and "未找到部件" in missing.get_json()["message"]


def test_the_api_is_in_the_openapi_document(client) -> None:
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/components", "/api/v1/components/geojson", "/api/v1/components/{code}"):
        assert "get" in paths[path], path
    near = paths["/api/v1/components"]["get"]
    assert {p["name"] for p in near["parameters"]} >= {"lat", "lng", "radius", "type"}
    schemas = spec["components"]["schemas"]
    component = schemas["Component"]["properties"]
    assert {"code", "type", "status", "owner", "maintainer", "location"} <= set(component)
    assert "phone" not in str(component)  # contacts are never part of the answer
    assert "truncated" in schemas["FeatureCollection"]["properties"]
    assert "component_code" in schemas["ReportCreate"]["properties"]


def test_answers_follow_the_documented_shape(client, registry, make_staff) -> None:
    _, staff = make_staff("agent")
    body = client.get(f"/api/v1/components/{code(LIGHT, 1)}", headers=staff).get_json()
    assert body["updated_at"].endswith("+00:00")  # an aware UTC time in ISO 8601
    assert body["location"]["crs"] == "cgcs2000" and body["maintainer"]["code"] == "370202-szfw"
