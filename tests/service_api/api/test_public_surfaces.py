"""What anyone holding a tracking or case number sees: /r/<tracking_no> and GET /api/v1/public/cases/…

Tracking numbers are sequential, so these pages must show nothing personal even in the free text staff write.
"""

from __future__ import annotations

from service_api.cases.workflow import REJECT_REASONS

SQUARE = {"lat": 36.0620, "lng": 120.3845, "crs": "wgs84"}
OUTCOME = "已清运完毕，如有问题请联系 13812345678"


def _report(client, description: str = "五四广场的垃圾箱满了溢出来了") -> dict:
    response = client.post("/api/v1/reports", json={"description": description, "location": SQUARE})
    assert response.status_code in (200, 201), response.json
    return response.json


def _step(client, headers, case_no: str, **body) -> None:
    response = client.post(f"/api/v1/cases/{case_no}/transitions", json=body, headers=headers)
    assert response.status_code == 200, response.json


def _resolved(client, make_staff) -> dict:
    created = _report(client)
    _, dispatcher = make_staff("dispatcher")
    case_no = created["case_no"]
    if client.get(f"/api/v1/public/cases/{case_no}").json["status"] == "received":
        _step(client, dispatcher, case_no, action="register")
    _step(client, dispatcher, case_no, action="dispatch", department="street:370202001")
    _step(client, dispatcher, case_no, action="resolve", outcome=OUTCOME)
    return created


def test_status_page_masks_the_phone_in_the_outcome_everywhere(client, make_staff):
    created = _resolved(client, make_staff)
    html = client.get(f"/r/{created['tracking_no']}").get_data(as_text=True)
    assert "处置完成：已清运完毕，如有问题请联系 138****5678" in html  # the timeline entry
    assert "13812345678" not in html


def test_public_case_api_masks_free_text(client, make_staff):
    created = _resolved(client, make_staff)
    body = client.get(f"/api/v1/public/cases/{created['case_no']}").get_data(as_text=True)
    assert "13812345678" not in body
    access = client.get(f"/api/v1/reports/{created['tracking_no']}",
                        headers={"Authorization": f"Bearer {created['access_token']}"})
    assert "13812345678" not in access.get_data(as_text=True)
    assert "138****5678" in access.json["timeline"][-1]["text"]


def test_rejected_timeline_gives_the_reason_and_referral(client, make_staff):
    created = _report(client, "楼上邻居半夜打麻将太吵了")
    _, agent = make_staff("agent")
    _step(client, agent, created["case_no"], action="reject", reason="out_of_scope")
    timeline = client.get(f"/api/v1/reports/{created['tracking_no']}",
                          headers={"Authorization": f"Bearer {created['access_token']}"}).json["timeline"]
    text = timeline[-1]["text"]
    assert text.startswith(f"不予立案：{REJECT_REASONS['out_of_scope']}") and "不予立案：不予立案" not in text
    html = client.get(f"/r/{created['tracking_no']}").get_data(as_text=True)
    assert text in html
    public = client.get(f"/api/v1/public/cases/{created['case_no']}").json["public_timeline"]
    assert public[-1]["text"] == text


def test_numbers_typed_with_full_width_dashes_are_found(client):
    created = _report(client)
    typed = created["case_no"].replace("-", "－").lower()
    response = client.get(f"/api/v1/public/cases/{typed}")
    assert response.status_code == 200 and response.json["case_no"] == created["case_no"]
    page = client.get(f"/r/{created['tracking_no'].lower()}?t=abc")
    assert page.status_code == 301 and page.headers["Location"].endswith(f"/r/{created['tracking_no']}?t=abc")
    full_width = created["tracking_no"].translate({ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789"})
    assert client.get(f"/r/{full_width}", follow_redirects=True).status_code == 200


def test_unknown_status_page_is_a_chinese_page(client):
    response = client.get("/r/R20000101000001")
    assert response.status_code == 404 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "未找到该反映" in html and "not_found" not in html


def test_sms_and_voice_status_by_case_number_mask_the_outcome(client, make_staff):
    from service_api.twilio_hooks.lookup import status_of

    created = _resolved(client, make_staff)
    status, detail = status_of(created["case_no"].replace("-", "－"), None)
    assert "138****5678" in detail and "13812345678" not in detail


def test_redirect_keeps_only_the_pages_own_arguments(client):
    created = _report(client)
    odd = client.get(f"/r/{created['tracking_no'].lower()}", query_string={"tracking_no": "x", "_external": "1"})
    assert odd.status_code == 301 and odd.headers["Location"].endswith(f"/r/{created['tracking_no']}")


def test_timelines_read_as_what_happened_with_department_and_deadline(client, make_staff):
    """Not "立案：已立案 / 派遣：处置中 / 核查通过：已核查" but each step once, where it went and by when."""
    created = _report(client)
    _, dispatcher = make_staff("dispatcher")
    case_no = created["case_no"]
    if client.get(f"/api/v1/public/cases/{case_no}").json["status"] == "received":
        _step(client, dispatcher, case_no, action="register")
    _step(client, dispatcher, case_no, action="dispatch", department="street:370202001",
          deadline="2026-12-08T17:00:00+08:00")
    _step(client, dispatcher, case_no, action="extend", deadline="2026-12-10T12:00:00+08:00")
    _step(client, dispatcher, case_no, action="resolve", outcome=OUTCOME)
    _step(client, dispatcher, case_no, action="verify")
    _step(client, dispatcher, case_no, action="close")
    timeline = client.get(f"/api/v1/reports/{created['tracking_no']}",
                          headers={"Authorization": f"Bearer {created['access_token']}"}).json["timeline"]
    texts = [entry["text"] for entry in timeline[1:]]
    assert texts == ["已立案", "已派遣至八大峡街道办事处，处置时限12月8日17:00", "处置期限已延长至12月10日12:00",
                     "处置完成：已清运完毕，如有问题请联系 138****5678", "核查通过", "已结案"]
    assert all(entry["at"] for entry in timeline)
    html = client.get(f"/r/{created['tracking_no']}").get_data(as_text=True)
    public = [entry["text"] for entry in client.get(f"/api/v1/public/cases/{case_no}").json["public_timeline"]]
    for text in texts:
        assert text in html and text in public  # the public page and API say the same, masked
    assert "13812345678" not in html
    assert not any(said in html for said in ("立案：已立案", "派遣：处置中", "核查通过：已核查", "结案：已结案"))
