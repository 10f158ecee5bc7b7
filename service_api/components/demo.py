"""The demo component set of the demo district (`flask demo load`): DEMO DATA, labelled `source = demo`.

Laid out along the demo roads (intake.geo.demo_layout.ROADS): a street light every 30 m on alternating sides, manhole
covers of several kinds on the carriageway, bins, benches, street-name signs and fire hydrants at wider spacings.
Owners and maintainers are the demo departments (intake/data/routing.json). Reloading replaces the demo rows and
leaves imported ones alone; nothing is random, so the same codes stand at the same places every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString, Point, Polygon

from intake.geo.demo_layout import DISTRICT_CODE, DISTRICT_OUTLINE, ROADS
from service_api.cases import intake_runtime
from service_api.components.models import Component
from service_api.components.vocab import DAMAGED, INTACT, SOURCE_DEMO
from service_api.extensions import db
from service_api.models import Department, utcnow


@dataclass(frozen=True)
class _Kind:
    types: tuple[str, ...]  # taken in turn along a road
    spacing_m: float
    offset_m: float  # from the centre line (sides alternate)
    owner: str
    maintainer: str | None
    name: str


KINDS = (
    _Kind(("01037",), 30.0, 9.0, "370202-ldgl", "370202-szfw", "路灯"),
    _Kind(("01001", "01002", "01003", "01005", "01007"), 60.0, 2.0, "", None, ""),  # owners per type below
    _Kind(("03005",), 80.0, 7.0, "370202-hjws", None, "垃圾箱"),
    _Kind(("04007",), 150.0, 8.0, "370202-ylh", None, "街头座椅"),
    _Kind(("02012",), 200.0, 10.0, "370202-mzj", "370202-szfw", "路名牌"),
    _Kind(("01013",), 120.0, 6.0, "qd-water", "370202-xfdd", "消火栓"),
)
MANHOLE_OWNERS = {"01001": ("qd-water", "供水井盖"), "01002": ("370202-szfw", "污水井盖"),
                  "01003": ("370202-szfw", "雨水井盖"), "01005": ("qd-power", "电力井盖"),
                  "01007": ("qd-telecom", "通信井盖")}
# One in this many demo components is recorded as damaged, so the console's statuses are not all 完好.
DAMAGED_EVERY = 37


def _metres_to_deg(lat: float) -> tuple[float, float]:
    return 1.0 / (111320.0 * np.cos(np.radians(lat))), 1.0 / 110540.0


def _positions(coords: list[tuple[float, float]], spacing_m: float, offset_m: float) -> list[tuple[float, float]]:
    """(lat, lng) every spacing_m along a road, offset from its centre line to alternating sides."""
    line = LineString(coords)
    mx, my = _metres_to_deg(coords[0][1])
    points = np.array(coords)
    length_m = float(np.hypot(np.diff(points[:, 0]) / mx, np.diff(points[:, 1]) / my).sum())
    out = []
    for k in range(int(length_m // spacing_m)):
        frac = (k + 0.5) * spacing_m / length_m
        p = line.interpolate(frac, normalized=True)
        q = line.interpolate(min(1.0, frac + 0.005), normalized=True)
        tx, ty = (q.x - p.x) / mx, (q.y - p.y) / my
        norm = max(1e-9, float(np.hypot(tx, ty)))
        side = 1 if k % 2 == 0 else -1
        out.append((p.y + tx / norm * side * offset_m * my, p.x - ty / norm * side * offset_m * mx))
    return out


def demo_rows() -> list[dict]:
    district = Polygon(DISTRICT_OUTLINE)
    sequence: dict[str, int] = {}
    rows = []
    for road, coords in ROADS.items():
        for kind in KINDS:
            for k, (lat, lng) in enumerate(_positions(coords, kind.spacing_m, kind.offset_m)):
                if not district.contains(Point(lng, lat)):
                    continue
                type_code = kind.types[k % len(kind.types)]
                owner, name = MANHOLE_OWNERS.get(type_code, (kind.owner, kind.name))
                sequence[type_code] = sequence.get(type_code, 0) + 1
                rows.append({
                    "code": f"{DISTRICT_CODE}{type_code}{sequence[type_code]:06d}", "type_code": type_code,
                    "name": f"{road}{name}", "owner_code": owner, "maintainer_code": kind.maintainer,
                    "status": DAMAGED if len(rows) % DAMAGED_EVERY == DAMAGED_EVERY - 1 else INTACT,
                    "lat": round(lat, 7), "lng": round(lng, 7)})
    return rows


def load_demo_components() -> int:
    """Replace the demo components; returns how many there are. Rows whose owner is not a department are left out."""
    known = {code for (code,) in db.session.query(Department.code)}
    rows = [r for r in demo_rows() if r["owner_code"] in known and (r["maintainer_code"] in known | {None})]
    places = intake_runtime.geocoder().reverse_many(np.array([r["lat"] for r in rows]),
                                                    np.array([r["lng"] for r in rows]), "cgcs2000")
    db.session.query(Component).filter(Component.source == SOURCE_DEMO).delete()
    imported = {code for (code,) in db.session.query(Component.code)}
    now = utcnow()
    kept = []
    for row, place in zip(rows, places, strict=True):
        if place.district_code != DISTRICT_CODE or row["code"] in imported:
            continue  # outside every grid, or an imported component holds the code: the registry's own wins
        kept.append(Component(**row, grid_code=place.grid_code, community_code=place.community_code,
                              street_code=place.street_code, district_code=place.district_code,
                              location_description=place.description, source=SOURCE_DEMO, updated_at=now))
    db.session.add_all(kept)
    db.session.commit()
    return len(kept)
