"""The optional raster base map (MAP_TILE_URL …) and the shift of our CGCS2000 data into the tiles' system.

Our coordinates are CGCS2000 (≈ WGS-84 at city scale). 天地图-style tiles are CGCS2000 too; AMap-style tiles are
drawn in GCJ-02, so every point and polygon we send is shifted into GCJ-02 when MAP_TILE_CRS says so, or it would
sit a few hundred metres off the streets under it. Clicks on such a map come back in GCJ-02 and are converted by
whoever receives them (the location's `crs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from flask import current_app
from shapely.geometry.base import BaseGeometry

from intake.geo.crs import from_cgcs2000_many

TILE_CRS = ("cgcs2000", "gcj02")
_ALIASES = {"cgcs2000": "cgcs2000", "wgs84": "cgcs2000", "4490": "cgcs2000", "4326": "cgcs2000",
            "gcj02": "gcj02"}


@dataclass(frozen=True)
class TileConfig:
    url: str
    attribution: str
    crs: str  # one of TILE_CRS: the system our data is shifted into

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url or None, "attribution": self.attribution, "crs": self.crs}


def parse_tile_crs(value: str) -> str:
    key = (value or "cgcs2000").strip().lower().replace("-", "").replace("_", "").replace("epsg:", "")
    if key not in _ALIASES:
        raise ValueError(f"MAP_TILE_CRS must be one of {', '.join(TILE_CRS)}, not {value!r}")
    return _ALIASES[key]


def check_settings(app: Any) -> None:
    """Fail at start-up on a mistyped MAP_TILE_CRS rather than draw every case a few hundred metres off."""
    parse_tile_crs(app.extensions["settings"].map_tile_crs)


def tile_config() -> TileConfig:
    settings = current_app.extensions["settings"]
    crs = parse_tile_crs(settings.map_tile_crs)
    # Without a base map there is nothing to line up with: our own layers stay in CGCS2000.
    return TileConfig(settings.map_tile_url, settings.map_tile_attribution,
                      crs if settings.map_tile_url else "cgcs2000")


def output_crs() -> str:
    return tile_config().crs


def shift_points(lats: np.ndarray, lngs: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """CGCS2000 → the map's system (arrays)."""
    if crs == "cgcs2000":
        return np.asarray(lats, dtype=np.float64), np.asarray(lngs, dtype=np.float64)
    return from_cgcs2000_many(lats, lngs, crs)


def shift_point(lat: float, lng: float, crs: str) -> tuple[float, float]:
    la, ln = shift_points(np.array([lat]), np.array([lng]), crs)
    return float(la[0]), float(ln[0])


def shift_geometry(geom: BaseGeometry, crs: str) -> BaseGeometry:
    if crs == "cgcs2000":
        return geom

    def move(coords: np.ndarray) -> np.ndarray:  # (n, 2) of lng, lat
        lat, lng = from_cgcs2000_many(coords[:, 1], coords[:, 0], crs)
        return np.column_stack([lng, lat])

    return shapely.transform(geom, move)


def with_map_point(found: dict[str, Any]) -> dict[str, Any]:
    """An intake preview with its place as the map draws it (`map_point`: [lat, lng] in the map's system)."""
    geocode = found.get("geocode") or {}
    if geocode.get("lat") is not None and geocode.get("lng") is not None:
        lat, lng = shift_point(geocode["lat"], geocode["lng"], output_crs())
        found["map_point"] = [round(lat, 6), round(lng, 6)]
    else:
        found["map_point"] = None
    return found
