"""What residents' messages may show and what the worker log may print: a phone number a handler typed into an
outcome is masked in the stored message (the in-app list, the SMS, the log), as on every other page; a sign-in
code is never logged."""

from __future__ import annotations

import logging
import re

import pytest
from flask import g

from notifications.channels import PermanentError
from notifications.channels.logonly import LogOnlyChannel
from service_api.auth.tokens import issue_citizen_token
from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Case, Department, Notification, SmsLoginCode
from service_api.vocab import Channel, Kind
from tests.notifications.support import deliver_due, make_case, make_report

RESIDENT = "+8613800138000"
OUTCOME = "已补装井盖，居民电话 138 1234 1234 已回访"


@pytest.fixture
def settings(settings):
    settings.twilio_account_sid = ""  # no provider: SMS are written to the log (the embedded default)
    settings.quiet_hours = ""
    return settings


@pytest.fixture
def worker_log(caplog):
    logging.getLogger("notifications.logonly").disabled = False  # alembic's fileConfig in the fixtures disables it
    with caplog.at_level("INFO", logger="notifications.logonly"):
        yield caplog


def _act(case: Case, action: str, **fields) -> None:
    apply_transition(db.session.get(Case, case.id), TransitionRequest(action, **fields), SYSTEM)
    db.session.commit()


def test_a_phone_in_the_outcome_is_masked_in_messages_and_the_log(app, client, settings, worker_log):
    report = make_report(phone=RESIDENT, channel="miniprogram")
    case = make_case(report, status="registered")
    case.department_id = db.session.query(Department).order_by(Department.id).first().id
    db.session.commit()
    _act(case, "dispatch")
    _act(case, "resolve", outcome=OUTCOME)
    deliver_due()

    rows = db.session.query(Notification).filter_by(kind=Kind.RESOLVED).all()
    assert {row.channel for row in rows} == {Channel.SMS, Channel.INAPP}
    g.pop("principal", None)
    listed = client.get("/api/v1/me/notifications",
                        headers={"Authorization": f"Bearer {issue_citizen_token(report.citizen_id)}"}).get_json()
    (inapp,) = [item["body"] for item in listed["items"] if item["kind"] == Kind.RESOLVED]
    logged = worker_log.text
    for where, text in {"消息 list": inapp, "SMS": next(r.body for r in rows if r.channel == Channel.SMS),
                        "worker log": logged}.items():
        assert "已补装井盖" in text and "138****1234" in text, where  # the outcome is still told
        assert "1234 1234" not in text and "12341234" not in text, where
    assert case.case_no in logged and "13800138000" not in logged
    # The stored values (kept to render the message again) are masked too.
    assert all("1234 1234" not in row.payload.get("outcome", "") for row in rows)


def test_a_sign_in_code_is_never_logged(app, client, settings, worker_log):
    assert client.post("/api/v1/auth/sms-code", json={"phone": "13900001111"}).status_code == 202
    message = db.session.query(Notification).filter_by(kind=Kind.LOGIN_CODE).one()
    code = message.body.split("验证码为")[1][:6]
    assert code.isdigit()
    deliver_due()
    db.session.refresh(message)
    assert message.status == "sent"
    assert code not in worker_log.text and "13900001111" not in worker_log.text
    assert f"#{message.id}" in worker_log.text and "验证码" in worker_log.text  # that a code went out, and to whom


def test_a_sent_sign_in_code_is_masked_in_the_outbox_and_still_signs_in(app, client, settings, worker_log):
    assert client.post("/api/v1/auth/sms-code", json={"phone": "13900001111"}).status_code == 202
    message = db.session.query(Notification).filter_by(kind=Kind.LOGIN_CODE).one()
    code = message.body.split("验证码为")[1][:6]
    deliver_due()
    db.session.refresh(message)
    assert message.status == "sent" and code not in message.body and "您的验证码为******" in message.body
    assert code not in str(db.session.query(SmsLoginCode).one().code_hash)  # kept as a hash only
    signed_in = client.post("/api/v1/auth/sms-login", json={"phone": "13900001111", "code": code})
    assert signed_in.status_code == 200, signed_in.json


def test_a_sign_in_code_that_failed_for_good_is_masked_too(app, client, settings, monkeypatch):
    def refuse(self, notification):
        raise PermanentError("unknown number", "21211")

    monkeypatch.setattr(LogOnlyChannel, "send", refuse)
    assert client.post("/api/v1/auth/sms-code", json={"phone": "13900002222"}).status_code == 202
    message = db.session.query(Notification).filter_by(kind=Kind.LOGIN_CODE).one()
    code = message.body.split("验证码为")[1][:6]
    deliver_due()
    db.session.refresh(message)
    assert message.status == "failed" and code not in message.body and "******" in message.body


def test_the_demo_gets_a_sign_in_code_from_the_command_never_in_production(app, client, settings, worker_log):
    """Without an SMS provider the code reaches no phone: outside production whoever runs the demo asks
    `flask auth sign-in-code PHONE` (the worker log says so); in production the command refuses."""
    assert client.post("/api/v1/auth/sms-code", json={"phone": "13900003333"}).status_code == 202
    deliver_due()
    assert "flask auth sign-in-code" in worker_log.text
    result = app.test_cli_runner().invoke(args=["auth", "sign-in-code", "139 0000 3333"])
    assert result.exit_code == 0, result.output
    code = re.search(r"验证码：(\d{6})", result.output).group(1)
    assert "+8613900003333" in result.output and code not in worker_log.text
    signed_in = client.post("/api/v1/auth/sms-login", json={"phone": "13900003333", "code": code})
    assert signed_in.status_code == 200, signed_in.json

    settings.env = "production"
    rows = db.session.query(SmsLoginCode).count()
    refused = app.test_cli_runner().invoke(args=["auth", "sign-in-code", "13900003333"])
    assert refused.exit_code != 0 and "production" in refused.output
    assert not re.search(r"\d{6}", refused.output) and db.session.query(SmsLoginCode).count() == rows
    worker_log.clear()
    assert client.post("/api/v1/auth/sms-code", json={"phone": "13900004444"}).status_code == 202
    deliver_due()
    assert "验证码不记入日志" in worker_log.text and "sign-in-code" not in worker_log.text


def test_codes_sent_before_the_masking_are_masked_by_the_migration(app, settings):
    """Databases that ran before the outbox masked spent codes still held them in clear: migration 0018 masks the
    sent and failed ones, and leaves a code still waiting to go out."""
    from flask_migrate import downgrade, upgrade

    from tests.conftest import MIGRATIONS

    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0017")
    try:
        rows = {status: Notification(kind=Kind.LOGIN_CODE, channel=Channel.SMS, recipient="+8613900001111",
                                     urgent=True, status=status,
                                     body="【城市管理】您的验证码为156590，5分钟内有效。请勿告诉他人。")
                for status in ("sent", "failed", "pending")}
        db.session.add_all(rows.values())
        db.session.commit()
        ids = {status: row.id for status, row in rows.items()}
    finally:
        db.session.remove()
        upgrade(directory=MIGRATIONS, revision="heads")
    bodies = {status: db.session.get(Notification, row_id).body for status, row_id in ids.items()}
    assert "您的验证码为******，5分钟内有效" in bodies["sent"] and "156590" not in bodies["failed"]
    assert "156590" in bodies["pending"]
