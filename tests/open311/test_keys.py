"""Partner API keys: `flask open311 create-key/list-keys/revoke-key`, hashed storage, per-key rate limits."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from service_api.extensions import db
from service_api.models import ApiKey
from tests.open311.conftest import BASE, MAY_FOURTH_SQUARE


def form(key: str) -> dict[str, str]:
    return {"api_key": key, "service_code": "06028", "lat": MAY_FOURTH_SQUARE[0], "long": MAY_FOURTH_SQUARE[1],
            "description": "夜里广场舞音响太吵", "attribute[time_of_day]": "night"}


def test_cli_creates_a_key_shown_once_and_stored_hashed(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["open311", "create-key", "SeeClickFix", "--rate-limit", "100/minute"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]
    assert plain.startswith("o311_") and len(plain) > 40
    row = db.session.query(ApiKey).one()
    assert row.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert row.prefix == plain[:12] and row.rate_limit == "100/minute" and row.name == "SeeClickFix"
    assert plain not in (row.prefix, row.key_hash, row.name)
    assert client.post(f"{BASE}/requests.json", data=form(plain)).status_code == 201
    listed = runner.invoke(args=["open311", "list-keys"])
    assert "SeeClickFix" in listed.output and row.prefix in listed.output and plain not in listed.output
    assert "active" in listed.output


def test_cli_refuses_a_bad_rate_limit(app):
    result = app.test_cli_runner().invoke(args=["open311", "create-key", "partner", "--rate-limit", "lots"])
    assert result.exit_code != 0 and "rate limit" in result.output
    assert db.session.query(ApiKey).count() == 0


def test_cli_revokes_a_key(app, client):
    runner = app.test_cli_runner()
    plain = runner.invoke(args=["open311", "create-key", "partner-a"]).output.strip().splitlines()[-1]
    assert client.post(f"{BASE}/requests.json", data=form(plain)).status_code == 201
    result = runner.invoke(args=["open311", "revoke-key", plain[:12]])
    assert result.exit_code == 0 and "revoked" in result.output
    assert client.post(f"{BASE}/requests.json", data=form(plain)).status_code == 403
    assert "revoked" in runner.invoke(args=["open311", "list-keys"]).output
    assert runner.invoke(args=["open311", "revoke-key", "nobody"]).exit_code != 0


@pytest.fixture
def limited_client(settings):
    """A second app on the same database with rate limits switched on."""
    from service_api import create_app

    limited = create_app({"TESTING": True}, settings=replace(settings, rate_limits_enabled=True))
    with limited.app_context():
        yield limited.test_client()
        db.session.remove()


def test_each_key_has_its_own_rate_limit(limited_client):
    from service_api.open311.keys import create_key

    _, slow = create_key("slow partner", "3/minute")
    _, other = create_key("other partner", "100/minute")
    for _ in range(3):
        assert limited_client.get(f"{BASE}/services/06028.json", query_string={"api_key": slow}).status_code == 200
    limited = limited_client.post(f"{BASE}/requests.json", data=form(slow))
    assert limited.status_code == 429
    assert limited.json[0]["code"] == 429 and limited.json[0]["description"]
    xml = limited_client.get(f"{BASE}/services.xml", query_string={"api_key": slow})
    assert xml.status_code == 429 and ET.fromstring(xml.data).findtext("error/code") == "429"
    # Another partner is not affected.
    assert limited_client.post(f"{BASE}/requests.json", data=form(other)).status_code == 201


def test_calls_without_a_key_are_limited_per_address(limited_client, monkeypatch):
    from service_api.open311 import views

    monkeypatch.setattr(views, "ANONYMOUS_RATE_LIMIT", "2/minute")
    assert limited_client.get(f"{BASE}/services.json").status_code == 200
    assert limited_client.get(f"{BASE}/requests.json").status_code == 200
    blocked = limited_client.get(f"{BASE}/requests.json")
    assert blocked.status_code == 429 and blocked.json[0]["code"] == 429
    other_address = limited_client.get(f"{BASE}/requests.json", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_address.status_code == 200
