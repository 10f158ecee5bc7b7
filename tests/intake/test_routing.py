import json
from pathlib import Path

import pytest

from intake.routing import DEFAULT_PATH, build_routing, load_routing
from intake.taxonomy import load_directory


def test_component_fault_routes_to_owner_regardless_of_street():
    table = load_routing()
    route = table.route("01011", "370202003")  # 燃气井盖异常
    assert route.strategy == "owner"
    assert route.department_name == "青岛能源泰能燃气集团有限公司"
    assert route.priority == "urgent" and route.time_limit_unit == "natural_hours"
    assert table.route("01011", None) == route


def test_component_fault_without_own_rule_uses_major_class_owner():
    route = load_routing().route("04013", "370202003")  # 绿地异常
    assert (route.strategy, route.department_name) == ("owner", "市南区园林绿化服务中心")


def test_event_routes_to_street_office_of_the_grid():
    table = load_routing()
    route = table.route("06010", "370202010")  # 暴露垃圾 in 香港中路街道
    assert route.strategy == "territory"
    assert route.department_code == "street:370202010"
    assert route.department_name == "香港中路街道办事处"
    assert (route.priority, route.time_limit_amount, route.time_limit_unit) == ("high", 4, "working_hours")


def test_event_street_name_from_caller_and_unknown_street():
    table = load_routing()
    assert table.route("09006", "370203001", "宁夏路街道").department_name == "宁夏路街道办事处"
    assert table.route("09006", "370203001").department_code == "street:370203001"


def test_event_without_street_falls_back_to_district_bureau():
    route = load_routing().route("07001", None)
    assert route.strategy == "territory" and route.department_name == "市南区城市管理局"


def test_every_event_has_a_route():
    table = load_routing()
    for matter in load_directory().events():
        route = table.route(matter.code, "370202001")
        expected = "owner" if matter.is_component_fault else "territory"
        assert route.strategy == expected, matter.code


def test_departments_include_owners_and_street_offices():
    departments = {d.code: d for d in load_routing().departments()}
    assert departments["qd-water"].kind == "owner"
    assert departments["street:370202005"].name == "八大关街道办事处"
    assert departments["street:370202005"].kind == "street"
    assert len({d.name for d in departments.values()}) == len(departments)


def test_config_errors_are_reported(tmp_path: Path):
    config = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    config["rules"].append({"match": "06010", "strategy": "owner", "department": "nobody",
                            "time_limit": [1, "working_days"]})
    (tmp_path / "demo_streets.csv").write_text("code,name\n", encoding="utf-8")
    path = tmp_path / "routing.json"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="nobody"):
        build_routing(path)
