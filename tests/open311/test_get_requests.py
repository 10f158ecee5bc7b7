"""GET requests and requests/{id}: filters, the 90-day and paging limits, privacy, JSON and XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from service_api.extensions import db
from service_api.models import Case, Report, utcnow
from tests.open311.conftest import BASE, assert_valid

NOISE = {"service_code": "06028", "description": "五四广场东侧酒吧每天夜里音响很大，吵得睡不着"}
GARBAGE = {"service_code": "06042", "description": "南京路菜市场门口垃圾箱满了，垃圾溢出来一地",
           "lat": "36.0700", "long": "120.3900", "attribute[time_of_day]": None}


def filed(post_request, **fields) -> str:
    response = post_request(**fields)
    assert response.status_code == 201, response.data
    return response.json[0]["service_request_id"]


def listing(client, query: str = "", fmt: str = "json"):
    return client.get(f"{BASE}/requests.{fmt}{'?' + query if query else ''}")


def ids(response) -> list[str]:
    assert response.status_code == 200, response.data
    return [item["service_request_id"] for item in response.json]


def case_of(tracking_no: str) -> Case:
    return db.session.query(Report).filter_by(tracking_no=tracking_no).one().case


def test_listing_validates_against_the_schema_with_all_fields(client, post_request):
    noise, garbage = filed(post_request, **NOISE), filed(post_request, **GARBAGE)
    body = listing(client).json
    assert_valid("requests.json", body)
    assert [item["service_request_id"] for item in body] == [garbage, noise]  # newest first
    item = body[1]
    assert item["status"] == "open" and item["service_name"] == "噪声扰民" and item["service_code"] == "06028"
    assert item["requested_datetime"].endswith("+08:00") and item["updated_datetime"].endswith("+08:00")
    assert item["agency_responsible"] and item["status_notes"]
    assert item["lat"] == pytest.approx(36.062) and item["long"] == pytest.approx(120.3845)
    assert isinstance(item["service_request_id"], str)
    for field in ("expected_datetime", "address", "address_id", "zipcode", "media_url", "service_notice"):
        assert field in item
    assert "extended_attributes" not in item


def test_chinese_text_round_trips_through_json_and_xml(client, post_request):
    text = "中山路“老字号”门前夜市噪声扰民，凌晨两点还在放音乐 & 吆喝 <很吵>"
    tracking_no = filed(post_request, description=text)
    assert listing(client).json[0]["description"] == text
    response = client.get(f"{BASE}/requests/{tracking_no}.xml")
    assert response.content_type == "text/xml; charset=utf-8"
    assert "中山路".encode() in response.data
    root = ET.fromstring(response.data)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("description") == text
    assert request.findtext("service_name") == "噪声扰民"
    assert request.findtext("status") == "open"
    for element in ("service_request_id", "status_notes", "service_code", "agency_responsible", "service_notice",
                    "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id",
                    "zipcode", "lat", "long", "media_url"):
        assert request.find(element) is not None, element


def test_phone_numbers_never_appear(client, post_request):
    tracking_no = filed(post_request, phone="13912345678",
                        description="半夜施工太吵，联系我13812345678或座机0532-88886666")
    for fmt in ("json", "xml"):
        for url in (f"{BASE}/requests.{fmt}?extensions=true", f"{BASE}/requests/{tracking_no}.{fmt}?extensions=true"):
            data = client.get(url).data.decode()
            assert "13912345678" not in data and "13812345678" not in data and "88886666" not in data
            assert "138****5678" in data
    assert db.session.query(Report).one().contact_phone == "+8613912345678"


def test_service_request_id_list_overrides_every_other_filter(client, post_request):
    noise, garbage = filed(post_request, **NOISE), filed(post_request, **GARBAGE)
    found = ids(listing(client, f"service_request_id={noise},{garbage},R20000101999999&status=closed"
                                "&service_code=09006&start_date=2020-01-01&end_date=2020-01-02"))
    assert sorted(found) == sorted([noise, garbage])


def test_service_code_and_status_filters(client, post_request):
    noise, garbage = filed(post_request, **NOISE), filed(post_request, **GARBAGE)
    case = case_of(garbage)
    case.status, case.outcome = "closed", "已清运，周边已冲洗"
    db.session.commit()
    assert ids(listing(client, "status=closed")) == [garbage]
    assert ids(listing(client, "status=open")) == [noise]
    assert sorted(ids(listing(client, "status=open,closed"))) == sorted([noise, garbage])
    assert ids(listing(client, "service_code=06042")) == [garbage]
    assert sorted(ids(listing(client, "service_code=06042,06028"))) == sorted([noise, garbage])
    closed = listing(client, "status=closed").json[0]
    assert closed["status"] == "closed" and "已清运" in closed["status_notes"]
    rejected = case_of(noise)
    rejected.status = "rejected"
    db.session.commit()
    assert listing(client, f"service_request_id={noise}").json[0]["status"] == "closed"


def test_default_window_is_the_last_90_days(client, post_request):
    old, new = filed(post_request, **NOISE), filed(post_request, **GARBAGE)
    report = db.session.query(Report).filter_by(tracking_no=old).one()
    report.created_at = utcnow() - timedelta(days=100)
    db.session.commit()
    assert ids(listing(client)) == [new]
    # Local dates: end_date carries +08:00, and from 16:00 UTC Shanghai is already on the next day.
    shanghai = ZoneInfo("Asia/Shanghai")
    day = (utcnow() - timedelta(days=100)).astimezone(shanghai).strftime("%Y-%m-%d")
    window = (utcnow() - timedelta(days=120)).astimezone(shanghai).strftime("%Y-%m-%d")
    assert ids(listing(client, f"start_date={window}&end_date={day}T23:59:59%2B08:00")) == [old]
    assert ids(listing(client, f"start_date={window}")) == [old]  # start alone: the 90 days after it


@pytest.mark.parametrize(("query", "needle"), [
    ("start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z", "90"),
    ("start_date=2026-03-01&end_date=2026-02-01", "end_date"),
    ("start_date=yesterday", "start_date"),
    ("end_date=2026-13-45", "end_date"),
    ("updated_after=soon", "updated_after"),
    ("page_size=501", "page_size"),
    ("page_size=0", "page_size"),
    ("page=0", "page"),
    ("page=two", "page"),
    ("status=pending", "status"),
    ("extensions=yes", "extensions"),
])
def test_bad_filters_are_400(client, query, needle):
    for fmt in ("json", "xml"):
        response = listing(client, query, fmt)
        assert response.status_code == 400
        if fmt == "json":
            assert response.json[0]["code"] == 400 and needle in response.json[0]["description"]
        else:
            assert ET.fromstring(response.data).findtext("error/code") == "400"


def test_exactly_90_days_and_500_per_page_are_allowed(client):
    assert listing(client, "start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:00Z").status_code == 200
    assert listing(client, "page_size=500").status_code == 200


def test_paging(client, post_request):
    filed_ids = [filed(post_request, **NOISE, address_string=f"中山路{n}号") for n in range(3)]
    newest_first = list(reversed(filed_ids))
    assert ids(listing(client, "page_size=2")) == newest_first[:2]
    assert ids(listing(client, "page_size=2&page=2")) == newest_first[2:]
    assert ids(listing(client, "page_size=2&page=3")) == []


def test_updated_after_and_before(client, post_request):
    stale, fresh = filed(post_request, **NOISE), filed(post_request, **GARBAGE)
    case_of(stale).updated_at = utcnow() - timedelta(days=10)
    db.session.commit()
    since = (utcnow() - timedelta(days=1)).isoformat()
    assert ids(client.get(f"{BASE}/requests.json", query_string={"updated_after": since})) == [fresh]
    assert ids(client.get(f"{BASE}/requests.json", query_string={"updated_before": since})) == [stale]


def test_extensions_show_channel_case_duplicates_and_notes(client, post_request):
    first = filed(post_request, **NOISE)
    second = filed(post_request, **NOISE)  # same place, same problem: intake merges it
    assert case_of(first).id == case_of(second).id
    by_id = {i["service_request_id"]: i for i in listing(client, "extensions=true").json}
    assert_valid("requests.json", list(by_id.values()))
    merged = by_id[second]["extended_attributes"]
    assert merged["duplicate"] is True and merged["parent_service_request_id"] == first
    assert merged["channel"] == "open311" and merged["case_no"] == case_of(first).case_no
    assert merged["attributes"] == {"time_of_day": "night"}
    original = by_id[first]["extended_attributes"]
    assert original["duplicate"] is False and original["parent_service_request_id"] is None
    assert original["notes"][0]["summary"] == f"提交成功，受理编号 {first}"
    assert all(note["datetime"].endswith("+08:00") for note in original["notes"])
    assert "extended_attributes" not in listing(client, "extensions=false").json[0]

    root = ET.fromstring(client.get(f"{BASE}/requests/{second}.xml?extensions=true").data)
    extended = root.find("request/extended_attributes")
    assert extended.findtext("duplicate") == "true"
    assert extended.findtext("parent_service_request_id") == first
    assert extended.findtext("notes/note/summary").startswith("提交成功")


def test_reports_from_other_channels_are_listed_without_their_photos(client, post_request):
    created = client.post("/api/v1/reports", json={"description": "香港中路12号门口井盖丢了，很危险",
                                                   "address": "香港中路12号"})
    assert created.status_code == 201
    item = listing(client, "extensions=true").json[0]
    assert item["service_request_id"] == created.json["tracking_no"]
    assert item["extended_attributes"]["channel"] == "miniprogram"
    assert item["media_url"] is None and item["extended_attributes"]["photos"] == []
    assert_valid("requests.json", [item])


def test_unknown_request_is_404(client):
    response = client.get(f"{BASE}/requests/R20990101000001.json")
    assert response.status_code == 404 and response.json[0]["code"] == 404
    xml = client.get(f"{BASE}/requests/R20990101000001.xml")
    assert xml.status_code == 404 and ET.fromstring(xml.data).findtext("error/code") == "404"
