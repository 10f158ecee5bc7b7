"""Case points for the map, filtered like the case desk, as columns rather than GeoJSON.

Tens of thousands of points leave here on every filter change, so the answer is columnar (one array per field,
coordinates rounded to ~1 m) instead of a Feature per case: a third of the bytes. Popups fetch a case's details
when clicked.

The database writes the arrays itself (json_agg / json_group_array): turning rows into Python objects and back
into JSON cost far more than the query (bench/README "Maps"). Under GCJ-02 tiles only the two coordinate arrays
come back to Python, to be shifted.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Numeric, Text, and_, case, cast, func, literal

from service_api.cases import intake_runtime
from service_api.maps import areas
from service_api.maps.filters import DeskFilters
from service_api.maps.tiles import shift_points
from service_api.models import CASE_STATUSES, Case, StaffUser, utcnow
from service_api.vocab import Status

POINT_DECIMALS = 5  # ~1 m: finer than a marker, and a shorter number to send
MAX_POINTS = 200_000  # a whole city's open cases fit many times over; beyond this the answer says it was cut
_STATUS_INDEX = {s: i for i, s in enumerate(CASE_STATUSES)}

BBox = tuple[float, float, float, float]  # min lng, min lat, max lng, max lat (CGCS2000)


def overdue_expr(now: datetime) -> Any:
    """Dispatched and past its deadline: the desk's 已超期 queue."""
    return case((and_(Case.status == Status.DISPATCHED, Case.deadline < now), 1), else_=0)


def with_box(query: Any, bbox: BBox | None) -> Any:
    """Cases with a point in the served area (areas.served_bounds) and in the asked box."""
    query = query.filter(Case.lat.is_not(None), Case.lng.is_not(None))
    for box in (areas.served_bounds(intake_runtime.geocoder().gaz), bbox):
        if box is not None:
            query = query.filter(Case.lng.between(box[0], box[2]), Case.lat.between(box[1], box[3]))
    return query


def _json_array(expr: Any, dialect: str) -> Any:
    """An aggregate that returns the column's values as a JSON array's text (no rows: "[]")."""
    if dialect == "postgresql":
        return func.coalesce(cast(func.json_agg(expr), Text), literal("[]"))
    return func.json_group_array(expr)


def _rounded(column: Any, dialect: str) -> Any:
    # numeric on PostgreSQL: round(double precision, int) does not exist, and numeric prints without float noise
    return func.round(cast(column, Numeric) if dialect == "postgresql" else column, POINT_DECIMALS)


def case_points_json(staff: StaffUser, filters: DeskFilters, bbox: BBox | None, dialect: str, crs: str,
                     limit: int = MAX_POINTS) -> str:
    """The response body: {count, truncated, statuses, id, lng, lat, status, overdue}, the arrays written by the
    database; under GCJ-02 tiles the coordinates are read back into numpy, shifted and written again."""
    now = utcnow()
    base = with_box(filters.query(staff, now), bbox).order_by(None)
    status_index = case(_STATUS_INDEX, value=Case.status, else_=-1)
    rows = base.with_entities(Case.id.label("id"), _rounded(Case.lng, dialect).label("lng"),
                              _rounded(Case.lat, dialect).label("lat"), status_index.label("status"),
                              overdue_expr(now).label("overdue")).limit(limit).subquery()
    count, ids, lngs, lats, statuses, overdue = base.session.query(
        func.count(), *(_json_array(rows.c[name], dialect) for name in ("id", "lng", "lat", "status", "overdue")),
    ).select_from(rows).one()
    truncated = count >= limit and base.with_entities(Case.id).offset(limit).limit(1).first() is not None
    if crs != "cgcs2000" and count:
        lat_arr, lng_arr = shift_points(_floats(lats), _floats(lngs), crs)
        lats = json.dumps(np.round(lat_arr, POINT_DECIMALS).tolist(), separators=(",", ":"))
        lngs = json.dumps(np.round(lng_arr, POINT_DECIMALS).tolist(), separators=(",", ":"))
    head = json.dumps({"count": count, "truncated": truncated, "statuses": list(CASE_STATUSES)},
                      separators=(",", ":"))
    return f'{head[:-1]},"id":{ids},"lng":{lngs},"lat":{lats},"status":{statuses},"overdue":{overdue}}}'


def _floats(array_text: str) -> np.ndarray:
    return np.array(array_text.strip("[] ").split(","), dtype=np.float64)


def area_counts(staff: StaffUser, filters: DeskFilters, level: str) -> dict[str, int]:
    """Cases per area code of `level` (grid, community, street, district) under the desk's filters."""
    column = {"grid": Case.grid_code, "community": Case.community_code, "street": Case.street_code,
              "district": Case.district_code}[level]
    query = filters.query(staff).filter(column.is_not(None)).with_entities(column, func.count()).group_by(
        column).order_by(None)
    return {code: int(n) for code, n in query.all()}
