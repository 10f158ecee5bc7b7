"""Photos uploaded by residents or staff. Files are content-addressed on disk by SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from service_api.models.base import Base, utcnow


class Photo(Base):
    """One upload. Several uploads of the same bytes share one stored file (same sha256)."""

    __tablename__ = "photos"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    gps_lat: Mapped[float | None]
    gps_lng: Mapped[float | None]
    taken_at: Mapped[datetime | None]
    owner_citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    owner_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


report_photos = Table(
    "report_photos",
    Base.metadata,
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", String(36), ForeignKey("photos.id"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)

case_outcome_photos = Table(
    "case_outcome_photos",
    Base.metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", String(36), ForeignKey("photos.id"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)
