"""Messages of the API's 4xx that a person reads: fields named in Chinese, stats periods, staff-only answers."""

from __future__ import annotations

import re

import pytest

ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def test_a_contact_that_is_not_an_object_is_named_in_chinese(client):
    response = client.post("/api/v1/reports", json={"description": "井盖丢了", "contact": "13812345678"})
    assert response.status_code == 422
    message = response.json["message"]
    assert "_schema" not in message and "类型不正确" not in message
    assert "联系方式（contact）：应为 JSON 对象" in message
    missing = client.post("/api/v1/reports", json={"location": {"lat": "north", "lng": 120.3}})
    text = missing.json["message"]
    assert "问题描述（description）：必填" in text and "位置中的纬度（location.lat）：应为数字" in text


@pytest.mark.parametrize(("query", "words"), [
    ({"from": "2026-12-05", "to": "2026-12-01"}, "开始日期不能晚于结束日期"),
    ({"from": "2020-01-01", "to": "2026-12-01"}, "统计期间最长"),
])
def test_bad_periods_are_explained_in_chinese_only(client, make_staff, query, words):
    _, reviewer = make_staff("reviewer")
    response = client.get("/api/v1/stats/satisfaction", query_string=query, headers=reviewer)
    assert response.status_code == 422 and response.json["code"] == "bad_period"
    assert words in response.json["message"]
    for text in response.json["errors"]["from"]:
        assert not ENGLISH_WORD.search(text), text


def test_a_bad_date_gives_a_date_example(client, make_staff):
    _, reviewer = make_staff("reviewer")
    response = client.get("/api/v1/stats/satisfaction", query_string={"from": "12/05/2026"}, headers=reviewer)
    assert response.status_code == 422
    assert response.json["errors"]["from"] == ["不是有效的日期（ISO 8601，如 2026-12-04）"]
    assert "开始日期（from）" in response.json["message"] and "T16:00" not in response.json["message"]


def test_a_signed_in_resident_is_forbidden_not_unauthenticated(client):
    created = client.post("/api/v1/reports", json={"description": "五四广场的垃圾箱满了",
                                                   "location": {"lat": 36.062, "lng": 120.3845}}).json
    resident = {"Authorization": f"Bearer {created['access_token']}"}
    response = client.get("/api/v1/stats/satisfaction", headers=resident)
    assert response.status_code == 403 and "工作人员" in response.json["message"]
    assert client.get("/api/v1/stats/satisfaction").status_code == 401  # nobody signed in: still 401
