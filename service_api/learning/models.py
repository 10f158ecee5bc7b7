"""`intake_labels`: one labelled example per case staff decided on (see service_api.learning.labels)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service_api.models.base import Base, utcnow


class IntakeLabel(Base):
    __tablename__ = "intake_labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    text: Mapped[str] = mapped_column(Text)  # what the classifier read (the first report's words)
    code: Mapped[str | None] = mapped_column(String(8))  # the matter staff settled on; None = out of scope
    predicted_code: Mapped[str | None] = mapped_column(String(8))  # what the classifier said (None = out of scope)
    source: Mapped[str] = mapped_column(String(16))  # intake.classify.retrain LABEL_SOURCES
    reason: Mapped[str | None] = mapped_column(Text)  # the staff's reason for a correction or rejection
    channel: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
