"""The platform case (案件) and its append-only history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service_api.models.base import Base, utcnow
from service_api.models.directory import Category, Department
from service_api.models.photo import Photo, case_outcome_photos
from service_api.vocab import CASE_STATUSES, OPEN_STATUSES, Status

__all__ = ["CASE_STATUSES", "OPEN_STATUSES", "RESIDENT_ACTOR", "Case", "CaseEvent", "NumberSequence"]

if TYPE_CHECKING:
    from service_api.models.report import Report

# The actor_type of case events written for a resident: their name is personal data (privacy.shown_actor_name).
RESIDENT_ACTOR = "resident"


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_matter", "status", "matter_code"),
        Index("ix_cases_created", "created_at"),
        # Covering index for stats/figures.py (index-only scans on PostgreSQL); see migration 0004.
        Index("ix_cases_stats", "created_at", postgresql_include=[
            "id", "department_id", "matter_code", "street_code", "district_code", "source_channel", "status",
            "report_count", "registered_at", "dispatched_at", "deadline", "resolved_at", "closed_at"]),
        # stats/rollup.py: which cases changed since its watermark (migration 0005).
        Index("ix_cases_updated", "updated_at"),
        # stats/figures.py: open cases past their deadline, counted live (they depend on the clock).
        Index("ix_cases_open_deadline", "created_at",
              postgresql_where=text("closed_at IS NULL AND deadline IS NOT NULL"),
              sqlite_where=text("closed_at IS NULL AND deadline IS NOT NULL"),
              postgresql_include=["deadline", "department_id", "matter_code", "street_code", "district_code",
                                  "source_channel", "resolved_at"]),  # resolved_at: 按期处置 (migration 0011)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=Status.RECEIVED.value)
    matter_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    matter_confidence: Mapped[float | None]
    triage: Mapped[bool] = mapped_column(default=False)  # waits for a person to confirm the matter
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    time_limit_amount: Mapped[float | None]
    time_limit_unit: Mapped[str | None] = mapped_column(String(16))
    deadline: Mapped[datetime | None]
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(255))
    location_description: Mapped[str | None] = mapped_column(String(255))
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    grid_code: Mapped[str | None] = mapped_column(String(16), index=True)
    community_code: Mapped[str | None] = mapped_column(String(16))
    street_code: Mapped[str | None] = mapped_column(String(16), index=True)
    district_code: Mapped[str | None] = mapped_column(String(8))
    source_channel: Mapped[str] = mapped_column(String(16))
    report_count: Mapped[int] = mapped_column(default=1)
    outcome: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    needs_review: Mapped[bool] = mapped_column(default=False)
    reopen_count: Mapped[int] = mapped_column(default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The city component (部件) the case is about and how far the report was from it (service_api.components).
    component_code: Mapped[str | None] = mapped_column(String(17), index=True)
    component_distance_m: Mapped[float | None]

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    registered_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]

    matter: Mapped[Category | None] = relationship()
    department: Mapped[Department | None] = relationship()
    reports: Mapped[list[Report]] = relationship(back_populates="case", foreign_keys="Report.case_id")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")
    outcome_photos: Mapped[list[Photo]] = relationship(
        secondary=case_outcome_photos, order_by=case_outcome_photos.c.position
    )


class CaseEvent(Base):
    """One transition or note. Rows are only ever added."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor_type: Mapped[str] = mapped_column(String(16))  # staff | system | RESIDENT_ACTOR
    actor_id: Mapped[int | None]
    actor_name: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")


class NumberSequence(Base):
    """Per-key counters for readable numbers (case numbers per area and day, tracking numbers per day)."""

    __tablename__ = "number_sequences"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
