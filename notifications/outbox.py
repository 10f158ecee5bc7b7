"""The outbox dispatcher: claim due rows, deliver each one at most once, retry with backoff, reap stale claims.

Row states: pending → claimed (a dispatch owns it, `claim_token`) → sending (the attempt is saved before the
provider is called) → sent | pending (retry later, `send_after`) | failed. `uncertain` marks a row whose last
attempt may have reached the provider (timeout, 5xx, killed worker): the next attempt looks the message up
first and only sends when the provider has no record of it.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from notifications.channels import PermanentError, TransientError, adapter_for
from notifications.channels.twilio_client import OPTED_OUT_CODE
from service_api.config import Settings
from service_api.extensions import db
from service_api.models import Citizen, Notification, Survey, utcnow
from service_api.outbox_writer import earliest_send
from service_api.privacy import mask_sign_in_code
from service_api.vocab import SURVEY_INVITATION_KINDS, Kind, NotificationState

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)
# A claimed row whose task never started (message lost with a broker restart, or held by a dead worker). The
# dispatcher keeps at most OUTBOX_BATCH_SIZE rows claimed, so a live task never waits in the queue this long.
CLAIM_STALE = timedelta(seconds=30)


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str


def _settings() -> Settings:
    return current_app.extensions["settings"]


def sending_stale(settings: Settings) -> timedelta:
    """How long an attempt may stay 'sending' before it is presumed dead (its worker was killed)."""
    return timedelta(seconds=settings.notify_http_timeout * 2 + 10)


def claim_due(limit: int | None = None, now: datetime | None = None) -> list[Claimed]:
    """Atomically move up to `limit` due pending rows to 'claimed' under one new token and commit.

    PostgreSQL: UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED), so concurrent claimers take
    disjoint rows without waiting. SQLite: one UPDATE statement re-checking status='pending'; SQLite runs
    writers one at a time, so a row can only move once.
    """
    settings = _settings()
    now = now or utcnow()
    limit = limit or settings.outbox_batch_size
    token = uuid.uuid4().hex
    due = (select(Notification.id)
           .where(Notification.status == NotificationState.PENDING, Notification.send_after <= now)
           .order_by(Notification.send_after, Notification.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (update(Notification)
                 .where(Notification.id.in_(due.scalar_subquery()), Notification.status == NotificationState.PENDING)
                 .values(status=NotificationState.CLAIMED, claim_token=token, claimed_at=now, updated_at=now)
                 .returning(Notification.id, Notification.channel, Notification.urgent)
                 .execution_options(synchronize_session=False))
    rows = db.session.execute(statement).all()
    quiet = [r.id for r in rows if earliest_send(now, urgent=r.urgent, channel=r.channel, spec=settings.quiet_hours)
             > now]
    if quiet:
        # Retries that fell into the quiet hours wait for morning.
        later = earliest_send(now, spec=settings.quiet_hours)
        db.session.execute(update(Notification).where(Notification.id.in_(quiet))
                           .values(status=NotificationState.PENDING, claim_token=None, send_after=later)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    quiet_ids = set(quiet)
    return [Claimed(r.id, token) for r in rows if r.id not in quiet_ids]


def free_slots() -> int:
    """How many more rows the dispatcher may claim: the queue holds at most one batch of claimed rows."""
    claimed = db.session.query(Notification.id).filter(Notification.status == NotificationState.CLAIMED).count()
    db.session.commit()
    return max(0, _settings().outbox_batch_size - claimed)


def reap_stale(now: datetime | None = None) -> int:
    """Give back rows whose dispatch died: claimed but never started, or 'sending' far too long."""
    settings = _settings()
    now = now or utcnow()
    lost_claims = db.session.execute(
        update(Notification)
        .where(Notification.status == NotificationState.CLAIMED, Notification.claimed_at < now - CLAIM_STALE)
        .values(status=NotificationState.PENDING, claim_token=None, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    dead_sends = db.session.execute(
        update(Notification)
        .where(Notification.status == NotificationState.SENDING,
               Notification.attempt_started_at < now - sending_stale(settings))
        .values(status=NotificationState.PENDING, claim_token=None, uncertain=True, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if lost_claims or dead_sends:
        log.warning("outbox: re-queued %s lost claims and %s interrupted sends", lost_claims, dead_sends)
    return int(lost_claims or 0) + int(dead_sends or 0)


def backoff(attempts: int, settings: Settings) -> timedelta:
    """Exponential backoff with ±20 % jitter: base, 2×base, 4×base … capped at an hour."""
    seconds = settings.notify_backoff_seconds * (2 ** max(0, attempts - 1))
    seconds = min(seconds, MAX_BACKOFF.total_seconds()) * random.uniform(0.8, 1.2)
    return timedelta(seconds=seconds)


def _lock_row(notification_id: int) -> Notification | None:
    db.session.expire_all()
    return db.session.get(Notification, notification_id, with_for_update=True, populate_existing=True)


def deliver(notification_id: int, token: str) -> str:
    """Send one claimed row. Idempotent: a repeated or stale call (other token, other state) does nothing.

    Returns the row's outcome: skipped | sent | retry | failed.
    """
    settings = _settings()
    # Compare-and-set: only one execution can move the row from this claim to 'sending' (atomic on every
    # backend, unlike SELECT … FOR UPDATE, which SQLite ignores). The attempt is saved before the provider
    # is called: a crash from here on leaves a 'sending' row that the reaper marks uncertain.
    now = utcnow()
    moved = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == NotificationState.CLAIMED,
               Notification.claim_token == token)
        .values(status=NotificationState.SENDING, attempts=Notification.attempts + 1, attempt_started_at=now,
                updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not moved:
        return "skipped"
    row = db.session.get(Notification, notification_id, populate_existing=True)
    adapter = adapter_for(row.channel, settings)
    if row.uncertain:
        if not adapter.can_lookup:
            return _finish_failed(row, "上次发送结果不确定，渠道无法查询，为避免重复发送不再重试")
        try:
            found = adapter.lookup(row)
        except TransientError as exc:
            return _retry(row, exc, settings)
        if found is not None:
            log.info("outbox: #%s was already delivered to the provider (%s); not sending again", row.id,
                     found.provider_id)
            return _finish_sent(row, found.provider_id, found.provider_status)
        row.uncertain = False
        db.session.commit()
    try:
        result = adapter.send(row)
    except PermanentError as exc:
        row = _lock_row(notification_id)
        if exc.code == OPTED_OUT_CODE:
            _mark_opted_out(row.recipient)
        return _finish_failed(row, str(exc))
    except TransientError as exc:
        row = _lock_row(notification_id)
        return _retry(row, exc, settings)
    except Exception as exc:  # a bug or an unexpected library error: treat as uncertain and retry
        log.exception("outbox: unexpected error sending #%s", notification_id)
        db.session.rollback()
        row = _lock_row(notification_id)
        return _retry(row, TransientError(f"{type(exc).__name__}: {exc}", uncertain=True), settings)
    row = _lock_row(notification_id)
    return _finish_sent(row, result.provider_id, result.provider_status)


def _spend(row: Notification) -> None:
    """A sign-in code is kept in clear only until its SMS went out or failed for good: then it is masked, so
    the outbox (read by staff over the API, kept in backups) holds no code anyone could sign in with."""
    if row.kind == Kind.LOGIN_CODE and row.body:
        row.body = mask_sign_in_code(row.body)


def _finish_sent(row: Notification, provider_id: str | None, provider_status: str | None) -> str:
    now = utcnow()
    _spend(row)
    row.status = NotificationState.SENT
    row.provider_id = provider_id
    row.provider_status = provider_status
    row.sent_at = now
    row.uncertain = False
    row.claim_token = None
    row.last_error = None
    _survey_sent(row, now)
    db.session.commit()
    return "sent"


def _finish_failed(row: Notification, error: str) -> str:
    row.status = NotificationState.FAILED
    _spend(row)
    row.last_error = error[:2000]
    row.claim_token = None
    db.session.commit()
    log.warning("outbox: #%s (%s %s) failed: %s", row.id, row.channel, row.kind, error)
    return "failed"


def _retry(row: Notification, exc: TransientError, settings: Settings) -> str:
    row.uncertain = row.uncertain or exc.uncertain
    if row.attempts >= settings.notify_max_attempts:
        return _finish_failed(row, f"{exc} (after {row.attempts} attempts)")
    row.status = NotificationState.PENDING
    row.claim_token = None
    row.last_error = str(exc)[:2000]
    row.send_after = utcnow() + backoff(max(row.attempts, 1), settings)
    db.session.commit()
    log.info("outbox: #%s retry at %s: %s", row.id, row.send_after.isoformat(), exc)
    return "retry"


def _mark_opted_out(phone: str | None) -> None:
    if not phone:
        return
    citizen = db.session.query(Citizen).filter_by(phone=phone).one_or_none()
    if citizen is not None and not citizen.sms_opted_out:
        citizen.sms_opted_out = True
        citizen.sms_opted_out_at = utcnow()


def _survey_sent(row: Notification, now: datetime) -> None:
    """A survey invitation that went out makes its survey answerable (and starts the reminder clock)."""
    survey_id = (row.payload or {}).get("survey_id")
    if row.kind in SURVEY_INVITATION_KINDS and survey_id and str(survey_id).isdigit():
        survey = db.session.get(Survey, int(survey_id))
        if survey is not None and survey.status == "scheduled":
            survey.status = "pending"
            survey.sent_at = now
