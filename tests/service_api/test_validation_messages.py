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
    assert response.json["errors"]["description"] == [f"最多{DESCRIPTION_MAX}字，请删减后再提交"]
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


def test_preview_and_report_take_the_same_length_of_text(client):
    """A letter the preview takes is not refused when it is filed; one too long for either says so in Chinese."""
    longest = "五四广场东门的垃圾箱满了。" + "井" * (DESCRIPTION_MAX - 13)
    assert len(longest) == DESCRIPTION_MAX
    assert client.post("/api/v1/intake/preview", json={"text": longest}).status_code == 200
    filed = client.post("/api/v1/reports", json={"description": longest})
    assert filed.status_code == 201, filed.json
    for path, field in (("/api/v1/intake/preview", "text"), ("/api/v1/reports", "description")):
        response = client.post(path, json={field: longest + "井"})
        assert response.status_code == 422, path
        assert_chinese(response.json)
        assert response.json["errors"][field] == [f"最多{DESCRIPTION_MAX}字，请删减后再提交"]
        assert f"最多{DESCRIPTION_MAX}字" in response.json["message"]
