"""The notification outbox, satisfaction surveys and ratings.

The API writes Notification rows in the same transaction as the case change; Celery workers
(`notifications/`) claim and send them. This table is the only interface between the two.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service_api.models.base import Base, utcnow
from service_api.models.encrypted import EncryptedText, track_hash
from service_api.vocab import (
    NOTIFICATION_STATES,
    PROGRESS_KINDS,
    REMINDER_OF,
    SURVEY_INVITATION_KINDS,
    SURVEY_KINDS,
    SURVEY_REMINDER_KINDS,
    UNSENT_STATES,
    Kind,
    NotificationState,
)

# The notification vocabulary lives in service_api/vocab.py; these names stay importable from here.
__all__ = ["NOTIFICATION_STATES", "PROGRESS_KINDS", "REMINDER_OF", "SURVEY_INVITATION_KINDS", "SURVEY_KINDS",
           "SURVEY_REMINDER_KINDS", "UNSENT_STATES", "Kind", "Notification", "Survey", "Rating"]

class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # received, merged, registered, ..., survey, survey_reminder
    channel: Mapped[str] = mapped_column(String(16))  # sms | wechat | inapp | voice
    recipient: Mapped[str | None] = mapped_column(EncryptedText())  # phone number or openid
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=NotificationState.PENDING)
    send_after: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    attempt_started_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))  # which dispatch owns the row (notifications/)
    uncertain: Mapped[bool] = mapped_column(default=False)  # an attempt may have reached the provider: look up first
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    provider_status: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Survey(Base):
    """A satisfaction survey (回访) of one report's resident after its case closed."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("case_id", "report_id", "round", name="uq_surveys_case_report_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)  # a reopened and re-closed case is surveyed again
    phone: Mapped[str | None] = mapped_column(EncryptedText("phone_hash"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    channel: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled|pending|answered|expired
    send_after: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Lets stats/rollup.py find the cases whose figures changed (migration 0005).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)


class Rating(Base):
    """A resident's satisfaction with how their report's case was handled: one per report and closing round
    (a reopened case closed again is rated again, as it is surveyed again; migration 0010)."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("case_id", "report_id", "round", name="uq_ratings_case_report_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    # The case's closing round (Case.reopen_count + 1); server default 1 as in migration 0010.
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    rating: Mapped[str] = mapped_column(String(24))  # satisfied | basically_satisfied | unsatisfied
    solved: Mapped[bool | None]
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))  # miniprogram | sms | voice | hotline | chatbot
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)  # see Survey


track_hash(Survey.phone, "phone_hash")
