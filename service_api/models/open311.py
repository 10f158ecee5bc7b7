"""Open311 API keys for partner systems. Only a hash of each key is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service_api.models.base import Base, utcnow


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(16), default="open311")
    rate_limit: Mapped[str] = mapped_column(String(32), default="600/hour")
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Open311Request(Base):
    """What an Open311 partner sent with a report, beyond the report itself.

    `service_code` is the service the partner chose (the case's matter may differ after triage);
    `token` answers `tokens/{token}` while intake has not finished.
    """

    __tablename__ = "open311_requests"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    service_code: Mapped[str] = mapped_column(String(8), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    device_id: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
