"""Whose budget a request spends under the rate limits: the resident's when known, else the client IP.

A valid resident token (or the chatbot's service key naming a resident in X-Resident) keys the limit by
resident, so residents behind one carrier NAT do not share a budget and one resident cannot spend another's.
Anything unsigned or forged falls back to the IP, so rotating made-up tokens does not escape the IP limit.
Behind a reverse proxy the IP is the real client's once TRUSTED_PROXIES is set (ProxyFix in the factory).
"""

from __future__ import annotations

import hmac

from flask import current_app, request
from flask_limiter.util import get_remote_address

from service_api.auth.tokens import read_signed


def rate_limit_key() -> str:
    """"citizen:<id>", "staff:<id>", "resident:<chat sender>" or "ip:<address>"."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        settings = current_app.extensions["settings"]
        if hmac.compare_digest(token.encode(), settings.service_api_key.encode()):
            resident = (request.headers.get("X-Resident") or "").strip()[:64]
            return f"resident:{resident}" if resident else f"service:{get_remote_address()}"
        if token[:2] in ("c.", "s."):
            signed = read_signed(token, max_age_seconds=settings.token_max_age_days * 86400)  # key only, not auth
            if signed is not None:
                kind, payload = signed
                return f"citizen:{payload['cid']}" if kind == "citizen" else f"staff:{payload['sid']}"
    return f"ip:{get_remote_address()}"
