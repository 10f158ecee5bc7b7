"""Forward and reverse geocoding against the shipped demo gazetteer of 市南区."""

from pathlib import Path

import numpy as np
import pytest
import shapely

import intake
from intake.geo.crs import from_cgcs2000
from intake.geo.distance import bearing_deg, destination, haversine_m
from intake.geo.gazetteer import load_gazetteer
from intake.geo.geocoder import CLI_KEYS, Geocoder

DEMO = Path(intake.__file__).parent / "data" / "demo_city"


@pytest.fixture(scope="module")
def geo() -> Geocoder:
    return Geocoder(load_gazetteer(DEMO))


def _point_of(geo: Geocoder, name: str) -> tuple[float, float]:
    gaz = geo.gaz
    idx = gaz.door_index.get(name.removesuffix("号"), gaz.door_index.get(name, gaz.name_index.get(name)))
    assert idx is not None, name
    return float(gaz.lat[idx]), float(gaz.lng[idx])


def _area_contains(geo: Geocoder, code: str, lat: float, lng: float) -> bool:
    return geo.gaz.area_by_code[code][2].covers(shapely.Point(lng, lat))


# ----------------------------------------------------------------------------- reverse


def test_reverse_returns_nested_codes_whose_polygons_contain_the_point(geo):
    lat, lng = _point_of(geo, "五四广场")
    r = geo.reverse(lat, lng)
    assert r.district_code == "370202" and r.district_name == "市南区"
    assert r.grid_code.startswith(r.community_code) and r.community_code.startswith(r.street_code)
    assert r.street_code.startswith(r.district_code)
    for code in (r.grid_code, r.community_code, r.street_code):
        assert _area_contains(geo, code, lat, lng)
    assert r.level == "grid" and r.confidence == 1.0


def test_reverse_describes_position_relative_to_nearest_address(geo):
    base_lat, base_lng = _point_of(geo, "五四广场")
    lat, lng = destination(base_lat, base_lng, 180.0, 40.0)
    d_all = [haversine_m(lat, lng, a, b) for a, b in zip(geo.gaz.lat, geo.gaz.lng, strict=True)]
    assert geo.gaz.names[int(np.argmin(d_all))] == "五四广场"  # precondition: it is the nearest address
    r = geo.reverse(lat, lng)
    assert r.description == "五四广场南侧约40米"
    assert r.matched_name == "五四广场" and r.distance_m == pytest.approx(40.0, abs=0.5)


def test_reverse_next_to_an_address_says_nearby(geo):
    lat, lng = _point_of(geo, "栈桥")
    assert geo.reverse(lat, lng).description == "栈桥附近"


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_reverse_accepts_client_coordinate_systems(geo, crs):
    lat, lng = _point_of(geo, "香港中路12号")
    wgs = geo.reverse(lat, lng, "wgs84")
    shifted = geo.reverse(*from_cgcs2000(lat, lng, crs), crs)
    assert haversine_m(shifted.lat, shifted.lng, lat, lng) < 0.5
    assert shifted.grid_code == wgs.grid_code and shifted.matched_name == "香港中路12号"


def test_reverse_outside_every_area_has_null_codes(geo):
    r = geo.reverse(30.0, 110.0)
    assert r.level is None and r.confidence == 0.0
    assert r.grid_code is r.district_code is r.description is None
    assert (r.lat, r.lng) == (30.0, 110.0)


def test_reverse_rejects_bad_input(geo):
    with pytest.raises(ValueError):
        geo.reverse(36.0, 120.0, "mars")
    with pytest.raises(ValueError):
        geo.reverse(120.0, 36.0)


def test_reverse_many_agrees_with_reverse(geo):
    rng = np.random.default_rng(7)
    lats = rng.uniform(36.050, 36.085, 200)
    lngs = rng.uniform(120.29, 120.44, 200)
    many = geo.reverse_many(lats, lngs, "gcj02")
    for i in range(0, 200, 17):
        assert many[i] == geo.reverse(lats[i], lngs[i], "gcj02")
    assert sum(r.grid_code is not None for r in many) > 100


# ----------------------------------------------------------------------------- forward


def test_forward_door(geo):
    r = geo.forward("香港中路12号")
    assert r.level == "door" and r.confidence >= 0.9
    assert (r.lat, r.lng) == _point_of(geo, "香港中路12号")
    assert r.matched_name == "香港中路12号"
    assert r.grid_code is not None and _area_contains(geo, r.grid_code, r.lat, r.lng)


def test_forward_door_with_admin_prefix_and_offset(geo):
    base = _point_of(geo, "香港中路12号")
    r = geo.forward("青岛市市南区香港中路12号东侧50米")
    assert r.level == "door" and r.description == "香港中路12号东侧50米"
    assert haversine_m(*base, r.lat, r.lng) == pytest.approx(50.0, abs=0.5)
    assert bearing_deg(*base, r.lat, r.lng) == pytest.approx(90.0, abs=1.0)
    assert r.grid_code == geo.reverse(r.lat, r.lng).grid_code


def test_forward_chinese_numerals_and_distance_words(geo):
    base = _point_of(geo, "香港中路12号")
    r = geo.forward("香港中路十二号往北走大约一百米")
    assert r.matched_name == "香港中路12号"
    assert haversine_m(*base, r.lat, r.lng) == pytest.approx(100.0, abs=1.0)
    assert bearing_deg(*base, r.lat, r.lng) == pytest.approx(0.0, abs=1.0) or bearing_deg(
        *base, r.lat, r.lng) == pytest.approx(360.0, abs=1.0)


def test_forward_poi_nearby(geo):
    r = geo.forward("五四广场附近")
    assert r.level == "poi" and r.matched_name == "五四广场"
    assert (r.lat, r.lng) == _point_of(geo, "五四广场")
    assert r.description == "五四广场附近"


def test_forward_alias(geo):
    r = geo.forward("火车站")
    assert r.level == "poi" and r.matched_name == "青岛火车站"
    assert (r.lat, r.lng) == _point_of(geo, "青岛火车站")
    exact = geo.forward("青岛火车站")
    assert r.confidence < exact.confidence


def test_forward_intersection(geo):
    r = geo.forward("山东路和南京路交叉口")
    assert r.level == "intersection" and r.description == "山东路与南京路交叉口"
    for road in ("山东路", "南京路"):
        members = geo.gaz.road_members[geo.gaz.road_ids[road]]
        d = [haversine_m(r.lat, r.lng, geo.gaz.lat[i], geo.gaz.lng[i]) for i in members]
        assert min(d) < 60.0
    assert geo.forward("南京路与山东路路口").matched_name == "南京路与山东路交叉口"


def test_forward_road_with_noise(geo):
    r = geo.forward("我在香港中路那边")
    assert r.level == "road" and r.matched_name == "香港中路"
    members = geo.gaz.road_members[geo.gaz.road_ids["香港中路"]]
    assert min(haversine_m(r.lat, r.lng, geo.gaz.lat[i], geo.gaz.lng[i]) for i in members) < 1.0
    assert r.confidence < geo.forward("香港中路12号").confidence


def test_forward_ignores_speech_noise_and_phone_numbers(geo):
    r = geo.forward("你好，我现在在五四广场这边，电话13912345678")
    assert r.level == "poi" and r.matched_name == "五四广场"


def test_forward_tolerates_a_typo(geo):
    r = geo.forward("五四广厂")
    assert r.matched_name == "五四广场" and 0 < r.confidence < geo.forward("五四广场").confidence
    assert geo.forward("香港中陆12号").matched_name == "香港中路12号"


def test_forward_unknown_door_number_falls_back_to_the_road(geo):
    r = geo.forward("香港中路9999号")
    assert r.level == "road" and r.confidence < 0.9
    members = geo.gaz.road_members[geo.gaz.road_ids["香港中路"]]
    assert min(haversine_m(r.lat, r.lng, geo.gaz.lat[i], geo.gaz.lng[i]) for i in members) < 1.0


def test_forward_area_names(geo):
    street = geo.forward("湛山街道")
    assert street.level == "street" and street.street_name == "湛山街道"
    assert street.grid_code is None and street.district_code == "370202"
    assert _area_contains(geo, street.street_code, street.lat, street.lng)
    district = geo.forward("青岛市市南区")
    assert district.level == "district" and district.district_code == "370202"


def test_forward_conflicting_area_lowers_confidence(geo):
    plain = geo.forward("五四广场")
    street_code = plain.street_code
    other = next(c for c in geo.gaz.layers["street"].codes if c != street_code)
    other_name = geo.gaz.area_name(other)
    assert geo.forward(other_name + "五四广场").confidence < plain.confidence
    assert geo.forward(plain.street_name + "五四广场").confidence == plain.confidence


@pytest.mark.parametrize("text", ["今天天气不错", "asdfgh", "", "   ", "12345", "我要投诉"])
def test_forward_nonsense_is_an_empty_answer(geo, text):
    r = geo.forward(text)
    assert r.level is None and r.confidence == 0.0 and r.lat is None and r.grid_code is None


def test_to_dict_has_the_cli_keys_first(geo):
    d = geo.forward("栈桥").to_dict()
    assert tuple(d)[: len(CLI_KEYS)] == CLI_KEYS
    assert d["level"] == "poi" and d["street_code"] and d["description"] == "栈桥"


def test_partial_gazetteer_without_grids_or_addresses():
    from shapely.geometry import box

    from intake.geo.gazetteer import AreaRecord, Gazetteer

    gaz = Gazetteer.from_records(
        [AreaRecord("district", "370202", "市南区", box(120.3, 36.0, 120.4, 36.1)),
         AreaRecord("street", "370202001", "八大峡街道", box(120.3, 36.0, 120.35, 36.1))],
        [],
    )
    g = Geocoder(gaz)
    r = g.reverse(36.05, 120.32)
    assert (r.level, r.street_code, r.district_code, r.grid_code) == ("street", "370202001", "370202", None)
    assert r.description is None
    assert g.reverse(36.05, 120.38).level == "district"
    assert g.forward("香港中路12号").level is None
    assert g.forward("八大峡街道").street_code == "370202001"


def test_intersection_of_roads_whose_names_contain_a_separator():
    from intake.geo.gazetteer import AddressRecord, Gazetteer

    recs = [AddressRecord("door", f"盛和路{i}号", "盛和路", str(i), 36.05, 120.30 + i * 0.0005) for i in range(1, 20)]
    recs += [AddressRecord("door", f"南京路{i}号", "南京路", str(i), 36.04 + i * 0.0005, 120.305) for i in range(1, 40)]
    g = Geocoder(Gazetteer.from_records([], recs), use_jionlp=False)
    r = g.forward("盛和路和南京路交叉口")
    assert r.level == "intersection" and r.matched_name == "盛和路与南京路交叉口"
    assert haversine_m(r.lat, r.lng, 36.05, 120.305) < 30.0


def test_poi_on_a_road_wins_over_the_road(geo):
    r = geo.forward("香港中路海信广场门口垃圾桶满了")
    assert r.level == "poi" and r.matched_name == "海信广场"


def test_forward_never_raises_on_random_text(geo):
    rng = np.random.default_rng(11)
    alphabet = list("香港中路号东西南北米和与交叉口附近五四广场我在这边那边()[].*+?|\\^$0123456789 ，。abc")
    for _ in range(300):
        text = "".join(rng.choice(alphabet, int(rng.integers(0, 40))))
        r = geo.forward(text)
        assert r.level is None or r.level in ("door", "poi", "intersection", "road", "community", "street",
                                              "district")
        assert 0.0 <= r.confidence <= 1.0


# Issue 17 item 8: intersections written the usual ways.


@pytest.mark.parametrize(("text", "roads"), [
    ("香港中路山东路口", ("香港中路", "山东路")),
    ("香港中路与山东路路口西北角", ("香港中路", "山东路")),
    ("江西路南京路路口", ("江西路", "南京路")),
    ("湛山路东海西路交汇处", ("湛山路", "东海西路")),
    ("山东路和香港中路交叉口", ("山东路", "香港中路")),
])
def test_forward_intersection_written_the_usual_ways(geo, text, roads):
    r = geo.forward(text)
    assert r.level == "intersection" and r.matched_name == f"{roads[0]}与{roads[1]}交叉口"
    for road in roads:  # at the crossing, not on one road's middle a kilometre away
        members = geo.gaz.road_members[geo.gaz.road_ids[road]]
        assert min(haversine_m(r.lat, r.lng, geo.gaz.lat[i], geo.gaz.lng[i]) for i in members) < 100.0


def test_forward_intersection_keeps_the_corner_in_the_description(geo):
    assert geo.forward("香港中路与山东路路口西北角").description == "香港中路与山东路交叉口西北角"


# Issue 17 item 6: a district the gazetteer does not cover is honoured, not ignored.


@pytest.mark.parametrize(("text", "area"), [
    ("崂山区海尔路1号", "崂山区"), ("市北区香港中路12号", "市北区"), ("青岛市崂山区海尔路1号", "崂山区"),
    ("济南市历下区泉城路1号", "济南市"),
])
def test_forward_address_in_another_district_is_not_placed_here(geo, text, area):
    r = geo.forward(text)
    assert r.outside_area == area and r.lat is None and r.level is None and r.street_code is None


def test_forward_address_in_the_served_district_is_placed(geo):
    r = geo.forward("山东省青岛市市南区香港中路12号")
    assert r.outside_area is None and r.level == "door" and r.district_code == "370202"


def test_place_names_in_finds_the_where_words(geo):
    assert geo.place_names_in("南京路10号门口燃气井盖没了，五四广场附近") == ["五四广场", "南京路"]


def test_forward_road_segment_is_that_part_of_the_road_and_still_road_level(geo):
    west, east, whole = geo.forward("香港中路西段"), geo.forward("香港中路东段"), geo.forward("香港中路")
    assert (west.level, west.description) == ("road", "香港中路西段") and east.description == "香港中路东段"
    assert west.lng < whole.lng < east.lng and haversine_m(west.lat, west.lng, east.lat, east.lng) > 2000
    assert geo.forward("山东路西段").description == "山东路"  # a north–south road has no west part


@pytest.mark.parametrize("text", ["八大峡", "八大峡那边", "在八大峡广场附近"])
def test_a_street_named_without_jiedao_is_that_street(geo, text):
    r = geo.forward(text)
    assert (r.level, r.matched_name) == ("street", "八大峡街道")


def test_a_road_or_poi_named_like_a_street_stays_the_road_or_poi(geo):
    assert geo.forward("中山路").level == "road"
    assert geo.forward("中山路20号").level == "door"
    assert geo.forward("湛山寺门口").matched_name == "湛山寺"


# A crossing written inside a complaint, in the same four forms: placed at the crossing, not on one road's middle.


@pytest.mark.parametrize(("text", "roads"), [
    ("香港中路山东路口井盖没了，很危险", ("香港中路", "山东路")),
    ("香港中路与山东路路口西北角路灯不亮", ("香港中路", "山东路")),
    ("江西路南京路路口有个大坑，车过去颠得厉害", ("江西路", "南京路")),
    ("湛山路东海西路交汇处有人摆摊卖水果", ("湛山路", "东海西路")),
    ("你好，山东路和香港中路交叉口的井盖坏了", ("山东路", "香港中路")),
])
def test_forward_finds_a_crossing_inside_a_complaint(geo, text, roads):
    r = geo.forward(text)
    assert r.level == "intersection" and r.matched_name == f"{roads[0]}与{roads[1]}交叉口"
    assert (r.lat, r.lng) == (geo.forward(f"{roads[0]}与{roads[1]}交叉口").lat,
                              geo.forward(f"{roads[0]}与{roads[1]}交叉口").lng)


def test_forward_keeps_the_corner_of_a_crossing_inside_a_complaint(geo):
    assert geo.forward("香港中路与山东路路口西北角路灯不亮").description == "香港中路与山东路交叉口西北角"


@pytest.mark.parametrize("text", [
    "香港中路路口有个坑",  # one road's crossing, no second road named
    "香港中路有个坑，山东路口也有一个",  # two places in two clauses, not one crossing
])
def test_forward_reads_no_crossing_where_none_is_written(geo, text):
    assert geo.forward(text).level != "intersection"
