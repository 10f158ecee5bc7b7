"""The gazetteer as imported by `flask gazetteer import DIR`; API processes build the geocoder from it."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service_api.models.base import Base


class GazetteerArea(Base):
    __tablename__ = "gazetteer_areas"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    level: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(64))
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON geometry


class GazetteerAddress(Base):
    __tablename__ = "gazetteer_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(128))
    road: Mapped[str | None] = mapped_column(String(64))
    number: Mapped[str | None] = mapped_column(String(32))
    aliases: Mapped[list[str] | None] = mapped_column(JSON)
    lat: Mapped[float]
    lng: Mapped[float]
