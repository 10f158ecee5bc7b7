"""A report: one submission by a resident through any channel."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service_api.models.base import Base, utcnow
from service_api.models.encrypted import EncryptedText, track_hash
from service_api.models.people import Citizen
from service_api.models.photo import Photo, report_photos
from service_api.vocab import SOURCE_TEXT, SOURCES

if TYPE_CHECKING:
    from service_api.models.case import Case

# A report's channel is its source (service_api/vocab.py), under the name the models have always used.
CHANNELS = SOURCES
CHANNEL_TEXT = SOURCE_TEXT
INTAKE_STATES = ("pending", "done", "failed")


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("idempotency_scope", "idempotency_key", name="uq_reports_idempotency"),
        Index("ix_reports_intake_pending", "intake_status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    channel_ref: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(255))
    category_hint: Mapped[str | None] = mapped_column(String(64))

    # The location exactly as sent, and normalised to CGCS2000.
    raw_lat: Mapped[float | None]
    raw_lng: Mapped[float | None]
    raw_crs: Mapped[str | None] = mapped_column(String(16))
    location_source: Mapped[str | None] = mapped_column(String(16))  # client | photo | address | none
    lat: Mapped[float | None]
    lng: Mapped[float | None]

    contact_phone: Mapped[str | None] = mapped_column(EncryptedText("contact_phone_hash"))
    contact_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(64))
    wechat_openid: Mapped[str | None] = mapped_column(String(64))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    access_token_hash: Mapped[str | None] = mapped_column(String(64))
    idempotency_scope: Mapped[str | None] = mapped_column(String(80))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    # SHA-256 of the request first stored under the key: a retry must match it (reports/accept.py).
    idempotency_fingerprint: Mapped[str | None] = mapped_column(String(64))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    # Intake results.
    intake_status: Mapped[str] = mapped_column(String(16), default="pending")
    intake_error: Mapped[str | None] = mapped_column(Text)
    intake_attempts: Mapped[int] = mapped_column(default=0)
    in_scope: Mapped[bool | None]
    matter_code: Mapped[str | None] = mapped_column(String(8))
    matter_confidence: Mapped[float | None]
    candidates: Mapped[list[Any]] = mapped_column(default=list)
    geocode_level: Mapped[str | None] = mapped_column(String(16))
    geocode_confidence: Mapped[float | None]
    location_description: Mapped[str | None] = mapped_column(String(255))
    grid_code: Mapped[str | None] = mapped_column(String(16))
    community_code: Mapped[str | None] = mapped_column(String(16))
    street_code: Mapped[str | None] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(8))

    # When the resident's personal data was removed (retention or the resident's erasure; personal_data/scrub.py).
    anonymised_at: Mapped[datetime | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    is_duplicate: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    citizen: Mapped[Citizen | None] = relationship()
    case: Mapped[Case | None] = relationship(back_populates="reports", foreign_keys=[case_id])
    photos: Mapped[list[Photo]] = relationship(secondary=report_photos, order_by=report_photos.c.position)


track_hash(Report.contact_phone, "contact_phone_hash")
