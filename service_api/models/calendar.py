"""The city's official working calendar: holidays (休) and make-up working days (班) per year."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from service_api.models.base import Base, utcnow


class WorkCalendarDay(Base):
    """One day of a loaded year that differs from Monday–Friday working. A year with any row is fully known."""

    __tablename__ = "work_calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(2))  # intake.worktime.DAY_KINDS: 休 | 班
    name: Mapped[str | None] = mapped_column(String(32))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
