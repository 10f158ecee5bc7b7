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


# Issue 17 item 9: owners reviewed against what each 部件 is.


@pytest.mark.parametrize(("code", "owner"), [
    ("01012", "青岛市公安局市南分局"),  # 公安井盖
    ("01050", "青岛市公安局市南分局"),  # 监控电子眼设施
    ("01051", "青岛市公安局市南分局"),  # 治安岗亭
    ("02039", "青岛市公安局市南分局"),  # 公安指示牌
    ("02032", "青岛地铁集团有限公司"),  # 轨道交通设施
    ("03009", "青岛市气象局"),  # 气象监测站
    ("03010", "青岛市生态环境局市南分局"),  # 环保监测站
    ("03011", "青岛市生态环境局市南分局"),  # 污水口监测站
    ("03013", "青岛市生态环境局市南分局"),  # 噪声显示屏
    ("04002", "市南区园林绿化服务中心"),  # 行道树
    ("02012", "市南区民政局"),  # 路名牌
    ("02028", "中国铁路济南局集团有限公司（青岛地区工务段）"),  # 铁道口设施
])
def test_components_go_to_the_body_that_owns_them(code, owner):
    route = load_routing().route(code, "370202003")
    assert (route.strategy, route.department_name) == ("owner", owner)


def test_no_monitoring_station_or_police_asset_goes_to_sanitation_or_municipal_facilities():
    table = load_routing()
    for code in ("03009", "03010", "03011", "03012", "03013"):
        assert table.route(code, None).department_code != "370202-hjws", code
    for code in ("01012", "01050", "01051"):
        assert table.route(code, None).department_code != "370202-szfw", code


def test_every_rule_says_why_its_owner():
    config = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    names = {m.code: m.name for m in load_directory().events()}
    for rule in config["rules"]:
        assert rule.get("source", "").strip(), rule["match"]
        if len(rule["match"]) == 5:  # names the matter it is about, as the standard's directory does
            assert rule["match"] in rule["source"], rule["match"]
            assert names[rule["match"]].removesuffix("异常") in rule["source"], rule["match"]


def test_a_rule_without_a_source_is_refused(tmp_path: Path):
    config = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    config["rules"][-1].pop("source")
    (tmp_path / "demo_streets.csv").write_text("code,name\n", encoding="utf-8")
    path = tmp_path / "routing.json"
    path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="source"):
        build_routing(path)
