"""GET /api/v1/intake/places: the gazetteer's names, from which the chatbot builds its place lookup."""

from __future__ import annotations

import json
from pathlib import Path

from service_api.cases import intake_runtime


def test_places_lists_roads_pois_with_aliases_and_areas(client, service_headers):
    response = client.get("/api/v1/intake/places", headers=service_headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["gazetteer_version"] == 0  # nothing imported: the shipped demo city
    # roads that hold a province or city name, which a tokenizer would cut without them
    assert {"江西路", "山东路", "福州南路", "南京路", "莱阳路"} <= set(body["roads"])
    assert {"五四广场", "五四", "青岛火车站", "火车站", "青大附院"} <= set(body["pois"])
    assert {"市南区", "八大峡街道", "湛山第一社区"} <= set(body["areas"])
    assert not any("网格" in name for name in body["areas"])  # grid cells are no names residents use
    assert body["roads"] == sorted(body["roads"])


def test_places_follow_an_imported_gazetteer(client, service_headers, app, tmp_path: Path):
    from service_api.reference.gazetteer_import import import_gazetteer

    square = [[120.38, 36.06], [120.39, 36.06], [120.39, 36.07], [120.38, 36.07], [120.38, 36.06]]
    areas = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
         "properties": {"level": "district", "code": "370202", "name": "市南区"}}]}
    addresses = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.385, 36.065]},
         "properties": {"kind": "door", "name": "新建路1号", "road": "新建路", "number": "1"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.386, 36.066]},
         "properties": {"kind": "poi", "name": "新建公园", "road": "", "number": "", "aliases": ["新公园"]}}]}
    (tmp_path / "areas.geojson").write_text(json.dumps(areas, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "addresses.geojson").write_text(json.dumps(addresses, ensure_ascii=False), encoding="utf-8")
    import_gazetteer(tmp_path)
    intake_runtime.reset()
    try:
        body = client.get("/api/v1/intake/places", headers=service_headers).json
    finally:
        intake_runtime.reset()
    assert body["gazetteer_version"] >= 1
    assert (body["roads"], body["pois"], body["areas"]) == (["新建路"], ["新公园", "新建公园"], ["市南区"])


def test_places_need_the_service_or_a_staff_key(client):
    response = client.get("/api/v1/intake/places")
    assert response.status_code == 401 and response.json["code"] == "service_only"
