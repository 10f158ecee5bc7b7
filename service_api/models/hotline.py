"""Hotline calls, callbacks due to agents, and webhook idempotency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service_api.models.base import Base, utcnow
from service_api.models.encrypted import EncryptedText, track_hash

CALL_TYPES = ("new_report", "status_query", "follow_up", "consultation", "out_of_scope")
CHATBOT_HANDOFF = "chatbot_handoff"
CALLBACK_KINDS = ("survey", CHATBOT_HANDOFF, "missed_call", "follow_up", "voice_recording")


class HotlineCall(Base):
    """One call on the hotline: logged by an agent, or arriving through the Twilio voice line."""

    __tablename__ = "hotline_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    caller_phone: Mapped[str | None] = mapped_column(EncryptedText("caller_phone_hash"))
    caller_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    call_type: Mapped[str | None] = mapped_column(String(16))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    recording_url: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16), default="open")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Callback(Base):
    """A call an agent owes a resident: a survey by phone, a chatbot hand-off, a missed call."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    phone: Mapped[str | None] = mapped_column(EncryptedText("phone_hash"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    # The chatbot's sender id ("citizen:<id>" / "anon:<uuid>") of a hand-off: one open callback per chat.
    chat_sender: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    transcript: Mapped[list[Any]] = mapped_column(default=list)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | cancelled
    outcome: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookReceipt(Base):
    """Remembers handled webhook deliveries so a retried one is answered once (I-Twilio-Idempotency-Token)."""

    __tablename__ = "webhook_receipts"

    token: Mapped[str] = mapped_column(String(128), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    response_body: Mapped[str | None] = mapped_column(Text)
    response_mimetype: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


track_hash(HotlineCall.caller_phone, "caller_phone_hash")
track_hash(Callback.phone, "phone_hash")
