"""Bearer tokens: signed tokens for residents and staff, random secrets for single reports."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

REPORT_TOKEN_PREFIX = "rpt_"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def issue_citizen_token(citizen_id: int) -> str:
    return "c." + _serializer("citizen").dumps({"cid": citizen_id})


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


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
