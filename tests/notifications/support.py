"""Shared by the notification and Twilio webhook tests: the fake Twilio server, settings, case factories."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from notifications import outbox
from service_api import numbers
from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Case, Citizen, Report
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

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


def make_report(*, phone: str | None = "+14155550100", channel: str = "hotline", openid: str | None = None,
                citizen: Citizen | None = None, description: str = "香港中路8号门口井盖破损") -> Report:
    if citizen is None and phone:
        citizen = db.session.query(Citizen).filter_by(phone=phone).one_or_none()
        if citizen is None:
            citizen = Citizen(phone=phone, wechat_openid=openid)
            db.session.add(citizen)
            db.session.flush()
    report = Report(tracking_no=numbers.new_tracking_no(), channel=channel, description=description,
                    contact_phone=phone, wechat_openid=openid, citizen_id=citizen.id if citizen else None,
                    intake_status="done")
    db.session.add(report)
    db.session.flush()
    return report


def make_case(report: Report, status: str = "verified", outcome: str = "已更换井盖") -> Case:
    case = Case(case_no=numbers.new_case_no("370202"), status=status, source_channel=report.channel,
                description=report.description, outcome=outcome)
    db.session.add(case)
    db.session.flush()
    report.case_id = case.id
    db.session.commit()
    return case


def close_case(case: Case) -> None:
    apply_transition(case, TransitionRequest("close"), SYSTEM)
    db.session.commit()


def deliver_due() -> None:
    """What beat and a worker would do now: claim every due outbox row and deliver it."""
    for claimed in outbox.claim_due():
        outbox.deliver(claimed.id, claimed.token)
