"""Parsing of place descriptions, independent of any gazetteer."""

import pytest

from intake.geo.parse import cn_to_int, embedded_intersections, parse_place


@pytest.mark.parametrize(
    ("text", "core", "direction", "distance", "near"),
    [
        ("市南区香港中路12号东侧50米", "市南区香港中路12号", "东", 50.0, False),
        ("香港中路十二号往西北走大约一百米处", "香港中路12号", "西北", 100.0, False),
        ("五四广场南边1.5公里", "五四广场", "南", 1500.0, False),
        ("五四广场附近", "五四广场", None, None, True),
        ("我在香港中路那边", "香港中路", None, None, False),
        ("你好，我现在在栈桥这边，电话13912345678", "栈桥", None, None, False),
        ("就在中山公园门口", "中山公园", None, None, True),
    ],
)
def test_place_and_modifiers_are_separated(text, core, direction, distance, near):
    p = parse_place(text)
    assert (p.core, p.direction, p.distance_m, p.near) == (core, direction, distance, near)


def test_intersections_try_every_separator():
    p = parse_place("盛和路和南京路交叉口")
    assert p.intersection == ("盛和路", "南京路")
    assert ("盛", "路和南京路") not in p.intersections
    assert parse_place("山东路与南京路路口").intersection == ("山东路", "南京路")
    assert parse_place("山东路、南京路").intersection == ("山东路", "南京路")
    assert parse_place("五四广场").intersections == ()


@pytest.mark.parametrize(("text", "value"), [("十二", 12), ("一百零五", 105), ("三五", 35), ("两千", 2000), ("十", 10)])
def test_chinese_numerals(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize(("text", "roads"), [
    ("香港中路山东路口", ("香港中路", "山东路")),  # the 路 of 山东路 is also the 路 of 路口
    ("香港中路与山东路路口西北角", ("香港中路", "山东路")),
    ("江西路南京路路口", ("江西路", "南京路")),
    ("湛山路东海西路交汇处", ("湛山路", "东海西路")),
])
def test_intersections_without_a_separator_or_with_a_corner(text, roads):
    assert parse_place(text).intersection == roads


def test_a_corner_is_kept_and_a_plain_road_is_no_intersection():
    assert parse_place("香港中路与山东路路口西北角").corner == "西北"
    assert parse_place("香港中路西段").intersections == ()
    assert parse_place("香港中路12号").intersections == ()


@pytest.mark.parametrize(("text", "roads", "corner"), [
    ("香港中路山东路口井盖没了，很危险", ("香港中路", "山东路"), None),
    ("香港中路与山东路路口西北角路灯不亮", ("香港中路", "山东路"), "西北"),
    ("江西路南京路路口有个大坑", ("江西路", "南京路"), None),
    ("湛山路东海西路交汇处有人摆摊卖水果", ("湛山路", "东海西路"), None),
])
def test_crossings_are_found_inside_a_complaint(text, roads, corner):
    found = embedded_intersections(text)
    assert found and roads in found[0].intersections and found[0].corner == corner


def test_a_crossing_is_read_within_one_clause():
    assert all(("香港中路有个坑", "山东路") not in p.intersections
               for p in embedded_intersections("香港中路有个坑，山东路口也有一个"))
    assert embedded_intersections("门口的路灯不亮了") == []
