"""Rate limits (per IP, per resident, on memory and Redis storage, behind a proxy) and size limits: JSON 429/413."""

from __future__ import annotations

import io
import itertools

import pytest
import redis

from tests.hardening.conftest import REDIS_LIMITS_DB

SMS_CODE_LIMIT = 5  # POST /api/v1/auth/sms-code: 5/minute
PREVIEW_LIMIT = 120  # POST /api/v1/intake/preview: 120/minute
ANON_PREVIEW_LIMIT = 40  # … and 40/minute per IP without a token (the residents' web app)


_phones = itertools.count(13800000000)


def _sms_code(client, ip: str, **headers: str):
    """Ask for a code for a fresh number each time (one number gets one code a minute anyway)."""
    return client.post("/api/v1/auth/sms-code", json={"phone": str(next(_phones))},
                       environ_base={"REMOTE_ADDR": ip}, headers=headers)


def _assert_json_429(response) -> None:
    assert response.status_code == 429
    body = response.get_json()
    assert body["status"] == 429 and body["code"] == "too_many_requests"
    assert "请求过于频繁" in body["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def _redis_available() -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_limits_uri() -> str:
    if not _redis_available():
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_LIMITS_DB).flushdb()
    return f"redis://127.0.0.1:6379/{REDIS_LIMITS_DB}"


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_limit_is_per_ip_with_a_json_429(limited_app_factory, storage: str, request) -> None:
    uri = "memory://" if storage == "memory" else request.getfixturevalue("redis_limits_uri")
    app = limited_app_factory(uri)
    client = app.test_client()
    for _ in range(SMS_CODE_LIMIT):
        assert _sms_code(client, "203.0.113.7").status_code == 202
    refused = _sms_code(client, "203.0.113.7")
    _assert_json_429(refused)
    assert int(refused.headers["Retry-After"]) > 0
    assert _sms_code(client, "203.0.113.8").status_code == 202  # another client has its own budget


def test_redis_storage_is_shared_between_app_processes(limited_app_factory, redis_limits_uri: str) -> None:
    """Two workers (two apps on one Redis) spend one budget per client, as gunicorn workers do."""
    first, second = limited_app_factory(redis_limits_uri).test_client(), \
        limited_app_factory(redis_limits_uri).test_client()
    for i in range(SMS_CODE_LIMIT):
        assert _sms_code(first if i % 2 else second, "198.51.100.1").status_code == 202
    _assert_json_429(_sms_code(first, "198.51.100.1"))
    _assert_json_429(_sms_code(second, "198.51.100.1"))
    keys = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_LIMITS_DB).keys("*")
    assert any(b"ip:198.51.100.1" in k for k in keys)


def test_limit_is_per_resident_behind_one_ip(limited_app_factory) -> None:
    """Residents behind one carrier NAT each get their own budget; one resident cannot spend another's."""
    from service_api.auth.tokens import issue_citizen_token

    app = limited_app_factory()
    client = app.test_client()
    with app.app_context():
        from service_api.extensions import db
        from service_api.models import Citizen

        residents = [Citizen(wechat_openid="o-alice"), Citizen(wechat_openid="o-bob")]  # tokens need live accounts
        db.session.add_all(residents)
        db.session.commit()
        alice, bob = ({"Authorization": f"Bearer {issue_citizen_token(r.id)}"} for r in residents)

    def preview(headers: dict[str, str]):
        return client.post("/api/v1/intake/preview", json={"text": "垃圾桶满了"}, headers=headers,
                           environ_base={"REMOTE_ADDR": "10.1.1.1"})

    for _ in range(PREVIEW_LIMIT):
        assert preview(alice).status_code == 200
    _assert_json_429(preview(alice))
    assert preview(bob).status_code == 200


def test_anonymous_preview_has_a_smaller_budget_per_ip(limited_app_factory) -> None:
    client = limited_app_factory().test_client()

    def preview(ip: str):
        return client.post("/api/v1/intake/preview", json={"text": "垃圾桶满了"}, environ_base={"REMOTE_ADDR": ip})

    for _ in range(ANON_PREVIEW_LIMIT):
        assert preview("10.2.2.2").status_code == 200
    _assert_json_429(preview("10.2.2.2"))
    assert preview("10.2.2.3").status_code == 200


def test_forged_tokens_do_not_escape_the_ip_limit(limited_app_factory) -> None:
    app = limited_app_factory()
    client = app.test_client()
    statuses = [_sms_code(client, "192.0.2.9", Authorization=f"Bearer c.forged-{i}").status_code
                for i in range(SMS_CODE_LIMIT + 1)]
    assert 429 not in statuses[:SMS_CODE_LIMIT]
    assert statuses[SMS_CODE_LIMIT] == 429  # a fresh forged token each time is still the same IP's budget


def test_behind_trusted_proxy_limits_see_the_real_client(limited_app_factory) -> None:
    app = limited_app_factory(trusted_proxies=1)
    client = app.test_client()

    def via_proxy(client_ip: str):
        return client.post("/api/v1/auth/sms-code", json={"phone": str(next(_phones))},
                           environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": client_ip})

    for _ in range(SMS_CODE_LIMIT):
        assert via_proxy("203.0.113.50").status_code == 202
    _assert_json_429(via_proxy("203.0.113.50"))
    assert via_proxy("203.0.113.51").status_code == 202  # not everyone behind the proxy is one client


def test_without_trusted_proxies_forwarded_for_is_ignored(limited_app_factory) -> None:
    """A client cannot pick a fresh X-Forwarded-For per request to dodge the limit when no proxy is trusted."""
    client = limited_app_factory().test_client()
    statuses = [client.post("/api/v1/auth/sms-code", json={"phone": str(next(_phones))},
                            environ_base={"REMOTE_ADDR": "198.51.100.77"},
                            headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
                for i in range(SMS_CODE_LIMIT + 1)]
    assert statuses[-1] == 429


def test_request_body_over_the_limit_is_a_json_413(client, settings) -> None:
    body = b'{"description": "' + b"x" * (settings.max_request_bytes + 10) + b'"}'
    response = client.post("/api/v1/reports", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["code"] == "payload_too_large"


def test_photo_over_the_upload_limit_is_a_json_413(app, client, settings) -> None:
    settings.photo_max_bytes = 200_000
    from tests.service_api.images import jpeg_bytes

    big = jpeg_bytes(1200, 900) + b"\0" * 250_000  # trailing bytes after EOI: a valid JPEG, too big
    response = client.post("/api/v1/photos", data={"file": (io.BytesIO(big), "big.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    body = response.get_json()
    assert body["status"] == 413 and body["message"]


def test_requests_are_served_when_the_rate_limit_store_is_down(limited_app_factory) -> None:
    """Redis down (the broker fault) must not take the API down with it: limits fall back to memory."""
    client = limited_app_factory("redis://127.0.0.1:1/0").test_client()  # nothing listens on port 1
    response = _sms_code(client, "203.0.113.99")
    assert response.status_code == 202, response.get_data(as_text=True)
    for _ in range(SMS_CODE_LIMIT - 1):
        _sms_code(client, "203.0.113.99")
    _assert_json_429(_sms_code(client, "203.0.113.99"))  # the in-memory fallback still limits
