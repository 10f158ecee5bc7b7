"""Every Twilio webhook is signed (X-Twilio-Signature) and may be retried (I-Twilio-Idempotency-Token).

The signature covers the URL Twilio called, which behind a proxy is not what Flask sees: it is checked
against PUBLIC_BASE_URL + path (+ query).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from service_api.models import WebhookReceipt
from service_api.twilio_hooks import store

log = logging.getLogger(__name__)
TWIML = "application/xml"


def public_url() -> str:
    base = current_app.extensions["settings"].public_base_url.rstrip("/")
    query = request.query_string.decode()
    return base + request.path + (f"?{query}" if query else "")


def absolute(path: str) -> str:
    """A webhook URL Twilio should call next (absolute, so its signature matches what we check)."""
    return current_app.extensions["settings"].public_base_url.rstrip("/") + path


def signature_ok() -> bool:
    token = current_app.extensions["settings"].twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    return RequestValidator(token).validate(public_url(), request.form, signature)


def twilio_webhook(source: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Refuse unsigned requests (403); answer a retried delivery with the first answer, without redoing it."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            if not signature_ok():
                log.warning("twilio webhook %s refused: bad or missing signature", request.path)
                abort(403)
            token = (request.headers.get("I-Twilio-Idempotency-Token") or "").strip()[:128]
            if not token:
                return view(*args, **kwargs)
            key = f"{request.path}:{token}"[:128]
            previous = store.receipt(key)
            if previous is not None:
                return _replay(previous)
            if not store.claim_receipt(key, source):  # the same delivery is being handled right now
                previous = store.receipt(key)
                return _replay(previous) if previous is not None else Response("", 200)
            try:
                response = view(*args, **kwargs)
            except Exception:
                store.release_receipt(key)
                raise
            store.keep_answer(key, response.get_data(as_text=True), response.mimetype)
            return response

        return wrapper

    return decorate


def _replay(receipt: WebhookReceipt) -> Response:
    return Response(receipt.response_body or "", 200, mimetype=receipt.response_mimetype or TWIML)
