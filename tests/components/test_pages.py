"""The public page /c/<code> and the staff components pages (without a browser: what they show and allow)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service_api.components.models import Component, ComponentEvent
from service_api.extensions import db
from service_api.models import Case, Report, utcnow
from tests.components.conftest import LIGHT, MANHOLE, code, row


@pytest.fixture
def registry(load_components):
    assert load_components([row(LIGHT, 1, maintainer="370202-szfw", status="损坏"), row(LIGHT, 2, east_m=40),
                            row(MANHOLE, 1, east_m=15, owner="qd-water")]).applied


def test_the_public_page_shows_the_component_but_not_its_owner(client, registry) -> None:
    page = client.get(f"/c/{code(LIGHT, 1)}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "路灯" in html and "香港中路" in html and "损坏" in html
    assert "路灯管理所" not in html and "市政设施服务中心" not in html  # owner and maintainer stay internal
    assert client.get(f"/c/{code(LIGHT, 99)}").status_code == 404
    assert client.get("/c/not-a-code").status_code == 404


def test_filing_from_the_public_page_makes_a_case_about_the_component(client, registry) -> None:
    page = client.get(f"/c/{code(LIGHT, 1)}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(f"/c/{code(LIGHT, 1)}/report", data={"description": "灯不亮了", "phone": "13800138000",
                                                                 "csrf_token": token})
    report = db.session.query(Report).one()
    # The answer hands the report's access token to the web app on this phone (in the page, not in a URL) and
    # leads to its progress page there; the page is not kept by any cache.
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert f'href="/m/reports/{report.tracking_no}"' in html
    handed = html.split('data-token="')[1].split('"')[0]
    assert client.get(f"/api/v1/reports/{report.tracking_no}",
                      headers={"Authorization": f"Bearer {handed}"}).status_code == 200
    assert report.channel == "scan" and report.contact_phone == "+8613800138000"
    case = db.session.get(Case, report.case_id)
    assert case.component_code == code(LIGHT, 1) and case.matter_code == LIGHT
    # now the page says a case is open, so the next passer-by need not report it again
    again = client.get(f"/c/{code(LIGHT, 1)}").get_data(as_text=True)
    assert case.case_no in again and "正在办理" in again


def test_a_bad_public_form_is_answered_in_words(client, registry) -> None:
    page = client.get(f"/c/{code(LIGHT, 1)}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    empty = client.post(f"/c/{code(LIGHT, 1)}/report", data={"description": " ", "csrf_token": token})
    assert empty.status_code == 422 and "请简单描述问题" in empty.get_data(as_text=True)
    bad_phone = client.post(f"/c/{code(LIGHT, 1)}/report",
                            data={"description": "灯不亮", "phone": "12345", "csrf_token": token})
    assert bad_phone.status_code == 422 and "联系电话" in bad_phone.get_data(as_text=True)
    assert db.session.query(Report).count() == 0


def test_staff_find_by_code_near_a_place_and_the_hot_list(staff_client, registry, client) -> None:
    agent, _ = staff_client("agent")
    found = agent.get(f"/staff/components/?q={code(MANHOLE, 1)}")
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/staff/components/{code(MANHOLE, 1)}")
    near = agent.get("/staff/components/?place=香港中路12号").get_data(as_text=True)
    assert code(LIGHT, 1) in near and code(MANHOLE, 1) in near and code(LIGHT, 2) in near
    only = agent.get(f"/staff/components/?place=香港中路12号&type={MANHOLE}").get_data(as_text=True)
    table = only.split('id="near-table"')[1]
    assert code(MANHOLE, 1) in table and code(LIGHT, 1) not in table
    now = utcnow()
    for n, (component, days_ago) in enumerate([(2, 3), (2, 30), (1, 10), (1, 120), (1, 200)]):
        db.session.add(Case(case_no=f"C370202-2026-{n:05d}", status="closed", source_channel="hotline",
                            matter_code=LIGHT, component_code=code(LIGHT, component),
                            created_at=now - timedelta(days=days_ago)))
    db.session.commit()
    hot = agent.get("/staff/components/").get_data(as_text=True).split('id="hot-table"')[1]
    # light 2 has two cases in the last 90 days, light 1 one (its others are older)
    assert hot.index(code(LIGHT, 2)) < hot.index(code(LIGHT, 1))
    assert "<td>2</td>" in hot and code(MANHOLE, 1) not in hot
    assert client.get("/staff/components/").status_code == 302  # signed out: to the sign-in page


def test_an_admin_edits_with_history_and_others_may_not(staff_client, registry) -> None:
    admin, _ = staff_client("admin")
    agent, _ = staff_client("agent")
    path = f"/staff/components/{code(LIGHT, 2)}"
    refused = agent.post_form(f"{path}/edit", {"status": "lost"}, page=path)
    assert refused.status_code == 403
    done = admin.post_form(f"{path}/edit", {"status": "lost", "owner": "370202-ldgl", "maintainer": "qd-power",
                                            "note": "巡查发现灯头缺失"}, page=path)
    assert done.status_code == 302
    component = db.session.get(Component, code(LIGHT, 2))
    assert (component.status, component.maintainer_code) == ("lost", "qd-power")
    event = db.session.query(ComponentEvent).one()
    assert event.changes == {"status": ["intact", "lost"], "maintainer_code": [None, "qd-power"]}
    page = admin.get(path).get_data(as_text=True)
    assert "巡查发现灯头缺失" in page and "完好 → 丢失" in page
    unknown = admin.post_form(f"{path}/edit", {"owner": "nobody"}, page=path)
    assert unknown.status_code == 302 and db.session.get(Component, code(LIGHT, 2)).owner_code == "370202-ldgl"


def test_qr_codes_for_one_component_and_a_sheet(staff_client, registry, client) -> None:
    agent, _ = staff_client("agent")
    png = agent.get(f"/staff/components/{code(LIGHT, 1)}/qr.png")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    svg = agent.get(f"/staff/components/{code(LIGHT, 1)}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    sheet = agent.get(f"/staff/components/qr-sheet?type={LIGHT}").get_data(as_text=True)
    assert sheet.count("<svg") == 2 and code(LIGHT, 1) in sheet and code(MANHOLE, 1) not in sheet
    assert client.get(f"/staff/components/{code(LIGHT, 1)}/qr.png").status_code == 302


def test_the_case_page_shows_the_component_and_a_closed_case_may_mark_it_repaired(staff_client, registry,
                                                                                   client) -> None:
    first = client.post("/api/v1/reports", json={"description": "灯坏了", "component_code": code(LIGHT, 1)}).get_json()
    case = db.session.query(Case).filter_by(case_no=first["case_no"]).one()
    earlier = Case(case_no="C370202-20261101-00001", status="closed", source_channel="hotline",
                   matter_code=LIGHT, component_code=code(LIGHT, 1), created_at=case.created_at.replace(year=2025))
    db.session.add(earlier)
    db.session.commit()
    dispatcher, _ = staff_client("dispatcher")
    page = dispatcher.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    block = page.split('id="case-component"')[1]
    assert code(LIGHT, 1) in block and "市南区路灯管理所" in block and "市南区市政设施服务中心" in block
    assert "C370202-20261101-00001" in block and 'id="component-repaired"' not in block  # the case is still open
    case.status = "closed"
    db.session.commit()
    page = dispatcher.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    assert 'id="component-repaired"' in page
    dispatcher.post_form(f"/staff/components/{code(LIGHT, 1)}/repaired", {"case_no": case.case_no},
                         page=f"/staff/cases/{case.case_no}")
    assert db.session.get(Component, code(LIGHT, 1)).status == "intact"
    assert db.session.query(ComponentEvent).one().case_no == case.case_no
