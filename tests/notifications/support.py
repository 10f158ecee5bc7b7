"""Shared by the notification and Twilio webhook tests: the fake Twilio server and its settings. (The case
factories they used to hold are in tests/factories.py, importable from here too.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from notifications import outbox
from tests.factories import close_case, make_case, make_report
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

__all__ = ["close_case", "make_case", "make_report"]

TWILIO_FROM = "+15005550006"


@pytest.fixture(scope="session")
def fake_twilio_server() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def fake_twilio(fake_twilio_server: FakeTwilio) -> FakeTwilio:
    fake_twilio_server.reset()
    return fake_twilio_server


def use_twilio(settings: Any, fake: FakeTwilio) -> Any:
    """Point settings at the fake Twilio; no quiet hours unless a test sets them; fast retries."""
    settings.twilio_account_sid = ACCOUNT_SID
    settings.twilio_auth_token = AUTH_TOKEN
    settings.twilio_api_base = fake.base_url
    settings.twilio_from_number = TWILIO_FROM
    settings.notify_http_timeout = 1.0
    settings.notify_backoff_seconds = 1.0
    settings.notify_max_attempts = 3
    settings.quiet_hours = ""
    settings.intake_inline = False
    settings.survey_delay_minutes = 0
    return settings


def sign(path: str, params: dict[str, str], base: str = "http://testserver.local") -> str:
    return RequestValidator(AUTH_TOKEN).compute_signature(base + path, params)


def post_twilio(client: Any, path: str, params: dict[str, str], *, headers: dict[str, str] | None = None,
                signature: str | None = None) -> Any:
    """POST a form the way Twilio does, signed against PUBLIC_BASE_URL + path."""
    headers = dict(headers or {})
    headers["X-Twilio-Signature"] = signature if signature is not None else sign(path, params)
    return client.post(path, data=urlencode(params), headers=headers,
                       content_type="application/x-www-form-urlencoded")


def deliver_due() -> None:
    """What beat and a worker would do now: claim every due outbox row and deliver it."""
    for claimed in outbox.claim_due():
        outbox.deliver(claimed.id, claimed.token)
