"""The signed-cookie session is opened only when the request carries the cookie (service_api/cookie_session.py)."""

from __future__ import annotations

from flask import session

from service_api.cookie_session import LazyCookieSessionInterface


def test_requests_without_the_cookie_get_an_empty_session_and_no_cookie(app, client):
    assert isinstance(app.session_interface, LazyCookieSessionInterface)
    response = client.post("/api/v1/reports", json={"description": "路灯不亮了"})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_a_stored_value_is_signed_into_the_cookie_and_read_back(app):
    @app.get("/_session_probe/<value>")
    def probe(value: str) -> dict:
        before = session.get("probe")
        if value != "-":
            session["probe"] = value
        return {"before": before}

    client = app.test_client()
    assert client.get("/_session_probe/-").json == {"before": None}
    assert client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")) is None  # nothing stored: no cookie
    assert client.get("/_session_probe/abc").json == {"before": None}
    assert client.get("/_session_probe/-").json == {"before": "abc"}  # opened from the signed cookie
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), "forged.value")
    assert client.get("/_session_probe/-").json == {"before": None}  # a bad signature: an empty session
