"""The web app's pages and its one API of its own (claiming reports): headers, assets, QR code, claims."""

from __future__ import annotations

import gzip
import io
import re

import pytest
import segno

from service_api.auth.tokens import issue_citizen_token
from service_api.extensions import db
from service_api.models import Citizen, Report
from service_api.webapp.assets import names, vendor_names

PAGES = ["/m/", "/m/mine", "/m/messages", "/m/chat", "/m/login", "/m/reports/R20261205000001"]
BUDGET_BYTES = 300 * 1024  # issue 24: all JS + CSS at most 300 KB gzipped


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_strict_policy_and_no_inline_or_outside_code(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # every script is a file of ours
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # no CDN, fonts or scripts from elsewhere
    assert 'lang="zh-CN"' in html and 'name="viewport"' in html


def test_assets_are_small_gzipped_and_cached_by_content(client):
    total = 0
    assert vendor_names() == ["leaflet.css", "leaflet.js"]  # the map pick's library, from npm (make setup)
    for name in names() + vendor_names():
        plain = client.get(f"/m/static/{name}")
        zipped = client.get(f"/m/static/{name}", headers={"Accept-Encoding": "gzip, br"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.data) == plain.data
        if name in names():
            assert not re.search(rb"https?://", plain.data)  # nothing fetched from elsewhere
        else:  # Leaflet names its site only in the attribution prefix, which the map pick turns off
            assert not re.search(rb"url\(['\"]?https?:|import\s*\(|\.src\s*=\s*['\"]https?:", plain.data)
        total += len(zipped.data)
        version = re.search(rf"/m/static/{re.escape(name)}\?v=(\w+)", client.get("/m/").get_data(as_text=True))
        if version:
            cached = client.get(f"/m/static/{name}?v={version.group(1)}")
            assert "immutable" in cached.headers["Cache-Control"]
            again = client.get(f"/m/static/{name}", headers={"If-None-Match": cached.headers["ETag"]})
            assert again.status_code == 304
    assert 0 < total <= BUDGET_BYTES


@pytest.mark.parametrize("name", ["../views.py", "nope.js", "app.py"])
def test_only_the_apps_own_assets_are_served(client, name):
    assert client.get(f"/m/static/{name}").status_code == 404


def test_qr_code_links_to_the_report_page(client, settings):
    response = client.get("/m/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    expected = io.BytesIO()
    segno.make(settings.public_base_url + "/m/", error="m").save(expected, kind="svg", scale=8, border=2,
                                                                 title="城市管理随手拍")
    assert response.data == expected.getvalue()
    assert segno.make(settings.public_base_url + "/m/x", error="m").matrix != segno.make(
        settings.public_base_url + "/m/", error="m").matrix


def test_a_mistyped_report_address_is_not_found(client):
    assert client.get("/m/reports/R2026%3Cscript%3E").status_code == 404


def anonymous_report(client, text: str = "五四广场东门的垃圾箱满了") -> dict:
    created = client.post("/api/v1/reports", json={"description": text,
                                                   "location": {"lat": 36.062, "lng": 120.3845, "crs": "wgs84"}})
    assert created.status_code == 201
    return created.json


def resident(phone: str) -> tuple[Citizen, dict[str, str]]:
    citizen = Citizen(phone=phone)
    db.session.add(citizen)
    db.session.commit()
    return citizen, {"Authorization": f"Bearer {issue_citizen_token(citizen.id)}"}


def test_signing_in_claims_the_reports_made_on_the_device(client):
    first, second = anonymous_report(client), anonymous_report(client, "五四广场路灯不亮")
    alice, as_alice = resident("+8613800000011")
    claim = client.post("/api/v1/me/reports/claim", headers=as_alice,
                        json={"access_tokens": [first["access_token"], second["access_token"], "rpt_made-up"]})
    assert claim.status_code == 200
    assert claim.json == {"claimed": sorted([first["tracking_no"], second["tracking_no"]]), "already_yours": [],
                          "not_claimed": 1}
    listed = client.get("/api/v1/me/reports", headers=as_alice).json
    assert {r["tracking_no"] for r in listed["items"]} == {first["tracking_no"], second["tracking_no"]}
    again = client.post("/api/v1/me/reports/claim", headers=as_alice, json={"access_tokens": [first["access_token"]]})
    assert again.json["already_yours"] == [first["tracking_no"]] and again.json["claimed"] == []

    # A token that leaked to someone else does not move a report out of its owner's account.
    _, as_bob = resident("+8613800000012")
    stolen = client.post("/api/v1/me/reports/claim", headers=as_bob, json={"access_tokens": [first["access_token"]]})
    assert stolen.json == {"claimed": [], "already_yours": [], "not_claimed": 1}
    assert db.session.get(Report, first["id"]).citizen_id == alice.id


def test_claiming_needs_a_signed_in_resident_and_tokens(client):
    report = anonymous_report(client)
    anonymous = client.post("/api/v1/me/reports/claim", json={"access_tokens": [report["access_token"]]})
    assert anonymous.status_code == 401 and "登录" in anonymous.json["message"]
    with_report_token = client.post("/api/v1/me/reports/claim", json={"access_tokens": [report["access_token"]]},
                                    headers={"Authorization": f"Bearer {report['access_token']}"})
    assert with_report_token.status_code == 401
    _, headers = resident("+8613800000013")
    empty = client.post("/api/v1/me/reports/claim", headers=headers, json={"access_tokens": []})
    assert empty.status_code == 422 and "access_tokens" in str(empty.json["errors"])
    assert db.session.get(Report, report["id"]).citizen_id is None
