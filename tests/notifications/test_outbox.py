"""The outbox: rows commit with the change, claims never overlap, sends happen at most once."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from email.utils import format_datetime

import pytest
from flask import g
from sqlalchemy import select, text

from notifications import outbox
from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Citizen, Notification, utcnow
from tests.notifications.support import make_case, make_report, use_twilio

PHONE = "+14155550123"


@pytest.fixture
def settings(settings, fake_twilio):
    return use_twilio(settings, fake_twilio)


def _sms_rows(**filters):
    return db.session.query(Notification).filter_by(channel="sms", **filters).order_by(Notification.id).all()


def _claim_one(row_id: int) -> str:
    """Make one row due now and claim it (as the beat job would)."""
    db.session.query(Notification).filter_by(id=row_id).update({"send_after": utcnow() - timedelta(seconds=1)})
    db.session.commit()
    claimed = [c for c in outbox.claim_due() if c.id == row_id]
    assert claimed, "the row should be claimable"
    return claimed[0].token


def _pending_sms(phone: str = PHONE, body: str = "【城市管理】测试消息") -> Notification:
    report = make_report(phone=phone)
    row = Notification(kind="closed", channel="sms", recipient=phone, citizen_id=report.citizen_id,
                       report_id=report.id, body=body, send_after=utcnow())
    db.session.add(row)
    db.session.commit()
    return row


def test_transition_writes_notifications_in_the_same_transaction(app):
    report = make_report(phone=PHONE)
    case = make_case(report, status="verified")
    apply_transition(case, TransitionRequest("close"), SYSTEM)
    db.session.rollback()  # the change is abandoned: so are its messages
    assert db.session.query(Notification).filter_by(kind="closed").count() == 0
    case = db.session.merge(case)
    apply_transition(case, TransitionRequest("close"), SYSTEM)
    db.session.commit()
    rows = db.session.query(Notification).filter_by(kind="closed").all()
    assert {r.channel for r in rows} == {"sms", "inapp"}
    assert all(case.case_no in r.body for r in rows)


def test_concurrent_claimers_never_get_the_same_row(app):
    report = make_report(phone=PHONE)
    db.session.add_all([Notification(kind="closed", channel="inapp", citizen_id=report.citizen_id,
                                     report_id=report.id, body=f"m{i}") for i in range(60)])
    db.session.commit()
    results: list[list[int]] = [[], [], []]

    def claimer(slot: int) -> None:
        with app.app_context():
            while True:
                got = outbox.claim_due(limit=4)
                if not got:
                    break
                results[slot].extend(c.id for c in got)
            db.session.remove()

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    claimed = [i for r in results for i in r]
    assert len(claimed) == len(set(claimed)) == 60


def test_claim_skips_rows_locked_by_another_claimer_without_waiting(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's")
    report = make_report(phone=PHONE)
    db.session.add_all([Notification(kind="closed", channel="inapp", citizen_id=report.citizen_id,
                                     report_id=report.id, body=f"m{i}") for i in range(6)])
    db.session.commit()
    with db.engine.connect() as other:
        other.execute(text("SET lock_timeout = '5s'"))
        locked = other.execute(select(Notification.id).order_by(Notification.id).limit(3)
                               .with_for_update(skip_locked=True)).scalars().all()
        db.session.execute(text("SET lock_timeout = '2s'"))  # would raise instead of skipping if it waited
        claimed = [c.id for c in outbox.claim_due(limit=10)]
        other.rollback()
    assert len(locked) == 3 and len(claimed) == 3
    assert not set(locked) & set(claimed)


def test_send_records_provider_id(app, fake_twilio):
    row = _pending_sms()
    assert outbox.deliver(row.id, _claim_one(row.id)) == "sent"
    db.session.refresh(row)
    assert row.status == "sent" and row.provider_id.startswith("SM") and row.attempts == 1
    assert [m["body"] for m in fake_twilio.sent_to(PHONE)] == [row.body]
    # The same task delivered again (broker redelivery) does nothing.
    assert outbox.deliver(row.id, "stale-token") == "skipped"
    assert len(fake_twilio.sent_to(PHONE)) == 1


def test_server_error_retries_with_backoff_then_sends_once(app, fake_twilio):
    row = _pending_sms()
    fake_twilio.fail_next("500")
    before = utcnow()
    assert outbox.deliver(row.id, _claim_one(row.id)) == "retry"
    db.session.refresh(row)
    assert row.status == "pending" and row.attempts == 1 and row.uncertain
    assert before + timedelta(seconds=0.7) <= row.send_after <= utcnow() + timedelta(seconds=1.3)
    fake_twilio.fail_next("429")
    assert outbox.deliver(row.id, _claim_one(row.id)) == "retry"
    db.session.refresh(row)
    first_gap = 1.0
    assert row.send_after - utcnow() > timedelta(seconds=first_gap * 2 * 0.7)  # doubled backoff
    assert outbox.deliver(row.id, _claim_one(row.id)) == "sent"
    assert len(fake_twilio.sent_to(PHONE)) == 1
    # Before sending after the 500, the worker looked the message up (GET) instead of blindly resending.
    assert ("GET", f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json") in fake_twilio.requests


def test_failed_after_last_retry_and_visible_to_staff(app, client, fake_twilio, make_staff):
    row = _pending_sms()
    fake_twilio.fail_next("429", "429", "429")
    outcomes = [outbox.deliver(row.id, _claim_one(row.id)) for _ in range(3)]
    assert outcomes == ["retry", "retry", "failed"]
    _, headers = make_staff("dispatcher")
    listed = client.get("/api/v1/notifications?status=failed", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [row.id]
    assert listed["items"][0]["recipient"] != PHONE  # masked
    assert "429" in listed["items"][0]["last_error"]
    g.pop("principal", None)  # the test app context outlives requests; so would the cached principal
    assert client.get("/api/v1/notifications").status_code == 401


@pytest.mark.parametrize(("setup", "code"), [("invalid", "21211"), ("opted_out", "21610")])
def test_permanent_errors_stop_at_once(app, fake_twilio, setup, code):
    row = _pending_sms()
    (fake_twilio.invalid_numbers if setup == "invalid" else fake_twilio.opted_out).add(PHONE)
    assert outbox.deliver(row.id, _claim_one(row.id)) == "failed"
    db.session.refresh(row)
    assert row.attempts == 1 and code in row.last_error
    citizen = db.session.query(Citizen).filter_by(phone=PHONE).one()
    assert citizen.sms_opted_out is (setup == "opted_out")


def test_timeout_then_lookup_finds_the_message_and_does_not_send_again(app, fake_twilio):
    row = _pending_sms()
    fake_twilio.slow_seconds = 1.5
    fake_twilio.fail_next("timeout_after_create")
    assert outbox.deliver(row.id, _claim_one(row.id)) == "retry"
    db.session.refresh(row)
    assert row.uncertain and "timeout" in row.last_error
    assert outbox.deliver(row.id, _claim_one(row.id)) == "sent"
    db.session.refresh(row)
    messages = fake_twilio.sent_to(PHONE)
    assert len(messages) == 1 and row.provider_id == messages[0]["sid"]
    assert fake_twilio.creates() == 1


def test_timeout_without_create_sends_after_lookup(app, fake_twilio):
    row = _pending_sms()
    fake_twilio.slow_seconds = 1.5
    fake_twilio.fail_next("timeout")
    assert outbox.deliver(row.id, _claim_one(row.id)) == "retry"
    assert outbox.deliver(row.id, _claim_one(row.id)) == "sent"
    assert len(fake_twilio.sent_to(PHONE)) == 1


def test_killed_worker_mid_send_is_reconciled_not_resent(app, fake_twilio, settings):
    row = _pending_sms()
    token = _claim_one(row.id)
    # A worker sent the message, then died before recording it: the row is stuck in 'sending'.
    row.status, row.attempts, row.attempt_started_at = "sending", 1, utcnow()
    db.session.commit()
    fake_twilio.messages.append({"sid": "SMkilled", "to": PHONE, "body": row.body, "status": "sent",
                                 "direction": "outbound-api", "date_created": format_datetime(utcnow(), usegmt=True)})
    assert outbox.deliver(row.id, token) == "skipped"  # the redelivered task leaves a live attempt alone
    assert outbox.reap_stale(now=utcnow() + outbox.sending_stale(settings) + timedelta(seconds=1)) == 1
    assert outbox.deliver(row.id, _claim_one(row.id)) == "sent"
    db.session.refresh(row)
    assert row.provider_id == "SMkilled" and fake_twilio.creates() == 0


def test_lost_claim_is_reaped_and_old_task_does_nothing(app, fake_twilio):
    row = _pending_sms()
    old = _claim_one(row.id)
    assert outbox.reap_stale(now=utcnow() + outbox.CLAIM_STALE + timedelta(seconds=1)) == 1
    new = _claim_one(row.id)
    assert outbox.deliver(row.id, old) == "skipped"
    assert outbox.deliver(row.id, new) == "sent"
    assert len(fake_twilio.sent_to(PHONE)) == 1


def test_without_credentials_messages_are_logged_not_sent(app, fake_twilio, settings, caplog):
    settings.twilio_account_sid = ""
    row = _pending_sms()
    logging.getLogger("notifications.logonly").disabled = False  # alembic's fileConfig in the fixtures disables it
    with caplog.at_level("INFO", logger="notifications.logonly"):
        assert outbox.deliver(row.id, _claim_one(row.id)) == "sent"
    db.session.refresh(row)
    assert row.provider_status == "logged" and fake_twilio.requests == []
    assert row.body in caplog.text and PHONE not in caplog.text


def test_opted_out_resident_gets_no_sms(app, fake_twilio):
    report = make_report(phone=PHONE)
    citizen = db.session.get(Citizen, report.citizen_id)
    citizen.sms_opted_out = True
    case = make_case(report)
    apply_transition(case, TransitionRequest("close"), SYSTEM)
    db.session.commit()
    assert _sms_rows(kind="closed") == []
    # A row written before the opt-out is refused at send time without calling Twilio.
    row = _pending_sms()
    assert outbox.deliver(row.id, _claim_one(row.id)) == "failed"
    assert fake_twilio.requests == []
