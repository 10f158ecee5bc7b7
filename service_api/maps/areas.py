"""Area outlines (district / street / community / grid) from the gazetteer as GeoJSON, simplified for the zoom.

A layer is simplified once per (gazetteer version, level, zoom, output system) and kept: each feature's JSON is
made then, so a request only picks the features in its box (the gazetteer's STRtree) and joins strings. The
tolerance is half a screen pixel at that zoom, so no outline moves visibly while grids at city zoom shrink to a
few points each.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import shapely
from shapely.geometry import box as make_box

from intake.geo import Gazetteer
from service_api.maps.tiles import shift_geometry

LEVELS = ("district", "street", "community", "grid")
MIN_ZOOM, MAX_ZOOM = 8, 19
TILE_PX = 256
PRECISION = 6  # decimal places: ~0.1 m, finer than any outline


def tolerance_deg(zoom: int) -> float:
    """Half a pixel at `zoom`, in degrees of longitude."""
    return 360.0 / (TILE_PX * 2 ** zoom) / 2


@dataclass(frozen=True)
class SimplifiedLayer:
    features: list[str]  # GeoJSON Feature text per area, in the layer's order
    vertices: int


_cache: dict[tuple[int, int, str, int, str], SimplifiedLayer] = {}
_lock = threading.Lock()


def simplified(gaz: Gazetteer, gaz_key: int, version: int, level: str, zoom: int, crs: str) -> SimplifiedLayer:
    key = (gaz_key, version, level, zoom, crs)
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    layer = gaz.layers.get(level)
    features: list[str] = []
    vertices = 0
    if layer is not None:
        geoms = shapely.simplify(layer.geoms, tolerance_deg(zoom), preserve_topology=True)
        for code, name, geom in zip(layer.codes, layer.names, geoms, strict=True):
            geom = shapely.set_precision(shift_geometry(geom, crs), 10 ** -PRECISION)
            vertices += shapely.get_num_coordinates(geom)
            props = json.dumps({"code": code, "name": name, "level": level}, ensure_ascii=False)
            features.append(f'{{"type":"Feature","properties":{props},"geometry":{shapely.to_geojson(geom)}}}')
    result = SimplifiedLayer(features, int(vertices))
    with _lock:
        if len(_cache) > 256:  # many versions or zooms over a long life: start again
            _cache.clear()
        _cache[key] = result
    return result


_served: dict[int, tuple[float, float, float, float] | None] = {}


def served_bounds(gaz: Gazetteer) -> tuple[float, float, float, float] | None:
    """The CGCS2000 box (min lng, min lat, max lng, max lat) around every area we serve, from the coarsest layer
    the gazetteer has; None without areas. A point outside it (a phone's 0,0 when it had no fix) is nowhere we
    serve: not counted or drawn as a located case."""
    key = id(gaz)
    if key not in _served:
        layer = next((gaz.layers[lv] for lv in LEVELS if lv in gaz.layers and len(gaz.layers[lv].codes)), None)
        found = None if layer is None else tuple(float(v) for v in shapely.total_bounds(layer.geoms))
        with _lock:
            if len(_served) > 8:  # a reloaded gazetteer is a new object: forget the old ones
                _served.clear()
            _served[key] = found  # type: ignore[assignment]
    return _served[key]


def in_served_area(gaz: Gazetteer, lat: float | None, lng: float | None) -> bool:
    """Whether a stored (CGCS2000) point lies in the served area's box; no point is not in it."""
    bounds = served_bounds(gaz)
    if lat is None or lng is None or bounds is None:
        return False
    return bounds[0] <= lng <= bounds[2] and bounds[1] <= lat <= bounds[3]


def in_box(gaz: Gazetteer, level: str, bbox: tuple[float, float, float, float] | None) -> list[int]:
    """Indexes (layer order) of the areas of `level` meeting the CGCS2000 box (all without one)."""
    layer = gaz.layers.get(level)
    if layer is None:
        return []
    if bbox is None:
        return list(range(len(layer.codes)))
    return sorted(int(i) for i in layer.tree.query(make_box(*bbox), predicate="intersects"))


def feature_collection(gaz: Gazetteer, gaz_key: int, version: int, level: str, zoom: int, crs: str,
                       bbox: tuple[float, float, float, float] | None) -> str:
    layer = simplified(gaz, gaz_key, version, level, zoom, crs)
    picked = in_box(gaz, level, bbox)
    return '{"type":"FeatureCollection","features":[' + ",".join(layer.features[i] for i in picked) + "]}"


def outline(gaz: Gazetteer, code: str | None, crs: str) -> dict | None:
    """One area's outline, unsimplified (the case page's grid)."""
    entry = gaz.area_by_code.get(code) if code else None
    if entry is None:
        return None
    level, name, geom = entry
    geom = shapely.set_precision(shift_geometry(geom, crs), 10 ** -PRECISION)
    return {"type": "Feature", "properties": {"code": code, "name": name, "level": level},
            "geometry": json.loads(shapely.to_geojson(geom))}
