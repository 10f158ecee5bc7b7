"""The components (部件) layer of the staff map: the registry's points in a box, in the map's system.

The registry (service_api.components) answers bearer-token clients at /api/v1/components/geojson; the console's
map reads it here, with its session, and gets the points shifted like every other layer when the tiles are GCJ-02.
Owners and maintainers are departments (codes), never personal contacts."""

from __future__ import annotations

from typing import Any

import numpy as np

from service_api.components import registry, spatial
from service_api.components.vocab import STATUS_TEXT
from service_api.maps.tiles import shift_points

MAX_FEATURES = 5000  # as the registry's own layer: more in one view and the map asks to zoom in
MAX_BBOX_DEG = 0.5


def components_in_box(bbox: tuple[float, float, float, float], types: list[str] | None, crs: str) -> dict[str, Any]:
    rows = spatial.in_bbox(*bbox, type_codes=types or None, limit=MAX_FEATURES + 1)
    truncated = len(rows) > MAX_FEATURES
    rows = rows[:MAX_FEATURES]
    lats, lngs = shift_points(np.array([c.lat for c in rows]), np.array([c.lng for c in rows]), crs)
    return {
        "type": "FeatureCollection",
        "features": [{
            "type": "Feature", "id": c.code,
            "geometry": {"type": "Point", "coordinates": [round(float(lng), 6), round(float(lat), 6)]},
            "properties": {"code": c.code, "type": c.type_code, "type_name": registry.type_name(c.type_code),
                           "name": c.name, "status": c.status, "status_text": STATUS_TEXT.get(c.status)},
        } for c, lat, lng in zip(rows, lats, lngs, strict=True)],
        "truncated": truncated,
    }
