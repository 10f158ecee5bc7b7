"""Where components are: nearest of a type within a radius, all within a radius, all in a bounding box.

PostgreSQL: the PostGIS point `geom` (migration 0013) with its GiST index; a bounding box around the radius
(`&&`) bounds the search and KNN ordering (`<->`) returns the nearest first. SQLite: the B-tree on (type_code, lat,
lng) bounds the same box. Both then measure exact great-circle distances here, so the two backends agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from geoalchemy2 import Geometry
from sqlalchemy import and_, column, func, select
from sqlalchemy.sql.elements import ColumnElement

from intake.geo.distance import haversine_m
from service_api.components.models import Component
from service_api.extensions import db

SRID = 4490  # CGCS2000
METRES_PER_DEGREE = 111_320.0
# The PostGIS column, known to queries only (the ORM model does not map it; see models.py).
_geom = column("geom", Geometry("POINT", srid=SRID))


@dataclass(frozen=True)
class Near:
    component: Component
    distance_m: float


def _box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / METRES_PER_DEGREE
    dlng = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return lng - dlng, lat - dlat, lng + dlng, lat + dlat


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _in_box(min_lng: float, min_lat: float, max_lng: float, max_lat: float) -> ColumnElement[bool]:
    if _postgres():
        return _geom.op("&&")(func.ST_MakeEnvelope(min_lng, min_lat, max_lng, max_lat, SRID))
    return and_(Component.lat.between(min_lat, max_lat), Component.lng.between(min_lng, max_lng))


def near(lat: float, lng: float, radius_m: float, *, type_code: str | None = None, limit: int = 50) -> list[Near]:
    """Components within `radius_m` metres of (lat, lng), nearest first, optionally of one type."""
    query = select(Component).where(_in_box(*_box(lat, lng, radius_m)))
    if type_code is not None:
        query = query.where(Component.type_code == type_code)
    if _postgres():
        point = func.ST_SetSRID(func.ST_MakePoint(lng, lat), SRID)
        # KNN in degrees is nearly, not exactly, metres: take a margin and order exactly below.
        query = query.select_from(Component).order_by(_geom.op("<->")(point)).limit(limit * 2 + 10)
    found = []
    for component in db.session.scalars(query):
        distance = haversine_m(lat, lng, component.lat, component.lng)
        if distance <= radius_m:
            found.append(Near(component, distance))
    found.sort(key=lambda n: (n.distance_m, n.component.code))
    return found[:limit]


def nearest(lat: float, lng: float, radius_m: float, type_code: str) -> Near | None:
    """The nearest component of this type within the radius, or None."""
    found = near(lat, lng, radius_m, type_code=type_code, limit=1)
    return found[0] if found else None


def in_bbox(min_lng: float, min_lat: float, max_lng: float, max_lat: float, *, type_codes: list[str] | None = None,
            limit: int) -> list[Component]:
    """Components inside a bounding box (by code, at most `limit`)."""
    query = select(Component).where(_in_box(min_lng, min_lat, max_lng, max_lat))
    if type_codes:
        query = query.where(Component.type_code.in_(type_codes))
    return list(db.session.scalars(query.order_by(Component.code).limit(limit)))
