"""Gazetteer files: streaming reader, validation messages, in-memory index."""

import json

import pytest

import intake.geo.gazetteer as gz
from intake.geo.gazetteer import (
    AddressRecord,
    Gazetteer,
    GazetteerError,
    iter_addresses,
    iter_areas,
    load_gazetteer,
    write_feature_collection,
)


def _addr(i: int, **props) -> dict:
    base = {"kind": "door", "name": f"测试路{i}号", "road": "测试路", "number": str(i)}
    base.update(props)
    return {"type": "Feature", "properties": base,
            "geometry": {"type": "Point", "coordinates": [120.30 + i * 1e-5, 36.05 + (i % 100) * 1e-5]}}


def _square(code: str, level: str, name: str, x: float = 120.3, y: float = 36.05, size: float = 0.01) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Feature", "properties": {"level": level, "code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.fixture
def small_chunks(monkeypatch):
    # Features then straddle chunk boundaries many times over.
    monkeypatch.setattr(gz, "_CHUNK", 97)


def test_streams_a_generated_file_across_chunk_boundaries(tmp_path, small_chunks):
    n = write_feature_collection(tmp_path / "addresses.geojson", (_addr(i) for i in range(3000)))
    seen = []
    records = list(iter_addresses(tmp_path, progress=lambda done, total: seen.append((done, total))))
    assert n == len(records) == 3000
    assert records[1234].name == "测试路1234号" and records[1234].number == "1234"
    assert records[1234].lng == pytest.approx(120.30 + 1234e-5)
    assert seen[-1][0] == seen[-1][1] == (tmp_path / "addresses.geojson").stat().st_size
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))


def test_reads_pretty_printed_geojson_with_other_members(tmp_path, small_chunks):
    doc = {"type": "FeatureCollection", "name": "x", "crs": {"type": "name", "properties": {"name": "EPSG:4490"}},
           "features": [_addr(1, aliases=["一号楼"]), _addr(2.5), _addr(3, kind="poi", road="", number="")],
           "bbox": [120, 36, 121, 37]}
    (tmp_path / "addresses.geojson").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    records = list(iter_addresses(tmp_path))
    assert [r.kind for r in records] == ["door", "door", "poi"]
    assert records[0].aliases == ("一号楼",)
    assert records[1].number == "2.5"


def test_reads_areas(tmp_path):
    write_feature_collection(tmp_path / "areas.geojson", [
        _square("370202", "district", "市南区"),
        _square("370202001", "street", "八大峡街道"),
    ])
    areas = list(iter_areas(tmp_path))
    assert [(a.level, a.code) for a in areas] == [("district", "370202"), ("street", "370202001")]
    assert areas[0].geometry.area == pytest.approx(1e-4)


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (_square("37020", "district", "市南区"), "code '37020' of a district must be 6 digits"),
        (_square("370202", "county", "市南区"), "level 'county' is not one of"),
        (_square("370202", "district", ""), "property 'name' is missing or empty"),
        ({"type": "Feature", "properties": {"level": "grid", "code": "3" * 15, "name": "g"},
          "geometry": {"type": "Point", "coordinates": [1, 2]}}, "geometry must be Polygon or MultiPolygon"),
        (_square("370202", "district", "市南区", x=12030000.0), "not lon/lat degrees"),
    ],
)
def test_area_validation_names_file_index_and_problem(tmp_path, feature, message):
    write_feature_collection(tmp_path / "areas.geojson", [_square("370202", "district", "ok"), feature])
    with pytest.raises(GazetteerError) as err:
        list(iter_areas(tmp_path))
    text = str(err.value)
    assert "areas.geojson" in text and "feature 1" in text and message in text
    assert err.value.index == 1


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"kind": "shop"}, "kind 'shop' is not one of door|poi"),
        ({"road": ""}, "property 'road' is missing or empty"),
        ({"aliases": "五四"}, "'aliases' must be a list of strings"),
        ({"name": None}, "property 'name' is missing or empty"),
    ],
)
def test_address_validation_names_file_index_and_problem(tmp_path, props, message):
    write_feature_collection(tmp_path / "addresses.geojson", [_addr(0), _addr(1), _addr(2, **props)])
    with pytest.raises(GazetteerError, match=r"addresses\.geojson, feature 2: .*" + message.split("'")[0]) as err:
        list(iter_addresses(tmp_path))
    assert message in str(err.value)


def test_bad_point_coordinates_are_reported(tmp_path):
    bad = _addr(0)
    bad["geometry"]["coordinates"] = [500.0, 36.0]
    write_feature_collection(tmp_path / "addresses.geojson", [bad])
    with pytest.raises(GazetteerError, match="feature 0: point .* is not lon/lat"):
        list(iter_addresses(tmp_path))


def test_truncated_and_missing_files_are_reported(tmp_path):
    (tmp_path / "addresses.geojson").write_text('{"type":"FeatureCollection","features":[{"type":"Feat', "utf-8")
    with pytest.raises(GazetteerError, match="invalid JSON"):
        list(iter_addresses(tmp_path))
    with pytest.raises(GazetteerError, match="file not found"):
        list(iter_areas(tmp_path))


def test_projected_crs_is_rejected(tmp_path):
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
           "features": []}
    (tmp_path / "addresses.geojson").write_text(json.dumps(doc), "utf-8")
    with pytest.raises(GazetteerError, match="unsupported crs"):
        list(iter_addresses(tmp_path))


def test_index_groups_addresses_by_road_and_finds_doors_and_aliases():
    recs = [
        AddressRecord("door", "香港中路12号", "香港中路", "12", 36.064, 120.38),
        AddressRecord("door", "香港中路14号", "香港中路", "14号", 36.064, 120.381),
        AddressRecord("door", "山东路1号", "山东路", "1", 36.07, 120.386),
        AddressRecord("poi", "五四广场", "", "", 36.062, 120.3846, ("五四",)),
    ]
    gaz = Gazetteer.from_records([], recs)
    assert len(gaz) == 4
    assert gaz.door_index["香港中路14"] == 1
    assert gaz.name_index["五四"] == gaz.name_index["五四广场"] == 3
    rid = gaz.road_ids["香港中路"]
    assert sorted(gaz.road_members[rid].tolist()) == [0, 1]


def test_shipped_demo_gazetteer_loads():
    gaz = load_gazetteer("intake/data/demo_city")
    assert set(gaz.layers) == {"district", "street", "community", "grid"}
    assert gaz.layers["district"].codes == ["370202"]
    assert len(gaz.layers["grid"].codes) > 100
    grid_codes = gaz.layers["grid"].codes
    community_codes = set(gaz.layers["community"].codes)
    assert all(c[:12] in community_codes for c in grid_codes)
    assert "五四广场" in gaz.name_index and "香港中路" in gaz.road_ids
