"""Intake through the report API: what is merged, where a case is placed, what waits for manual triage
(issue 17 items 1, 2, 6, 7). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from intake.geo.distance import destination
from intake.triage import (
    NO_PLACE,
    NOT_CITY_MATTER,
    OUTSIDE_AREA,
    PRIVATE_MATTER,
    PROPERTY_MATTER,
    UNCERTAIN_PLACE,
    VAGUE_PLACE,
)
from service_api.extensions import db
from service_api.models import Case, Department, Report
from tests.service_api.images import jpeg_bytes, upload

# 五四广场, 市南区, in WGS-84 (the demo gazetteer's CGCS2000 is the same at city scale).
MAY_FOURTH_SQUARE = {"lat": 36.0620, "lng": 120.3845, "crs": "wgs84"}


def post_report(client, body):
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.json
    return response.json


def case_of(created) -> Case:
    return db.session.query(Case).filter_by(case_no=created["case_no"]).one()


def department_code(case: Case) -> str | None:
    return db.session.get(Department, case.department_id).code if case.department_id else None


def metres_from(location: dict, metres: float, bearing: float = 90.0) -> dict:
    lat, lng = destination(location["lat"], location["lng"], bearing, metres)
    return {"lat": lat, "lng": lng, "crs": "wgs84"}


# -- item 1: different problems at one address -------------------------------------------------------------


def test_a_missing_gas_cover_next_to_a_dark_street_light_reaches_the_gas_company(client):
    light = post_report(client, {"description": "南京路10号门口路灯不亮了", "address": "南京路10号"})
    light_case = case_of(light)
    five_m = metres_from({"lat": light_case.lat, "lng": light_case.lng}, 5.0)
    gas = post_report(client, {"description": "南京路10号门口燃气井盖没了", "location": five_m})
    assert gas["case_no"] != light["case_no"]
    gas_case = case_of(gas)
    assert gas_case.matter_code == "01011" and department_code(gas_case) == "qd-gas"
    assert gas_case.report_count == 1 and case_of(light).report_count == 1
    assert not db.session.get(Report, gas["id"]).is_duplicate


def test_the_same_problem_again_at_the_same_door_still_joins_the_case(client):
    first = post_report(client, {"description": "南京路10号门口路灯不亮了", "address": "南京路10号"})
    spot = case_of(first)
    again = post_report(client, {"description": "南京路10号这里的路灯坏了，晚上一片黑",
                                 "location": metres_from({"lat": spot.lat, "lng": spot.lng}, 5.0)})
    assert again["case_no"] == first["case_no"] and case_of(first).report_count == 2


# -- item 2: road-level places -------------------------------------------------------------------------------


def test_reports_placed_on_a_road_only_are_not_merged_and_read_as_the_road(client):
    west = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": "香港中路西段"})
    east = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": "香港中路东段"})
    assert west["case_no"] != east["case_no"]
    for created, name in ((west, "香港中路西段"), (east, "香港中路东段")):
        report = db.session.get(Report, created["id"])
        assert report.geocode_level == "road"
        assert report.location_description == name and created["location_description"] == name
        assert "号" not in case_of(created).location_description


def test_two_reports_naming_only_the_same_road_are_not_merged_by_its_middle_point(client):
    first = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": "香港中路"})
    second = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": "香港中路"})
    assert first["case_no"] != second["case_no"]
    assert first["location_description"] == "香港中路"


def test_a_report_at_a_door_does_not_join_a_case_placed_on_the_road(client):
    road = post_report(client, {"description": "路灯不亮了", "address": "香港中路"})
    road_case = case_of(road)
    beside = metres_from({"lat": road_case.lat, "lng": road_case.lng}, 10.0)
    door = post_report(client, {"description": "路灯不亮了", "location": beside})
    assert door["case_no"] != road["case_no"]


def test_the_preview_asks_the_agent_or_bot_for_a_closer_place(client, service_headers):
    road = client.post("/api/v1/intake/preview", json={"text": "路灯不亮了", "address": "香港中路西段"},
                       headers=service_headers).json
    assert road["geocode"]["level"] == "road" and road["geocode"]["description"] == "香港中路西段"
    assert "门牌号" in road["place_prompt"]
    door = client.post("/api/v1/intake/preview", json={"text": "路灯不亮了", "address": "香港中路12号"},
                       headers=service_headers).json
    assert door["place_prompt"] is None


def test_the_preview_asks_again_for_a_crossing_of_roads_that_do_not_meet(client, service_headers):
    """福州南路 and 南京路 are 750 m apart at their closest in the demo city: filing would not adopt the "crossing"
    (too unsure), so the bot or agent asks for a door number instead of reading it back as found."""
    far = client.post("/api/v1/intake/preview", json={"text": "井盖没了", "address": "福州南路和南京路路口"},
                      headers=service_headers).json
    assert far["geocode"]["level"] == "intersection"
    assert "门牌号" in far["place_prompt"]
    near = client.post("/api/v1/intake/preview", json={"text": "井盖没了", "address": "福州南路和闽江路路口"},
                       headers=service_headers).json
    assert near["geocode"]["level"] == "intersection" and near["place_prompt"] is None


# -- item 6: out-of-area and unlocated reports ----------------------------------------------------------------


def triage_reasons(created) -> list[str]:
    case = case_of(created)
    assert case.status == "received" and case.triage, "must wait for manual triage, not be registered"
    return case.extra["triage"]["reasons"]


def test_a_photo_taken_abroad_goes_to_manual_triage(client):
    photo = upload(client, jpeg_bytes(gps=(48.8584, 2.2945))).json  # Paris
    created = post_report(client, {"description": "这里路灯不亮了", "photo_ids": [photo["id"]]})
    assert OUTSIDE_AREA in triage_reasons(created)


@pytest.mark.parametrize("address, district", [("崂山区海尔路1号", "崂山区"), ("市北区香港中路12号", "市北区")])
def test_an_address_in_another_district_is_not_placed_here(client, address, district):
    created = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": address})
    assert OUTSIDE_AREA in triage_reasons(created)
    report = db.session.get(Report, created["id"])
    assert report.lat is None and report.street_code is None
    assert district in " ".join(case_of(created).extra["triage"]["notes"])


@pytest.mark.parametrize("address", [
    "香港东路100号",  # fuzzily "山东路100号" (0.48)
    "南海路9号",  # another real road one character from 珠海路: its door 9 must not be taken for 珠海路9号
    "八大峡街道香港中路12号",  # 香港中路12号 lies in 湛山街道, not in the street the resident names
])
def test_a_doubtful_match_is_not_kept(client, address):
    created = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": address})
    assert UNCERTAIN_PLACE in triage_reasons(created)
    assert db.session.get(Report, created["id"]).lat is None


def test_a_report_without_any_place_goes_to_manual_triage(client):
    created = post_report(client, {"description": "路灯不亮"})
    assert NO_PLACE in triage_reasons(created)


def test_a_located_confident_report_is_still_registered_automatically(client):
    created = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": "香港中路12号"})
    case = case_of(created)
    assert case.status == "registered" and not case.triage


# A crossing inside the text is the place; a road alone is not place enough to register on our own.


@pytest.mark.parametrize("text, crossing", [
    ("香港中路山东路口井盖没了，很危险", "香港中路山东路口"),
    ("香港中路与山东路路口西北角路灯不亮", "香港中路山东路口"),
    ("湛山路东海西路交汇处有人摆摊卖水果", "湛山路东海西路交汇处"),
])
def test_a_crossing_written_in_the_description_places_the_case_there(client, text, crossing):
    created = post_report(client, {"description": text})
    report = db.session.get(Report, created["id"])
    as_address = post_report(client, {"description": "井盖没了", "address": crossing})
    sent_as_address = db.session.get(Report, as_address["id"])
    assert report.geocode_level == "intersection"
    assert (report.lat, report.lng) == (sent_as_address.lat, sent_as_address.lng)
    assert created["location_description"] == sent_as_address.location_description


@pytest.mark.parametrize("body", [
    {"description": "香港中路上井盖没了，很危险"},
    {"description": "井盖没了，很危险", "address": "香港中路"},
    {"description": "路灯不亮了，晚上很黑", "address": "香港中路西段"},
])
def test_a_place_known_only_as_a_road_waits_for_manual_triage(client, body):
    created = post_report(client, body)
    assert created["status"] != "registered"
    assert VAGUE_PLACE in triage_reasons(created)
    assert "香港中路" in " ".join(case_of(created).extra["triage"]["notes"])
    history = " ".join(e.note or "" for e in case_of(created).events)
    assert "自动立案" not in history


# -- item 7: homes and private property --------------------------------------------------------------------


@pytest.mark.parametrize("text, referral_word", [
    ("楼上邻居天天晚上打麻将，吵得睡不着", "110"),
    ("邻居两口子天天吵架，声音很大", "居委会"),
    ("楼上邻居家装修噪音太大，电钻一直响", "物业"),
    ("家里自来水发黄，有股味道", "自来水公司"),
])
def test_problems_inside_homes_are_not_registered_and_say_where_to_go(client, text, referral_word):
    created = post_report(client, {"description": text, "address": "香港中路12号"})
    assert PRIVATE_MATTER in triage_reasons(created)
    case = case_of(created)
    assert case.matter_code is None and case.department_id is None  # no city owner, no 2-hour limit
    assert referral_word in case.extra["referral"] and referral_word in created["referral"]


@pytest.mark.parametrize("text", ["我们小区里的路灯坏了，物业不管", "小区里垃圾堆了好几天没人清"])
def test_compound_matters_go_to_triage_with_the_property_company_referral(client, text):
    created = post_report(client, {"description": text, "address": "香港中路12号"})
    assert PROPERTY_MATTER in triage_reasons(created)
    assert "物业" in case_of(created).extra["referral"]


def test_rubbish_at_the_compound_gate_is_still_a_city_case(client):
    created = post_report(client, {"description": "小区门口的垃圾桶满了，垃圾溢出来一地",
                                   "location": MAY_FOURTH_SQUARE})
    assert case_of(created).status == "registered"


@pytest.mark.parametrize("text", ["我想问一下社保卡补办怎么弄", "老板拖欠我三个月工资不给，怎么办"])
def test_a_matter_confidently_out_of_scope_is_referred_to_the_citizen_hotline_at_once(client, text):
    from service_api.models import Notification

    created = post_report(client, {"description": text, "contact": {"phone": "13812341234"}})
    assert NOT_CITY_MATTER in triage_reasons(created)  # still waits for staff, who may reject it
    assert created["referral"] and "12345" in created["referral"]
    receipt = db.session.query(Notification).filter_by(report_id=created["id"], kind="received").one()
    assert "已受理" in receipt.body and created["referral"] in receipt.body


def test_a_private_matters_receipt_says_where_to_go(client):
    from service_api.models import Notification

    created = post_report(client, {"description": "家里自来水发黄，有股味道", "address": "香港中路12号",
                                   "contact": {"phone": "13812341234"}})
    receipt = db.session.query(Notification).filter_by(report_id=created["id"], kind="received").one()
    assert "自来水公司" in receipt.body


def test_a_city_matters_receipt_carries_no_referral(client):
    from service_api.models import Notification

    created = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": "香港中路12号",
                                   "contact": {"phone": "13812341234"}})
    assert created["referral"] is None
    receipt = db.session.query(Notification).filter_by(report_id=created["id"], kind="received").one()
    assert "12345" not in receipt.body


def test_rejecting_a_tap_water_report_tells_the_resident_to_call_the_water_company(client, make_staff):
    from service_api.models import Notification

    _, agent = make_staff("agent")
    created = post_report(client, {"description": "家里自来水发黄，有股味道", "address": "香港中路12号",
                                   "contact": {"phone": "13812341234"}})
    response = client.post(f"/api/v1/cases/{created['case_no']}/transitions",
                           json={"action": "reject", "reason": "out_of_scope"}, headers=agent)
    assert response.status_code == 200, response.json
    body = db.session.query(Notification).filter_by(report_id=created["id"], kind="rejected").first().body
    assert "自来水公司" in body and "社保" not in body
