"""Callback tasks for hotline agents, due within working hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service_api.extensions import db
from service_api.models import Callback, Citizen, utcnow
from service_api.models.hotline import CHATBOT_HANDOFF
from service_api.phones import canonical_phone, canonical_phone_or_none

SHANGHAI = ZoneInfo("Asia/Shanghai")
AGENT_HOURS = (time(8, 0), time(21, 0))  # the hotline is staffed 08:00–21:00 every day
RESPONSE_TIME = timedelta(hours=2)


def callback_due(now: datetime) -> datetime:
    """Two hours from now, moved into the hotline's staffed hours."""
    local = (now + RESPONSE_TIME).astimezone(SHANGHAI)
    start, end = AGENT_HOURS
    if local.time() < start:
        local = local.replace(hour=start.hour, minute=30, second=0, microsecond=0)
    elif local.time() >= end:
        local = (local + timedelta(days=1)).replace(hour=start.hour, minute=30, second=0, microsecond=0)
    return local.astimezone(now.tzinfo)


def create_callback(*, kind: str, phone: str | None = None, reason: str | None = None,
                    transcript: list[dict[str, Any]] | None = None, citizen_id: int | None = None,
                    report_id: int | None = None, case_id: int | None = None,
                    survey_id: int | None = None, chat_sender: str | None = None) -> Callback:
    now = utcnow()
    callback = Callback(kind=kind, phone=phone, reason=reason, transcript=transcript or [], citizen_id=citizen_id,
                        report_id=report_id, case_id=case_id, survey_id=survey_id, chat_sender=chat_sender,
                        due_at=callback_due(now))
    db.session.add(callback)
    db.session.flush()
    return callback


def request_handoff(*, chat_sender: str | None, phone: str | None, reason: str | None,
                    transcript: list[dict[str, Any]], citizen_id: int | None) -> Callback:
    """A chatbot hand-off: a new callback, or the chat's open one brought up to date.

    Asking twice in one chat (first without a number, then "转人工 139…") is one resident waiting for one
    call: the open callback gets the new number and the new lines of the conversation.
    """
    existing = None
    if chat_sender:
        existing = (db.session.query(Callback)
                    .filter_by(kind=CHATBOT_HANDOFF, chat_sender=chat_sender, status="open")
                    .order_by(Callback.id.desc()).with_for_update().first())
    if existing is None:
        return create_callback(kind=CHATBOT_HANDOFF, phone=phone, reason=reason, transcript=transcript,
                               citizen_id=citizen_id, chat_sender=chat_sender)
    if phone and not existing.phone and existing.case_id is None:
        # Until now a chat hand-off with nobody to call (hotline.calls.is_chat_only): the two hours to call
        # back start when there is a number to call.
        existing.due_at = callback_due(utcnow())
    existing.phone = phone or existing.phone
    known = [(line.get("from"), line.get("text"), line.get("at")) for line in existing.transcript or []]
    existing.transcript = [*(existing.transcript or []),
                           *(line for line in transcript if (line.get("from"), line.get("text"), line.get("at"))
                             not in known)]
    if reason and reason != existing.reason:
        existing.reason = f"{existing.reason}；{reason}" if existing.reason else reason
    db.session.flush()
    return existing


def ask_callback(*, kind: str, phone: str | None, reason: str | None, transcript: list[dict[str, Any]],
                 citizen_id: int | None, chat_sender: str | None) -> Callback:
    """A callback asked for by a service or staff (the chatbot's hand-off, a follow-up, a missed call), committed.
    `chat_sender` only counts for a hand-off (request_handoff)."""
    if kind == CHATBOT_HANDOFF:
        callback = request_handoff(chat_sender=chat_sender, phone=phone, reason=reason, transcript=transcript,
                                   citizen_id=citizen_id)
    else:
        callback = create_callback(kind=kind, phone=phone, reason=reason, transcript=transcript,
                                   citizen_id=citizen_id)
    db.session.commit()
    return callback


def callback_phone(typed: str | None, citizen_id: int | None) -> str | None:
    """The number an agent calls back, in E.164: the one the resident typed, else their account's.

    Raises InvalidPhone for a typed number that is not one. Without this a signed-in resident's
    hand-off reached the agents with no number at all.
    """
    phone = canonical_phone(typed)
    if phone is None and citizen_id is not None:
        citizen = db.session.get(Citizen, citizen_id)
        phone = canonical_phone_or_none(citizen.phone) if citizen is not None else None
    return phone
