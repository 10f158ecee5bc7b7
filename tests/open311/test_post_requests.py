"""POST requests: a partner files a report; it goes through the shared intake (channel open311)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from service_api.cases.intake_pipeline import run_intake
from service_api.extensions import db
from service_api.models import Case, Photo, Report
from service_api.models.open311 import Open311Request
from service_api.open311.keys import revoke_key
from tests.open311.conftest import BASE, assert_valid, jpeg_bytes


def only_report() -> Report:
    return db.session.query(Report).one()


def test_request_becomes_a_report_and_a_case_through_intake(client, post_request):
    response = post_request(first_name="明", last_name="王", phone="13812345678", email="wang@example.cn",
                            device_id="ios-7F3A", account_id="fms-42")
    assert response.status_code == 201, response.data
    body = response.json
    assert len(body) == 1 and set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    report = only_report()
    assert body[0]["service_request_id"] == report.tracking_no
    assert body[0]["account_id"] == "fms-42"
    assert report.channel == "open311" and report.intake_status == "done"
    assert report.contact_phone == "+8613812345678" and report.contact_name == "王明"
    assert report.raw_crs == "wgs84" and report.raw_lat == pytest.approx(36.062)
    case = db.session.get(Case, report.case_id)
    assert case.source_channel == "open311" and case.matter_code == "06028"
    assert case.case_no in body[0]["service_notice"]
    assert report.extra["open311"]["attributes"] == {"time_of_day": "night"}
    assert report.extra["open311"]["email"] == "wang@example.cn"
    row = db.session.get(Open311Request, report.id)
    assert row.service_code == "06028" and row.device_id == "ios-7F3A" and row.api_key_id is not None
    assert b"13812345678" not in response.data


def test_xml_response_uses_the_spec_elements(post_request):
    response = post_request("xml")
    assert response.status_code == 201
    root = ET.fromstring(response.data)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == only_report().tracking_no
    assert "案件编号" in root.findtext("request/service_notice")


def test_token_while_intake_has_not_finished_then_the_id(app, client, post_request):
    app.extensions["settings"].intake_inline = False
    response = post_request()
    assert response.status_code == 201
    item = response.json[0]
    assert "service_request_id" not in item and item["token"]
    status = client.get(f"{BASE}/tokens/{item['token']}.json")
    assert status.json == [{"service_request_id": None, "token": item["token"]}]
    run_intake(only_report().id)
    status = client.get(f"{BASE}/tokens/{item['token']}.xml")
    root = ET.fromstring(status.data)
    assert root.findtext("request/service_request_id") == only_report().tracking_no
    assert root.findtext("request/token") == item["token"]
    assert client.get(f"{BASE}/tokens/not-a-token.json").status_code == 404


@pytest.mark.parametrize("key", [None, "", "o311_wrong-key"])
def test_missing_or_wrong_key_is_403(post_request, key):
    response = post_request(api_key=key)
    assert response.status_code == 403
    assert response.json[0]["code"] == 403 and "api_key" in response.json[0]["description"]
    assert db.session.query(Report).count() == 0


def test_revoked_key_is_403(post_request):
    assert post_request().status_code == 201
    assert revoke_key("FixMyStreet 青岛")
    response = post_request("xml")
    assert response.status_code == 403 and ET.fromstring(response.data).findtext("error/code") == "403"
    assert db.session.query(Report).count() == 1


@pytest.mark.parametrize(("fields", "drop", "needle"), [
    ({"service_code": "99999"}, (), "service_code"),
    ({}, ("service_code",), "service_code"),
    ({"lat": "abc"}, (), "lat"),
    ({"lat": "95.5"}, (), "lat"),
    ({"long": "181"}, (), "lat"),
    ({}, ("long",), "lat"),
    ({}, ("lat", "long"), "位置"),
    ({"description": "吵" * 4001}, (), "description"),
    ({}, ("attribute[time_of_day]",), "attribute[time_of_day]"),
    ({"attribute[time_of_day]": "midnight"}, (), "midnight"),
    ({"attribute[volume]": "loud"}, (), "volume"),
    ({"attribute[first_noticed]": "yesterday"}, (), "first_noticed"),
    ({"email": "not-an-email"}, (), "email"),
    ({"media_url": "ftp://example.com/a.jpg"}, (), "media_url"),
    ({"address_id": "424242"}, ("lat", "long"), "address_id"),
])
def test_bad_input_is_400_and_files_nothing(post_request, fields, drop, needle):
    response = post_request(drop=drop, **fields)
    assert response.status_code == 400, response.data
    assert response.json[0]["code"] == 400 and needle in response.json[0]["description"]
    assert db.session.query(Report).count() == 0


def test_description_of_exactly_4000_characters_is_accepted(post_request):
    assert post_request(description="吵" * 4000).status_code == 201


def test_address_string_alone_is_a_location(post_request):
    response = post_request(drop=("lat", "long"), address_string="香港中路12号")
    assert response.status_code == 201
    report = only_report()
    assert report.address == "香港中路12号" and report.raw_lat is None


def test_attribute_lists_numbers_and_datetimes(post_request):
    response = post_request(**{
        "service_code": "09006", "description": "南京路上有人占道摆摊卖水果和蔬菜",
        "attribute[still_there]": "yes", "attribute[goods][]": ["fruit", "vegetables"],
        "attribute[stall_count]": "3", "attribute[time_of_day]": None,
    })
    assert response.status_code == 201, response.data
    attributes = only_report().extra["open311"]["attributes"]
    assert attributes == {"still_there": "yes", "goods": ["fruit", "vegetables"], "stall_count": 3}
    assert "水果、蔬菜" in only_report().extra["open311"]["attributes_text"]


def test_bad_multivaluelist_entry_and_bad_number_are_400(post_request):
    base = {"service_code": "09006", "attribute[still_there]": "no", "attribute[time_of_day]": None}
    bad_list = post_request(**base, **{"attribute[goods][]": ["fruit", "weapons"]})
    assert bad_list.status_code == 400 and "weapons" in bad_list.json[0]["description"]
    bad_number = post_request(**base, **{"attribute[stall_count]": "很多"})
    assert bad_number.status_code == 400 and "stall_count" in bad_number.json[0]["description"]


def test_manhole_report_with_hole_open_question(post_request):
    response = post_request(**{
        "service_code": "01023", "description": "香港中路12号门口井盖丢了，很危险",
        "attribute[time_of_day]": None, "attribute[hole_open]": "yes", "attribute[cover_state]": "missing",
        "attribute[safety_notice]": "已阅读",  # an informational attribute: accepted and ignored
    })
    assert response.status_code == 201, response.data
    assert only_report().extra["open311"]["attributes"] == {"hole_open": "yes", "cover_state": "missing"}
    missing = post_request(**{"service_code": "01023", "attribute[time_of_day]": None,
                              "attribute[cover_state]": "broken"})
    assert missing.status_code == 400 and "hole_open" in missing.json[0]["description"]


def test_idempotent_retry_of_one_device_returns_the_first_request(post_request):
    headers = {"Idempotency-Key": "retry-0001"}
    first = post_request(device_id="android-1", headers=headers)
    second = post_request(device_id="android-1", headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json[0]["service_request_id"] == second.json[0]["service_request_id"]
    assert db.session.query(Report).count() == 1
    other_device = post_request(device_id="android-2", headers=headers)
    assert other_device.status_code == 201
    assert db.session.query(Report).count() == 2


def test_multipart_media_upload_is_stored_through_the_photo_pipeline(client, api_key):
    response = client.post(f"{BASE}/requests.json", content_type="multipart/form-data", data={
        "api_key": api_key, "service_code": "06042", "lat": "36.0620", "long": "120.3845",
        "description": "五四广场东边的垃圾桶满了，垃圾溢出来一地",
        "media": (io.BytesIO(jpeg_bytes()), "bin.jpg"),
    })
    assert response.status_code == 201, response.data
    report = only_report()
    assert len(report.photos) == 1
    photo = db.session.get(Photo, report.photos[0].id)
    assert photo.width == 320
    detail = client.get(f"{BASE}/requests/{report.tracking_no}.json?extensions=true").json[0]
    assert detail["media_url"] == f"http://testserver.local/api/v1/photos/{photo.id}"
    assert detail["extended_attributes"]["photos"] == [detail["media_url"]]
    served = client.get(f"/api/v1/photos/{photo.id}")
    assert served.status_code == 200 and served.data[:2] == b"\xff\xd8"


def test_media_that_is_not_an_image_is_400(client, api_key):
    response = client.post(f"{BASE}/requests.json", content_type="multipart/form-data", data={
        "api_key": api_key, "service_code": "06042", "address_string": "五四广场",
        "media": (io.BytesIO(b"%PDF-1.4 not a photo"), "doc.pdf"),
    })
    assert response.status_code == 400 and "media" in response.json[0]["description"]
    assert db.session.query(Report).count() == 0


def test_media_url_is_recorded_and_returned(client, post_request):
    post_request(media_url="https://partner.example.cn/m/abc.jpg")
    report = only_report()
    assert report.extra["media_url"] == "https://partner.example.cn/m/abc.jpg"
    detail = client.get(f"{BASE}/requests/{report.tracking_no}.json").json
    assert_valid("requests.json", detail)
    assert detail[0]["media_url"] == "https://partner.example.cn/m/abc.jpg"


def test_oversized_body_is_413_in_open311_format(app, client, api_key):
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = client.post(f"{BASE}/requests.xml", content_type="multipart/form-data", data={
        "api_key": api_key, "service_code": "06042", "address_string": "五四广场",
        "media": (io.BytesIO(jpeg_bytes(800, 600)), "big.jpg"),
    })
    assert response.status_code == 413
    assert ET.fromstring(response.data).findtext("error/code") == "413"


def test_a_bad_second_media_file_files_nothing(client, api_key):
    response = client.post(f"{BASE}/requests.json", content_type="multipart/form-data", data={
        "api_key": api_key, "service_code": "06042", "address_string": "五四广场",
        "media": [(io.BytesIO(jpeg_bytes()), "ok.jpg"), (io.BytesIO(b"GIF89a nonsense"), "bad.gif")],
    })
    assert response.status_code == 400
    assert client.get(f"{BASE}/services.json").status_code == 200  # a later request commits nothing stale
    assert db.session.query(Report).count() == 0 and db.session.query(Photo).count() == 0
