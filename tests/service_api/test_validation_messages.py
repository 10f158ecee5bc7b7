"""Validation errors of the API are in Chinese: marshmallow's and webargs' English never reaches a user
(issue 17, item 20)."""

from __future__ import annotations

import re

import pytest

from service_api.reports.accept import DESCRIPTION_MAX
from service_api.validation_text import chinese

ENGLISH = re.compile(r"Not a valid|Must be|Missing data|Unknown field|Longer than|Shorter than|Invalid|may not be")


def assert_chinese(body: dict) -> None:
    text = body["message"] + str(body.get("errors", ""))
    assert not ENGLISH.search(text), text
    assert re.search(r"[\u4e00-\u9fff]", body["message"])


def test_a_naive_deadline_is_explained_in_chinese(client, make_staff):
    _, dispatcher = make_staff("dispatcher")
    response = client.post("/api/v1/cases/C370202-20260101-00001/transitions", headers=dispatcher,
                           json={"action": "extend", "deadline": "2026-12-05T10:00:00"})
    assert response.status_code == 422
    assert_chinese(response.json)
    assert "带时区" in response.json["errors"]["deadline"][0]


def test_a_bad_choice_names_the_choices_in_chinese(client, make_staff):
    _, dispatcher = make_staff("dispatcher")
    response = client.post("/api/v1/cases/C370202-20260101-00001/transitions", headers=dispatcher,
                           json={"action": "approve"})
    assert response.status_code == 422
    assert_chinese(response.json)
    assert response.json["errors"]["action"][0].startswith("应为以下之一：register")


def test_report_fields_missing_too_long_unknown_and_bad_json(client):
    response = client.post("/api/v1/reports", json={"description": "井" * (DESCRIPTION_MAX + 1), "colour": "red"})
    assert response.status_code == 422
    assert_chinese(response.json)
    assert response.json["errors"]["description"] == [f"长度应在 1 到 {DESCRIPTION_MAX} 之间"]
    assert response.json["errors"]["colour"] == ["不认识的字段"]
    missing = client.post("/api/v1/reports", json={})
    assert missing.status_code == 422 and missing.json["errors"]["description"] == ["必填"]
    broken = client.post("/api/v1/reports", data="{", content_type="application/json")
    assert broken.status_code == 400
    assert_chinese(broken.json)


@pytest.mark.parametrize(("english", "expected"), [
    ("Must be greater than or equal to 1 and less than or equal to 100.", "应大于或等于 1，且小于或等于 100"),
    ("Not a valid integer.", "应为整数"),
    ('"tomorrow" cannot be formatted as a datetime.', "“tomorrow”无法表示为日期时间"),
    ("电话号码格式不正确", "电话号码格式不正确"),
])
def test_message_templates(english, expected):
    assert chinese(english) == expected
