"""Gazetteer directory format, streaming readers and the in-memory index the geocoder uses.

A gazetteer directory holds two GeoJSON FeatureCollections (lon/lat in CGCS2000 or WGS-84):

- ``areas.geojson``: Polygon/MultiPolygon features, properties ``level`` (district|street|community|grid),
  ``code`` (6/9/12/15 digits) and ``name``.
- ``addresses.geojson``: Point features, properties ``kind`` (door|poi), ``name`` (full standard address such
  as "香港中路12号", or the POI name), ``road``, ``number`` (may be empty) and optional ``aliases`` (list).

The readers stream: the ``features`` array is decoded one feature at a time from fixed-size chunks, so a file
with a million points never sits in memory as one JSON document. Any formatting works (one feature per line
is what :func:`write_feature_collection` produces and decodes fastest).

Why one module of ~470 lines: it is the one definition of the gazetteer format. The streaming readers, the
writer (used by tools/demo_city.py) and the index built from the records share the record types and the rules for
levels, codes and coordinates; kept together, a change to the format cannot miss one side.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

LEVELS = ("district", "street", "community", "grid")
CODE_LENGTHS = {"district": 6, "street": 9, "community": 12, "grid": 15}
KINDS = ("door", "poi")
AREAS_FILE = "areas.geojson"
ADDRESSES_FILE = "addresses.geojson"
ACCEPTED_CRS = ("CRS84", "4326", "4490")

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(bytes_read, total_bytes)`` after every chunk read."""

_CHUNK = 1 << 20
_WS = re.compile(r"[\s,]*")


class GazetteerError(ValueError):
    """A gazetteer file is malformed; the message names the file, the feature index and the problem."""

    def __init__(self, path: str | os.PathLike, index: int | None, problem: str):
        self.path, self.index, self.problem = str(path), index, problem
        where = f"{self.path}" + (f", feature {index}" if index is not None else "")
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class AreaRecord:
    level: str
    code: str
    name: str
    geometry: BaseGeometry


@dataclass(frozen=True, slots=True)
class AddressRecord:
    kind: str
    name: str
    road: str
    number: str
    lat: float
    lng: float
    aliases: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- streaming JSON


class _Stream:
    """Chunked reader with a decode buffer for ``json.JSONDecoder.raw_decode``."""

    def __init__(self, path: Path, progress: ProgressCallback | None):
        self.path = path
        self.fh = open(path, encoding="utf-8-sig")
        self.total = path.stat().st_size
        self.read_bytes = 0
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.progress = progress
        self.decoder = json.JSONDecoder()

    def close(self) -> None:
        self.fh.close()

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.read_bytes = min(self.total, self.read_bytes + len(chunk.encode("utf-8")))
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        if self.progress is not None:
            self.progress(self.read_bytes, self.total)
        return True

    def skip_ws(self, commas: bool = False) -> None:
        while True:
            if commas:
                self.pos = _WS.match(self.buf, self.pos).end()
            else:
                while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                    self.pos += 1
            if self.pos < len(self.buf) or not self._more():
                return

    def peek(self) -> str:
        self.skip_ws()
        return self.buf[self.pos] if self.pos < len(self.buf) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            got = self.buf[self.pos:self.pos + 20] or "end of file"
            raise GazetteerError(self.path, None, f"invalid GeoJSON: expected {char!r}, got {got!r}")
        self.pos += 1

    def value(self) -> Any:
        self.skip_ws()
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                raise GazetteerError(self.path, None, f"invalid JSON: {exc}") from None
            # A number at the very end of the buffer could continue in the next chunk.
            if end == len(self.buf) and not isinstance(obj, (dict, list, str)) and self._more():
                continue
            self.pos = end
            return obj


def iter_features(path: str | os.PathLike, progress: ProgressCallback | None = None,
                  on_crs: Callable[[Any], None] | None = None) -> Iterator[dict]:
    """Yield the features of a GeoJSON FeatureCollection file one by one, streaming.

    A `crs` member is checked to be CGCS2000/WGS-84, or handed to `on_crs` when given (files in other systems)."""
    path = Path(path)
    if not path.is_file():
        raise GazetteerError(path, None, "file not found")
    stream = _Stream(path, progress)
    try:
        stream.expect("{")
        seen_features = False
        while True:
            if stream.peek() == "}":
                break
            key = stream.value()
            if not isinstance(key, str):
                raise GazetteerError(path, None, "invalid GeoJSON: object key expected")
            stream.expect(":")
            if key == "features":
                seen_features = True
                stream.expect("[")
                if stream.peek() == "]":
                    stream.pos += 1
                else:
                    while True:
                        yield stream.value()
                        nxt = stream.peek()
                        stream.pos += 1
                        if nxt == "]":
                            break
                        if nxt != ",":
                            raise GazetteerError(path, None, "invalid GeoJSON: ',' or ']' expected in features")
            else:
                val = stream.value()
                if key == "type" and val != "FeatureCollection":
                    raise GazetteerError(path, None, f"type must be FeatureCollection, not {val!r}")
                if key == "crs":
                    (on_crs or (lambda crs: _check_crs(path, crs)))(val)
            nxt = stream.peek()
            if nxt == ",":
                stream.pos += 1
            elif nxt != "}":
                raise GazetteerError(path, None, "invalid GeoJSON: ',' or '}' expected")
        if not seen_features:
            raise GazetteerError(path, None, "no 'features' array")
    finally:
        stream.close()


def _check_crs(path: Path, crs: Any) -> None:
    name = str(((crs or {}).get("properties") or {}).get("name", "")) if isinstance(crs, dict) else ""
    if name and not any(name.upper().endswith(c) for c in ACCEPTED_CRS):
        raise GazetteerError(path, None, f"unsupported crs {name!r}: coordinates must be CGCS2000/WGS-84 lon/lat")


# --------------------------------------------------------------------------- validation


def _props(path: Path, index: int, feature: Any) -> tuple[dict, dict]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise GazetteerError(path, index, "not a GeoJSON Feature")
    props = feature.get("properties")
    geom = feature.get("geometry")
    if not isinstance(props, dict):
        raise GazetteerError(path, index, "missing properties")
    if not isinstance(geom, dict):
        raise GazetteerError(path, index, "missing geometry")
    return props, geom


def _text(path: Path, index: int, props: dict, key: str, required: bool = True) -> str:
    value = props.get(key)
    if value is None:
        value = ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise GazetteerError(path, index, f"property {key!r} must be a string")
    value = value.strip()
    if required and not value:
        raise GazetteerError(path, index, f"property {key!r} is missing or empty")
    return value


def _lonlat_ok(x: float, y: float) -> bool:
    return -180.0 <= x <= 180.0 and -90.0 <= y <= 90.0


def area_from_feature(path: Path, index: int, feature: Any) -> AreaRecord:
    props, geom = _props(path, index, feature)
    level = _text(path, index, props, "level")
    if level not in LEVELS:
        raise GazetteerError(path, index, f"level {level!r} is not one of {'|'.join(LEVELS)}")
    code = _text(path, index, props, "code")
    want = CODE_LENGTHS[level]
    if not (code.isascii() and code.isdigit() and len(code) == want):
        raise GazetteerError(path, index, f"code {code!r} of a {level} must be {want} digits")
    name = _text(path, index, props, "name")
    if geom.get("type") not in ("Polygon", "MultiPolygon"):
        raise GazetteerError(path, index, f"geometry must be Polygon or MultiPolygon, not {geom.get('type')!r}")
    try:
        shp = shape(geom)
    except Exception as exc:
        raise GazetteerError(path, index, f"bad polygon coordinates: {exc}") from None
    if shp.is_empty:
        raise GazetteerError(path, index, "empty polygon")
    minx, miny, maxx, maxy = shp.bounds
    if not (_lonlat_ok(minx, miny) and _lonlat_ok(maxx, maxy)):
        raise GazetteerError(path, index, "coordinates are not lon/lat degrees")
    if not shp.is_valid:
        shp = shapely.make_valid(shp)
    return AreaRecord(level=level, code=code, name=name, geometry=shp)


def address_from_feature(path: Path, index: int, feature: Any) -> AddressRecord:
    props, geom = _props(path, index, feature)
    kind = _text(path, index, props, "kind")
    if kind not in KINDS:
        raise GazetteerError(path, index, f"kind {kind!r} is not one of {'|'.join(KINDS)}")
    name = _text(path, index, props, "name")
    road = _text(path, index, props, "road", required=(kind == "door"))
    number = _text(path, index, props, "number", required=False)
    aliases = props.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise GazetteerError(path, index, "property 'aliases' must be a list of strings")
    if geom.get("type") != "Point":
        raise GazetteerError(path, index, f"geometry must be Point, not {geom.get('type')!r}")
    coords = geom.get("coordinates")
    if (
        not isinstance(coords, list)
        or len(coords) < 2
        or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords[:2])
    ):
        raise GazetteerError(path, index, "point coordinates must be [lon, lat] numbers")
    lng, lat = float(coords[0]), float(coords[1])
    if not _lonlat_ok(lng, lat):
        raise GazetteerError(path, index, f"point [{lng}, {lat}] is not lon/lat degrees")
    clean_aliases = tuple(a.strip() for a in aliases if a.strip())
    return AddressRecord(kind=kind, name=name, road=road, number=number, lat=lat, lng=lng, aliases=clean_aliases)


def iter_areas(directory: str | os.PathLike, progress: ProgressCallback | None = None) -> Iterator[AreaRecord]:
    """Stream and validate ``DIR/areas.geojson``; raises GazetteerError on the first bad feature."""
    path = Path(directory) / AREAS_FILE
    for i, feature in enumerate(iter_features(path, progress)):
        yield area_from_feature(path, i, feature)


def iter_addresses(
    directory: str | os.PathLike, progress: ProgressCallback | None = None
) -> Iterator[AddressRecord]:
    """Stream and validate ``DIR/addresses.geojson``; raises GazetteerError on the first bad feature."""
    path = Path(directory) / ADDRESSES_FILE
    for i, feature in enumerate(iter_features(path, progress)):
        yield address_from_feature(path, i, feature)


def write_feature_collection(path: str | os.PathLike, features: Iterable[dict]) -> int:
    """Write a FeatureCollection with one feature per line (compact, streamable); returns the count."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"type":"FeatureCollection","features":[\n')
        for feature in features:
            if n:
                fh.write(",\n")
            fh.write(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
            n += 1
        fh.write("\n]}\n")
    return n


def area_feature(rec: AreaRecord, precision: int = 6) -> dict:
    geom = shapely.set_precision(rec.geometry, 10**-precision) if precision else rec.geometry
    return {
        "type": "Feature",
        "properties": {"level": rec.level, "code": rec.code, "name": rec.name},
        "geometry": mapping(geom),
    }


def address_feature(rec: AddressRecord, precision: int = 6) -> dict:
    props: dict[str, Any] = {"kind": rec.kind, "name": rec.name, "road": rec.road, "number": rec.number}
    if rec.aliases:
        props["aliases"] = list(rec.aliases)
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [round(rec.lng, precision), round(rec.lat, precision)]},
    }


# --------------------------------------------------------------------------- in-memory index


def normalise_number(number: str) -> str:
    """Door number key: "12号" / "１２" / "12 号" → "12"."""
    s = number.strip().translate(_FULLWIDTH).replace(" ", "")
    s = s.removesuffix("号")
    return s


_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"－": "-", "—": "-"})


@dataclass
class AreaLayer:
    """All areas of one level with a spatial index."""

    level: str
    codes: list[str]
    names: list[str]
    geoms: np.ndarray
    tree: shapely.STRtree

    @classmethod
    def build(cls, level: str, records: list[AreaRecord]) -> AreaLayer:
        records = sorted(records, key=lambda r: r.code)
        geoms = np.array([r.geometry for r in records], dtype=object)
        for g in geoms:
            shapely.prepare(g)
        return cls(level, [r.code for r in records], [r.name for r in records], geoms, shapely.STRtree(geoms))


class Gazetteer:
    """Areas by level plus address points in columnar arrays, indexed for geocoding.

    Memory stays modest for a million addresses: coordinates are numpy arrays, names one list, and the
    nearest-address index (a k-d tree) works on planar coordinates (lng scaled by cos(latitude)) so nearest
    means nearest in metres; areas are in shapely STRtrees.
    """

    def __init__(self) -> None:
        self.layers: dict[str, AreaLayer] = {}
        self.area_by_code: dict[str, tuple[str, str, BaseGeometry]] = {}
        self.lat = np.zeros(0)
        self.lng = np.zeros(0)
        self.names: list[str] = []
        self.is_poi = np.zeros(0, dtype=bool)
        self.road_of = np.zeros(0, dtype=np.int32)
        self.roads: list[str] = []
        self.road_ids: dict[str, int] = {}
        self.road_members: list[np.ndarray] = []
        self.door_index: dict[str, int] = {}
        self.name_index: dict[str, int] = {}  # POI names and all aliases → address index
        self.alias_names: set[str] = set()
        self.cos_lat = 1.0
        self.point_tree: cKDTree | None = None

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_records(cls, areas: Iterable[AreaRecord], addresses: Iterable[AddressRecord]) -> Gazetteer:
        gaz = cls()
        by_level: dict[str, list[AreaRecord]] = {lvl: [] for lvl in LEVELS}
        for rec in areas:
            by_level[rec.level].append(rec)
            gaz.area_by_code[rec.code] = (rec.level, rec.name, rec.geometry)
        gaz.layers = {lvl: AreaLayer.build(lvl, recs) for lvl, recs in by_level.items() if recs}
        gaz._add_addresses(addresses)
        return gaz

    def _add_addresses(self, addresses: Iterable[AddressRecord]) -> None:
        lats: list[float] = []
        lngs: list[float] = []
        poi: list[bool] = []
        road_of: list[int] = []
        road_ids = self.road_ids
        for i, rec in enumerate(addresses):
            lats.append(rec.lat)
            lngs.append(rec.lng)
            self.names.append(rec.name)
            poi.append(rec.kind == "poi")
            rid = -1
            if rec.road:
                rid = road_ids.get(rec.road, -1)
                if rid < 0:
                    rid = road_ids[rec.road] = len(self.roads)
                    self.roads.append(rec.road)
            road_of.append(rid)
            if rec.kind == "door":
                key = rec.road + normalise_number(rec.number) if rec.number else ""
                if key:
                    self.door_index.setdefault(key, i)
                if rec.name != key + "号":
                    self.door_index.setdefault(rec.name, i)
            else:
                self.name_index.setdefault(rec.name, i)
            for alias in rec.aliases:
                self.name_index.setdefault(alias, i)
                self.alias_names.add(alias)
        self.lat = np.asarray(lats, dtype=np.float64)
        self.lng = np.asarray(lngs, dtype=np.float64)
        self.is_poi = np.asarray(poi, dtype=bool)
        self.road_of = np.asarray(road_of, dtype=np.int32)
        del lats, lngs, poi, road_of
        order = np.argsort(self.road_of, kind="stable")
        bounds = np.searchsorted(self.road_of[order], np.arange(len(self.roads) + 1))
        self.road_members = [order[bounds[k]:bounds[k + 1]] for k in range(len(self.roads))]
        if len(self.lat):
            self.cos_lat = float(np.cos(np.radians(np.median(self.lat))))
            self.point_tree = cKDTree(np.column_stack([self.lng * self.cos_lat, self.lat]), balanced_tree=False)

    # -- queries -------------------------------------------------------------------------

    def nearest(self, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
        """Index of the nearest address to each point (-1 when the gazetteer has none)."""
        if self.point_tree is None:
            return np.full(len(lats), -1, dtype=np.int64)
        xy = np.column_stack([np.asarray(lngs, dtype=np.float64) * self.cos_lat, np.asarray(lats, dtype=np.float64)])
        return self.point_tree.query(xy, k=1)[1].astype(np.int64)

    def __len__(self) -> int:
        return len(self.names)

    def area_name(self, code: str | None) -> str | None:
        entry = self.area_by_code.get(code) if code else None
        return entry[1] if entry else None

    def place_names(self) -> dict[str, list[str]]:
        """The names residents use for places, for a chatbot's place lookup: roads, POI names with their aliases,
        and the division names above grid level (district, street, community), each list sorted."""
        areas = {name for level, name, _ in self.area_by_code.values() if level != "grid"}
        return {"roads": sorted(self.roads), "pois": sorted(self.name_index), "areas": sorted(areas)}


def load_gazetteer(directory: str | os.PathLike, progress: ProgressCallback | None = None) -> Gazetteer:
    """Read and index a gazetteer directory (see module docstring)."""
    return Gazetteer.from_records(iter_areas(directory, progress), iter_addresses(directory, progress))
