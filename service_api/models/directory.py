"""The matter directory (事项/部件, from GB/T 47678.5) and the departments cases are routed to."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from service_api.models.base import Base


class Category(Base):
    """One entry of the matter directory. Loaded from intake's data files, never edited by hand."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "event" (管理事项) | "component" (管理部件)
    name: Mapped[str] = mapped_column(String(64))
    major_code: Mapped[str] = mapped_column(String(4), index=True)
    major_name: Mapped[str] = mapped_column(String(32))
    standard_ref: Mapped[str] = mapped_column(String(32))
    local: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class Department(Base):
    """A body that handles cases: an owner unit (权属单位), a street office (街道) or a bureau."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="functional")
    phone: Mapped[str | None] = mapped_column(String(32))
