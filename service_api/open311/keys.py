"""Open311 API keys: issued once in plain text, stored as a SHA-256 hash, revocable, rate limited per key."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from limits import parse

from service_api.extensions import db
from service_api.models import ApiKey, utcnow

KEY_PREFIX = "o311_"
DEFAULT_RATE_LIMIT = "600/hour"


def hash_key(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def check_rate_limit(value: str) -> str:
    """A flask-limiter rate string such as "600/hour"; ValueError when it cannot be parsed."""
    try:
        parse(value)
    except ValueError as exc:
        raise ValueError(f"bad rate limit {value!r}: {exc}") from exc
    return value


def create_key(name: str, rate_limit: str = DEFAULT_RATE_LIMIT) -> tuple[ApiKey, str]:
    """Issue a key for a partner NAME. Returns the row and the plain key (shown once, never stored)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("name must be 1-64 characters")
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=plain[:12], key_hash=hash_key(plain), scope="open311",
                 rate_limit=check_rate_limit(rate_limit))
    db.session.add(key)
    db.session.commit()
    return key, plain


def find_active_key(plain: str | None) -> ApiKey | None:
    """The unrevoked key matching `plain`, or None."""
    if not plain or len(plain) > 200:
        return None
    digest = hash_key(plain)
    key = db.session.query(ApiKey).filter_by(key_hash=digest, scope="open311").one_or_none()
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, digest):
        return None
    return key


def revoke_key(ref: str) -> list[ApiKey]:
    """Revoke the active keys named `ref`, or the one whose prefix is `ref`. Returns what was revoked."""
    query = db.session.query(ApiKey).filter(ApiKey.scope == "open311", ApiKey.revoked_at.is_(None))
    keys = query.filter(ApiKey.prefix == ref).all() if ref.startswith(KEY_PREFIX) else \
        query.filter(ApiKey.name == ref).all()
    now = utcnow()
    for key in keys:
        key.revoked_at = now
    db.session.commit()
    return keys


def list_keys() -> list[ApiKey]:
    return db.session.query(ApiKey).filter_by(scope="open311").order_by(ApiKey.id).all()
