"""A twilio REST client built from settings, and the mapping of Twilio failures onto retry decisions.

`TWILIO_API_BASE` (settings.twilio_api_base) points the real `twilio` library at another server
(the local fake in tests and benchmarks) by rewriting https://api.twilio.com in every request URL.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.channels.base import PermanentError, TransientError
from service_api.config import Settings

TWILIO_HOSTS = ("https://api.twilio.com",)
# Twilio error codes that retrying cannot fix.
PERMANENT_CODES = {
    21211: "invalid 'To' number",
    21214: "'To' number cannot be reached",
    21408: "permission to send to this region not enabled",
    21610: "recipient replied STOP (opted out)",
    21612: "cannot route to this number",
    21614: "'To' is not a mobile number",
    21217: "phone number does not appear to be valid",
}
OPTED_OUT_CODE = 21610


class RebasingHttpClient(TwilioHttpClient):
    """TwilioHttpClient that sends api.twilio.com requests to `base_url` instead."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        for host in TWILIO_HOSTS:
            if self.base_url and url.startswith(host):
                url = self.base_url + url[len(host):]
        return super().request(method, url, *args, **kwargs)


_clients: dict[tuple[str, str, str, float], Client] = {}
_lock = threading.Lock()


def has_credentials(settings: Settings) -> bool:
    return bool(settings.twilio_account_sid and settings.twilio_auth_token)


def client_for(settings: Settings) -> Client:
    key = (settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base,
           settings.notify_http_timeout)
    with _lock:
        if key not in _clients:
            http = RebasingHttpClient(settings.twilio_api_base, settings.notify_http_timeout)
            _clients[key] = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
        return _clients[key]


def translate(exc: Exception) -> Exception:
    """A Twilio/requests failure as TransientError or PermanentError."""
    if isinstance(exc, TwilioRestException):
        code = exc.code
        if exc.status == 429:
            return TransientError(f"twilio 429 rate limited: {exc.msg}", code)
        if exc.status >= 500:
            # Twilio may have accepted the message before failing: look it up before sending again.
            return TransientError(f"twilio {exc.status}: {exc.msg}", code, uncertain=True)
        if code in PERMANENT_CODES:
            return PermanentError(f"twilio {code}: {PERMANENT_CODES[code]}", code)
        return PermanentError(f"twilio {exc.status} {code}: {exc.msg}", code)
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.ConnectionError) and not isinstance(
            exc, requests.exceptions.ReadTimeout):
        # The request never reached Twilio (connect failed): nothing to look up.
        return TransientError(f"twilio unreachable: {type(exc).__name__}", uncertain=False)
    if isinstance(exc, requests.exceptions.RequestException):
        return TransientError(f"twilio timeout/IO: {type(exc).__name__}", uncertain=True)
    if isinstance(exc, TwilioException):
        return TransientError(f"twilio: {exc}", uncertain=True)
    return exc
