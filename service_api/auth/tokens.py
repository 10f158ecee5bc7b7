"""Bearer tokens: signed tokens for residents and staff, random secrets for single reports."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

REPORT_TOKEN_PREFIX = "rpt_"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def citizen_version(created_at: datetime) -> str:
    """What binds a resident token to one account: its creation time. Erasing an account kills its tokens, and an
    id that the embedded SQLite database hands out again to a new account does not revive them."""
    return format(round(created_at.timestamp() * 1_000_000), "x")


def issue_citizen_token(citizen_id: int, version: str | None = None) -> str:
    """A resident's token; `version` (`citizen_version` of the account) binds it to that very account."""
    payload: dict[str, Any] = {"cid": citizen_id}
    if version is not None:
        payload["cv"] = version
    return "c." + _serializer("citizen").dumps(payload)


def issue_staff_token(staff_id: int, password_hash: str) -> str:
    # The password hash's tail is bound into the token so a password change revokes old tokens.
    return "s." + _serializer("staff").dumps({"sid": staff_id, "pv": password_hash[-12:]})


def read_signed(token: str, max_age_seconds: int) -> tuple[str, dict[str, Any]] | None:
    """Return ("citizen"|"staff", payload) for a valid signed token, None otherwise."""
    kind = {"c.": "citizen", "s.": "staff"}.get(token[:2])
    if kind is None:
        return None
    try:
        return kind, _serializer(kind).loads(token[2:], max_age=max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None


def new_report_token() -> tuple[str, str]:
    """A secret for reading one report, and the hash that is stored."""
    token = REPORT_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_secret(token)


def idempotent_report_token(scope: str, key: str, fingerprint: str) -> tuple[str, str]:
    """The secret of a report submitted under an Idempotency-Key, and its hash: the same for every retry of that
    submission (same client scope, key and request), so a retry is answered with the token the first one got.
    Unguessable without SECRET_KEY; only the hash is stored, as for random tokens."""
    message = "\x00".join(("report-token", scope, key, fingerprint)).encode()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).digest()
    token = REPORT_TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return token, hash_secret(token)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
