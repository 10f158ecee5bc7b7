"""The component registry's tables: one row per coded asset, and the history of staff edits.

Positions are CGCS2000 lat/lng on every backend; on PostgreSQL the migration adds a PostGIS point `geom`
generated from them (GiST-indexed, see migration 0013), which spatial.py queries. It is not mapped here: the
ORM never writes it, so SQLite and PostgreSQL share one model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service_api.components.vocab import INTACT, SOURCE_IMPORT
from service_api.models.base import Base, utcnow


class Component(Base):
    __tablename__ = "components"
    __audit_type__ = "component"  # every change is written to the audit trail (service_api/audit/tracking.py)
    __audit_key__ = "code"
    __table_args__ = (
        # SQLite's nearest search: a bounding box on (type, lat) then lng; PostgreSQL uses the GiST index on geom.
        Index("ix_components_type_lat_lng", "type_code", "lat", "lng"),
        Index("ix_components_street_type", "street_code", "type_code"),
    )

    code: Mapped[str] = mapped_column(String(17), primary_key=True)
    type_code: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(64))
    owner_code: Mapped[str] = mapped_column(String(40))  # departments.code (权属单位)
    maintainer_code: Mapped[str | None] = mapped_column(String(40))  # departments.code (养护单位)
    status: Mapped[str] = mapped_column(String(12), default=INTACT)
    lat: Mapped[float]
    lng: Mapped[float]
    grid_code: Mapped[str | None] = mapped_column(String(16))
    community_code: Mapped[str | None] = mapped_column(String(16))
    street_code: Mapped[str | None] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(8))
    location_description: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(8), default=SOURCE_IMPORT)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ComponentEvent(Base):
    """One change to a component by a person or by a closed case (rows are only added)."""

    __tablename__ = "component_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    component_code: Mapped[str] = mapped_column(String(17), index=True)
    actor_id: Mapped[int | None]
    actor_name: Mapped[str | None] = mapped_column(String(64))
    case_no: Mapped[str | None] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field → [old, new]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
