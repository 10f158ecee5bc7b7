"""Forward and reverse geocoding against a :class:`~intake.geo.gazetteer.Gazetteer`.

Reverse: point → grid/community/street/district (STRtree point-in-polygon, vectorised for batches) and the
nearest address with a 方位描述 ("香港中路12号东侧约40米").

Forward: description → point. Exact lookups come first (door = road + number, POI names and aliases, road
names, area names, found as substrings of the cleaned text); only when they fail, fuzzy matching with
rapidfuzz runs on a short candidate list drawn from a character-bigram index, so a query never scans the
whole gazetteer.

Why one module of ~620 lines: it is one class, :class:`Geocoder`, whose indexes (area names, door numbers,
roads, the bigram index) are built once per process and shared by both directions: a forward match is finished
by the reverse lookup of its point. Splitting it would hand those private indexes across modules.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import shapely
from rapidfuzz import fuzz

from intake.geo.crs import to_cgcs2000, to_cgcs2000_many
from intake.geo.distance import (
    bearing_many,
    destination,
    direction_names,
    haversine_m,
    haversine_many,
)
from intake.geo.gazetteer import CODE_LENGTHS, LEVELS, Gazetteer
from intake.geo.parse import ParsedPlace, embedded_intersections, parse_place

CLI_KEYS = ("lat", "lng", "level", "confidence", "grid_code", "community_code", "street_code", "district_code",
            "description")
# Levels that place a report at a spot (a client or photo position is "point"); the others only name a road or
# an area, whose point is a stand-in (the road's middle, the area's centre): never a basis for distances.
POINT_LEVELS = ("point", "door", "poi", "intersection")
FINE_TO_COARSE = ("grid", "community", "street", "district")

NEAR_M = 10.0  # closer than this the description says "附近"
DESCRIBE_MAX_M = 1000.0  # farther than this from any address there is no useful 方位描述
FUZZY_MIN_SCORE = 70.0
MAX_FORWARD_CHARS = 256  # no real address is longer; bounds the parser's cost on hostile text
MAX_PLACE_SCAN_CHARS = 512  # place_names_in reads complaint texts up to this long
MAX_DOOR_DIGITS = 6  # door numbers beyond this are noise (and would overflow the numeric index)
FUZZY_CANDIDATES = 30
FUZZY_ROAD_DOOR_FACTOR = 0.6  # see _match_door: the road-level weight
FUZZY_POSTINGS_BUDGET = 8_000  # candidate ids gathered from the bigram postings per fuzzy query

_DOOR = re.compile(r"(\d+)(?:-(\d+))?(?:号|$)")
_SEGMENT = re.compile(r"(东|西|南|北|中)段")


@dataclass(frozen=True)
class GeocodeResult:
    """A geocoding answer; lat/lng in CGCS2000. Fields are None where nothing matched."""

    lat: float | None = None
    lng: float | None = None
    level: str | None = None
    confidence: float = 0.0
    grid_code: str | None = None
    grid_name: str | None = None
    community_code: str | None = None
    community_name: str | None = None
    street_code: str | None = None
    street_name: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    description: str | None = None
    matched_name: str | None = None
    distance_m: float | None = None
    outside_area: str | None = None  # a division the text names that the gazetteer does not cover ("崂山区")

    def to_dict(self) -> dict[str, Any]:
        """The CLI keys first (in order), then the names and extras."""
        data = asdict(self)
        out = {k: data.pop(k) for k in CLI_KEYS}
        out.update(data)
        return out


def _fast_result(**fields: Any) -> GeocodeResult:
    """Build a GeocodeResult with every field given, skipping the frozen dataclass __init__ (its per-field
    checks, paid for every point of a batch reverse geocode); equal to GeocodeResult(**fields)."""
    result = object.__new__(GeocodeResult)
    result.__dict__.update(fields)
    return result


def _describe(base: str, direction: str | None, distance_m: float | None, approx: bool) -> str:
    if direction is None or distance_m is None or distance_m < NEAR_M:
        return f"{base}附近"
    if distance_m >= 1000.0:
        amount = f"{round(distance_m / 100.0) / 10:g}公里"
    else:
        amount = f"{int(round(distance_m / 10.0) * 10) if approx else round(distance_m)}米"
    return f"{base}{direction}侧{'约' if approx else ''}{amount}"


def _admin_prefix_names(district_codes: list[str]) -> tuple[list[str], list[str]]:
    """From jionlp's offline division table: the province and city names of the districts (e.g. 山东省,
    青岛市), and the full names of every other province, city and county-level division (崂山区, 市北区,
    济南市 …), which place a report outside the gazetteer's area."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
            import jionlp

            table = jionlp.china_location_loader()
    except Exception:
        return [], []
    wanted = {c[:2] + "0000" for c in district_codes} | {c[:4] + "00" for c in district_codes}
    served = set(district_codes)
    names: list[str] = []
    foreign: list[str] = []
    for prov_name, prov in table.items():
        (names if prov.get("_admin_code") in wanted else foreign).append(prov_name)
        for city_name, city in prov.items():
            if city_name.startswith("_") or not isinstance(city, dict):
                continue
            (names if city.get("_admin_code") in wanted else foreign).append(city_name)
            for county_name, county in city.items():
                if not county_name.startswith("_") and isinstance(county, dict) and \
                        county.get("_admin_code") not in served:
                    foreign.append(county_name)
    return names, foreign


class Geocoder:
    """Geocoder over one gazetteer; safe to share between threads (read-only after construction)."""

    def __init__(self, gazetteer: Gazetteer, use_jionlp: bool = True):
        self.gaz = gazetteer
        self._road_point: dict[int, int] = {}
        self._parents: dict[tuple[str, str], np.ndarray] = {}
        self._numbers = self._door_numbers()
        self._build_area_names(use_jionlp)
        self._build_fuzzy_index()

    # ------------------------------------------------------------------ construction

    def _door_numbers(self) -> np.ndarray:
        """Integer door number per address (-1 when none), for nearest-number fallbacks."""
        nums = np.full(len(self.gaz), -1, dtype=np.int32)
        for key, idx in self.gaz.door_index.items():
            road = self.gaz.roads[self.gaz.road_of[idx]] if self.gaz.road_of[idx] >= 0 else ""
            m = re.match(r"(\d+)", key[len(road):]) if key.startswith(road) else None
            if m:
                nums[idx] = int(m.group(1))
        return nums

    def _build_area_names(self, use_jionlp: bool) -> None:
        self.area_names: dict[str, str] = {}  # spoken name → area code
        for level in ("district", "street", "community"):
            layer = self.gaz.layers.get(level)
            if layer is None:
                continue
            for code, name in zip(layer.codes, layer.names, strict=True):
                variants = {name}
                if name.endswith("街道"):
                    variants |= {name + "办", name + "办事处"}
                if name.endswith("社区"):
                    variants |= {name + "居委会", name + "居民委员会"}
                for v in variants:
                    self.area_names.setdefault(v, code)
        district_codes = self.gaz.layers["district"].codes if "district" in self.gaz.layers else []
        prefixes, foreign = _admin_prefix_names(district_codes) if use_jionlp else ([], [])
        admin_names = set(self.area_names)
        # Residents name a street office's area without "街道" ("八大峡那边"); otherwise the fuzzy match picks a
        # POI that shares characters (八大关风景区). Not as an address prefix ("中山路" is also a road), and a road
        # or POI of the same name wins (it is checked first).
        streets = self.gaz.layers.get("street")
        for code, name in zip(streets.codes, streets.names, strict=True) if streets is not None else []:
            short = name[:-2] if name.endswith("街道") else ""
            if len(short) >= 2 and short not in self.gaz.road_ids and short not in self.gaz.name_index:
                self.area_names.setdefault(short, code)
        # Names of divisions the gazetteer does not cover; a district of the same name in the gazetteer wins.
        self.foreign_areas = {n for n in foreign if len(n) >= 3 and n not in self.area_names} - set(prefixes)
        alternatives = sorted(set(prefixes) | admin_names | self.foreign_areas, key=len, reverse=True)
        self._admin_re = re.compile("^(?:" + "|".join(map(re.escape, alternatives)) + ")") if alternatives else None

    def _build_fuzzy_index(self) -> None:
        """Character-bigram postings over road names and POI names/aliases (the blocking step)."""
        self._fz_names: list[str] = []
        self._fz_target: list[tuple[str, int]] = []
        for rid, road in enumerate(self.gaz.roads):
            self._fz_names.append(road)
            self._fz_target.append(("road", rid))
        for name, idx in self.gaz.name_index.items():
            self._fz_names.append(name)
            self._fz_target.append(("addr", idx))
        postings: dict[str, list[int]] = {}
        for i, name in enumerate(self._fz_names):
            for bg in {name[k:k + 2] for k in range(len(name) - 1)}:
                postings.setdefault(bg, []).append(i)
        self._postings = {bg: np.asarray(ids, dtype=np.int32) for bg, ids in postings.items()}
        self._road_fz_count = len(self.gaz.roads)
        self._max_name_len = max([len(x) for x in self._fz_names] + [len(x) for x in self.area_names] + [2])

    # ------------------------------------------------------------------ area helpers

    def _areas_for_codes(self, codes: dict[str, str | None]) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for level in FINE_TO_COARSE:
            code = codes.get(level)
            out[f"{level}_code"] = code
            out[f"{level}_name"] = self.gaz.area_name(code)
        return out

    def _codes_from_area(self, code: str) -> dict[str, str | None]:
        """An area code and its parents (by prefix, when the gazetteer has them)."""
        codes: dict[str, str | None] = {}
        for level in FINE_TO_COARSE:
            n = CODE_LENGTHS[level]
            prefix = code[:n] if len(code) >= n else None
            codes[level] = prefix if prefix and (prefix == code or prefix in self.gaz.area_by_code) else None
        return codes

    def _point_codes(self, lats: np.ndarray, lngs: np.ndarray) -> dict[str, np.ndarray]:
        """Index into each level's layer per point (-1 outside).

        Grids are looked up first; a grid's community, street and district follow from its code (the codes
        nest by prefix), so the coarser trees are only queried for points outside every grid.
        """
        points = shapely.points(lngs, lats)
        n = len(lats)
        out: dict[str, np.ndarray] = {}
        pending = np.arange(n)
        parent_of_grid: dict[str, np.ndarray] = {}
        for level in LEVELS[::-1]:  # grid, community, street, district
            layer = self.gaz.layers.get(level)
            hit = np.full(n, -1, dtype=np.int64)
            if layer is not None and n:
                if level != "grid" and "grid" in self.gaz.layers:
                    parents = parent_of_grid.setdefault(level, self._parent_index("grid", level))
                    from_grid = out["grid"] >= 0
                    hit[from_grid] = parents[out["grid"][from_grid]]
                    pending = np.flatnonzero(hit < 0)
                else:
                    pending = np.arange(n)
                if len(pending):
                    inp, tree_idx = layer.tree.query(points[pending], predicate="intersects")
                    sub = np.full(len(pending), -1, dtype=np.int64)
                    sub[inp[::-1]] = tree_idx[::-1]  # first hit wins on shared borders
                    hit[pending] = sub
            out[level] = hit
        return out

    def _parent_index(self, child: str, parent: str) -> np.ndarray:
        """For each area of level `child`, the index of its parent area in level `parent` by code prefix."""
        cached = self._parents.get((child, parent))
        if cached is None:
            player = self.gaz.layers[parent]
            pos = {code: i for i, code in enumerate(player.codes)}
            n = CODE_LENGTHS[parent]
            cached = np.array([pos.get(c[:n], -1) for c in self.gaz.layers[child].codes], dtype=np.int64)
            self._parents[(child, parent)] = cached
        return cached

    def _codes_at(self, lat: float, lng: float) -> dict[str, str | None]:
        hits = self._point_codes(np.array([lat]), np.array([lng]))
        return {lvl: (self.gaz.layers[lvl].codes[int(h[0])] if h[0] >= 0 else None) for lvl, h in hits.items()}

    # ------------------------------------------------------------------ reverse

    def reverse(self, lat: float, lng: float, crs: str = "wgs84") -> GeocodeResult:
        """Areas and 方位描述 of one point. ValueError on unknown crs or out-of-range coordinates."""
        lat, lng = to_cgcs2000(lat, lng, crs)
        return self.reverse_many(np.array([lat]), np.array([lng]), "cgcs2000")[0]

    def reverse_many(self, lats, lngs, crs: str = "wgs84") -> list[GeocodeResult]:
        """Vectorised :meth:`reverse` for arrays of points."""
        lat, lng = to_cgcs2000_many(lats, lngs, crs)
        n = len(lat)
        hits = self._point_codes(lat, lng)
        near_idx = np.full(n, -1, dtype=np.int64)
        near_d = np.full(n, np.inf)
        if len(self.gaz) and n:
            near_idx = self.gaz.nearest(lat, lng)
            near_d = haversine_many(lat, lng, self.gaz.lat[near_idx], self.gaz.lng[near_idx])
        columns: dict[str, list] = {}
        level = [None] * n
        for lvl in reversed(FINE_TO_COARSE):  # coarse first so the finest level found wins
            layer = self.gaz.layers.get(lvl)
            h = hits[lvl].tolist()
            if layer is None:
                columns[f"{lvl}_code"] = columns[f"{lvl}_name"] = [None] * n
                continue
            codes, names = layer.codes, layer.names
            columns[f"{lvl}_code"] = [codes[k] if k >= 0 else None for k in h]
            columns[f"{lvl}_name"] = [names[k] if k >= 0 else None for k in h]
            level = [lvl if k >= 0 else prev for k, prev in zip(h, level, strict=True)]
        described = near_d <= DESCRIBE_MAX_M
        safe_idx = np.where(described, near_idx, 0)
        if len(self.gaz):
            alat, alng = self.gaz.lat[safe_idx], self.gaz.lng[safe_idx]
            dirs = direction_names(bearing_many(alat, alng, lat, lng)) if n else []
        else:
            dirs = [None] * n
        matched = [self.gaz.names[k] if ok else None for k, ok in zip(safe_idx.tolist(), described.tolist(),
                                                                       strict=True)]
        dist = [d if ok else None for d, ok in zip(near_d.tolist(), described.tolist(), strict=True)]
        desc = [_describe(m, dr, d, approx=True) if m is not None else None
                for m, dr, d in zip(matched, dirs, dist, strict=True)]
        return [
            _fast_result(
                lat=la, lng=ln, level=lv, confidence=1.0 if lv else 0.0,
                grid_code=gc, grid_name=gn, community_code=cc, community_name=cn, street_code=sc,
                street_name=sn, district_code=dc, district_name=dn,
                description=de, matched_name=m, distance_m=d, outside_area=None,
            )
            for la, ln, lv, gc, gn, cc, cn, sc, sn, dc, dn, de, m, d in zip(
                lat.tolist(), lng.tolist(), level,
                columns["grid_code"], columns["grid_name"], columns["community_code"], columns["community_name"],
                columns["street_code"], columns["street_name"], columns["district_code"],
                columns["district_name"], desc, matched, dist, strict=True,
            )
        ]

    # ------------------------------------------------------------------ forward

    def forward(self, text: str) -> GeocodeResult:
        """Geocode a Chinese address or place description; an empty result (level None) when nothing fits."""
        if not isinstance(text, str) or not text.strip():
            return GeocodeResult()
        parsed = parse_place(text.strip()[:MAX_FORWARD_CHARS])
        core, admin_code = self._strip_admin(parsed.core)
        foreign = self._foreign_area(parsed.core)
        if foreign is not None:
            # "崂山区海尔路1号": the resident names another district; a road of the same name here is not it.
            return GeocodeResult(outside_area=foreign)
        match = None
        for left, right in parsed.intersections:
            match = self._match_intersection(self._strip_admin(left)[0], self._strip_admin(right)[0])
            if match is not None:
                break
        if match is None and core:
            match = self._match_core(core)
        if (match is None or match["level"] not in POINT_LEVELS) and not parsed.intersections:
            # A complaint naming its crossing ("香港中路山东路口井盖没了"): the crossing, not one road's middle.
            crossing = self._embedded_crossing(text.strip()[:MAX_FORWARD_CHARS])
            if crossing is not None:
                match, parsed = crossing
        if match is None and admin_code:
            match = self._match_area(admin_code, 1.0)
        if match is None:
            return GeocodeResult()
        return self._finish(match, parsed, admin_code)

    def _embedded_crossing(self, text: str) -> tuple[dict[str, Any], ParsedPlace] | None:
        """The first crossing written inside `text` whose two sides end in roads of the gazetteer, exactly: in
        running text a road found only approximately is more often another word than a typo."""
        for place in embedded_intersections(text):
            for left, right in place.intersections:
                match = self._match_intersection(self._strip_admin(left)[0], self._strip_admin(right)[0],
                                                 exact=True)
                if match is not None:
                    return match, place
        return None

    def place_names_in(self, text: str) -> list[str]:
        """Gazetteer names (roads, POIs and aliases, areas, other divisions) written in `text`, longest first,
        without overlaps: what a text says about *where*, so that comparing two complaints can leave it out."""
        s = unicodedata.normalize("NFKC", text or "")[:MAX_PLACE_SCAN_CHARS]
        found: list[str] = []
        taken = [False] * len(s)
        for length in range(min(len(s), self._max_name_len), 1, -1):
            for start in range(len(s) - length + 1):
                sub = s[start:start + length]
                if any(taken[start:start + length]):
                    continue
                if (sub in self.gaz.name_index or sub in self.gaz.road_ids or sub in self.area_names
                        or sub in self.foreign_areas):
                    found.append(sub)
                    taken[start:start + length] = [True] * length
        return found

    def _foreign_area(self, s: str) -> str | None:
        """The first division named at the start of `s` that the gazetteer does not cover, if any."""
        if self._admin_re is None:
            return None
        while True:
            m = self._admin_re.match(s)
            if not m or m.end() == 0:
                return None
            if m.group(0) in self.foreign_areas:
                return m.group(0)
            s = s[m.end():]

    def _strip_admin(self, s: str) -> tuple[str, str | None]:
        """Remove leading province/city/district/street/community names; return the finest area code named."""
        code = None
        if self._admin_re is None:
            return s, None
        while True:
            m = self._admin_re.match(s)
            if not m or m.end() == 0:
                return s, code
            found = self.area_names.get(m.group(0))
            if found and (code is None or len(found) >= len(code)):
                code = found
            s = s[m.end():]

    def _finish(self, match: dict[str, Any], parsed: ParsedPlace, admin_code: str | None) -> GeocodeResult:
        lat, lng = match["lat"], match["lng"]
        base = match["name"]
        if parsed.bearing is not None and parsed.distance_m:
            lat, lng = destination(lat, lng, parsed.bearing, parsed.distance_m)
            description = _describe(base, parsed.direction, parsed.distance_m, approx=False)
        elif parsed.corner and match["level"] == "intersection":
            description = f"{base}{parsed.corner}角"
        elif parsed.near or match["level"] in ("door", "poi"):
            description = _describe(base, None, None, approx=False) if parsed.near else base
        else:
            description = base
        confidence = match["confidence"]
        if match.get("area_code"):
            codes = self._codes_from_area(match["area_code"])
        else:
            codes = self._codes_at(lat, lng)
        if admin_code and not any(c and c.startswith(admin_code) for c in codes.values()):
            confidence *= 0.5  # the text names another area than where the place is
        return GeocodeResult(
            lat=lat, lng=lng, level=match["level"], confidence=round(min(1.0, confidence), 3),
            description=description, matched_name=match["name"], **self._areas_for_codes(codes),
        )

    # -- candidates ---------------------------------------------------------------------------

    def _addr(self, idx: int, confidence: float, level: str | None = None) -> dict[str, Any]:
        lvl = level or ("poi" if self.gaz.is_poi[idx] else "door")
        return {"lat": float(self.gaz.lat[idx]), "lng": float(self.gaz.lng[idx]), "level": lvl,
                "name": self.gaz.names[idx], "confidence": confidence}

    def _road(self, rid: int, confidence: float) -> dict[str, Any]:
        idx = self._road_point.get(rid)
        if idx is None:
            members = self.gaz.road_members[rid]
            mlat, mlng = self.gaz.lat[members], self.gaz.lng[members]
            d = haversine_many(mlat, mlng, float(np.mean(mlat)), float(np.mean(mlng)))
            idx = self._road_point[rid] = int(members[int(np.argmin(d))])
        return {"lat": float(self.gaz.lat[idx]), "lng": float(self.gaz.lng[idx]), "level": "road",
                "name": self.gaz.roads[rid], "confidence": confidence}

    def _road_segment(self, rid: int, core: str) -> dict[str, Any] | None:
        """"香港中路西段": the middle of that third of the road (still a road-level place, named so)."""
        road = self.gaz.roads[rid]
        at = core.find(road)
        m = _SEGMENT.match(core, at + len(road)) if at >= 0 else None
        members = self.gaz.road_members[rid]
        if m is None or len(members) < 3:
            return None
        lat, lng = self.gaz.lat[members], self.gaz.lng[members]
        east_west = np.ptp(lng) * self.gaz.cos_lat >= np.ptp(lat)
        side = m.group(1)
        if (side in "东西" and not east_west) or (side in "南北" and east_west):
            return None  # "西段" of a north–south road: no telling which end is meant
        order = members[np.argsort(lng if east_west else lat, kind="stable")]
        third = max(1, len(order) // 3)
        part = {"西": order[:third], "南": order[:third], "东": order[-third:], "北": order[-third:],
                "中": order[third:-third] if len(order) > 2 * third else order}[side]
        plat, plng = self.gaz.lat[part], self.gaz.lng[part]
        idx = int(part[int(np.argmin(haversine_many(plat, plng, float(np.mean(plat)), float(np.mean(plng)))))])
        return {"lat": float(self.gaz.lat[idx]), "lng": float(self.gaz.lng[idx]), "level": "road",
                "name": f"{road}{side}段", "confidence": 0.6}

    def _match_area(self, code: str, factor: float) -> dict[str, Any] | None:
        entry = self.gaz.area_by_code.get(code)
        if entry is None:
            return None
        level, name, geom = entry
        pt = geom.representative_point()
        confidence = {"community": 0.5, "street": 0.4, "district": 0.3}.get(level, 0.3) * factor
        return {"lat": pt.y, "lng": pt.x, "level": level, "name": name, "confidence": confidence,
                "area_code": code}

    def _find_road(self, text: str, exact: bool = False) -> tuple[int, float] | None:
        """Road id named by `text` (exact, the longest road name ending it, or fuzzy unless `exact`) and a
        score 0..1."""
        if not text:
            return None
        for i in range(len(text) - 1):
            rid = self.gaz.road_ids.get(text[i:])
            if rid is not None:
                return rid, 1.0
        if exact:
            return None
        best = self._fuzzy(text, roads_only=True)
        return (best[1], best[2]) if best else None

    def _match_intersection(self, a: str, b: str, exact: bool = False) -> dict[str, Any] | None:
        """The crossing of the roads `a` and `b` name; `exact`: the right one is a road name as is (nothing
        before it) and the left one ends in a road name, as a crossing inside running text is written."""
        ra = self._find_road(a, exact)
        right = self.gaz.road_ids.get(b) if exact else None
        rb = ((right, 1.0) if right is not None else None) if exact else self._find_road(b)
        if not ra or not rb or ra[0] == rb[0]:
            return None
        pa, pb = self._closest_pair(self.gaz.road_members[ra[0]], self.gaz.road_members[rb[0]])
        gap = haversine_m(self.gaz.lat[pa], self.gaz.lng[pa], self.gaz.lat[pb], self.gaz.lng[pb])
        confidence = (0.85 if gap <= 150.0 else 0.4) * ra[1] * rb[1]
        name = f"{self.gaz.roads[ra[0]]}与{self.gaz.roads[rb[0]]}交叉口"
        return {"lat": float((self.gaz.lat[pa] + self.gaz.lat[pb]) / 2),
                "lng": float((self.gaz.lng[pa] + self.gaz.lng[pb]) / 2),
                "level": "intersection", "name": name, "confidence": confidence}

    def _closest_pair(self, ma: np.ndarray, mb: np.ndarray) -> tuple[int, int]:
        """Closest pair of addresses between two roads: coarse on <= 200 samples each, then refined."""
        cos = self.gaz.cos_lat
        x, y = self.gaz.lng, self.gaz.lat
        sa = ma[:: max(1, -(-len(ma) // 200))]
        sb = mb[:: max(1, -(-len(mb) // 200))]
        d2 = ((x[sa, None] - x[None, sb]) * cos) ** 2 + (y[sa, None] - y[None, sb]) ** 2
        i, j = np.unravel_index(int(np.argmin(d2)), d2.shape)
        pa, pb = int(sa[i]), int(sb[j])
        ax, ay, bx, by = x[ma] * cos, y[ma], x[mb] * cos, y[mb]
        for _ in range(3):  # alternate nearest-neighbour steps on the full point sets
            pa = int(ma[int(np.argmin((ax - x[pb] * cos) ** 2 + (ay - y[pb]) ** 2))])
            pb_new = int(mb[int(np.argmin((bx - x[pa] * cos) ** 2 + (by - y[pa]) ** 2))])
            if pb_new == pb:
                break
            pb = pb_new
        return pa, pb

    def _match_door(self, core: str) -> dict[str, Any] | None:
        for m in _DOOR.finditer(core):
            prefix = core[: m.start()]
            found = self._find_road(prefix)
            if not found:
                continue
            rid, score = found
            if score < 1.0:
                # A road name found only approximately is often another real road one character away (南海路 is
                # not 珠海路): a door on it is no surer than the road itself, so a short name one character off
                # falls below the default GEOCODE_MIN_CONFIDENCE and a person confirms the place.
                score *= FUZZY_ROAD_DOOR_FACTOR
            road = self.gaz.roads[rid]
            number = m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")
            for key in (road + number, road + m.group(1), road + number + "号"):
                idx = self.gaz.door_index.get(key)
                if idx is not None:
                    return self._addr(idx, 0.95 * score, "door")
            # No such door: the nearest known number on that road, same side (parity) preferred.
            members = self.gaz.road_members[rid]
            nums = self._numbers[members]
            ok = nums >= 0
            if ok.any() and len(m.group(1)) <= MAX_DOOR_DIGITS:
                want = int(m.group(1))
                cost = np.abs(nums - want) * 2 + ((nums - want) % 2 != 0) + np.where(ok, 0, 1 << 30)
                idx = int(members[int(np.argmin(cost))])
                match = self._addr(idx, 0.6 * score, "road")
                match["name"] = f"{road}{number}号"
                return match
            return self._road(rid, 0.6 * score)
        return None

    def _longest_exact(self, core: str) -> tuple[str, int, int] | None:
        """Longest substring of core that is a POI name/alias ("addr"), road ("road") or area ("area")."""
        n = len(core)
        for length in range(min(n, self._max_name_len), 1, -1):
            subs = [core[start:start + length] for start in range(n - length + 1)]
            # At equal length a POI beats a road ("香港中路海信广场" is the mall, not the road).
            for sub in subs:
                idx = self.gaz.name_index.get(sub)
                if idx is not None:
                    return "addr", idx, length
            for sub in subs:
                rid = self.gaz.road_ids.get(sub)
                if rid is not None:
                    return "road", rid, length
            for start, sub in enumerate(subs):
                if sub in self.area_names:
                    return "area", start, length
        return None

    def _match_core(self, core: str) -> dict[str, Any] | None:
        door = self._match_door(core)
        if door is not None:
            return door
        exact = self._longest_exact(core)
        if exact is not None:
            kind, ref, length = exact
            if kind == "addr":
                name = self.gaz.names[ref]
                confidence = 0.9 if name in core else 0.85  # an alias is a little less certain
                if length < len(core) - 1:
                    # A short name inside longer text may be part of a longer, misspelt one ("盛东大" in
                    # "盛东大公厂" → 盛东大公园): a close fuzzy match on a longer name wins.
                    fuzzy = self._fuzzy(core, roads_only=False, min_len=length + 1)
                    if fuzzy and fuzzy[0] == "addr" and fuzzy[2] >= 0.8:
                        return self._addr(fuzzy[1], 0.85 * fuzzy[2])
                return self._addr(ref, confidence)
            if kind == "road":
                return self._road_segment(ref, core) or self._road(ref, 0.6)
            return self._match_area(self.area_names[core[ref:ref + length]], 1.0)
        best = self._fuzzy(core, roads_only=False)
        if best is None:
            return None
        kind, ref, score, _ = best
        if kind == "road":
            return self._road(ref, 0.6 * score)
        return self._addr(ref, 0.85 * score)

    def _fuzzy(self, text: str, roads_only: bool, min_len: int = 3) -> tuple[str, int, float, str] | None:
        """Best fuzzy match among names sharing character bigrams with `text`: (kind, ref, score 0..1, name)."""
        grams = {text[k:k + 2] for k in range(len(text) - 1)}
        lists = [p for g in grams if (p := self._postings.get(g)) is not None]
        if roads_only:  # road ids come first in every postings array
            lists = [p[: int(np.searchsorted(p, self._road_fz_count))] for p in lists]
        lists = sorted((p for p in lists if len(p)), key=len)
        # Rarest bigrams first, until the candidate budget is spent: common ones ("中路", "广场") add little.
        chosen: list[np.ndarray] = []
        total = 0
        for postings in lists:
            if chosen and total + len(postings) > FUZZY_POSTINGS_BUDGET:
                break
            chosen.append(postings[:FUZZY_POSTINGS_BUDGET])
            total += len(postings)
        if not chosen:
            return None
        ids = np.concatenate(chosen)
        uniq, counts = np.unique(ids, return_counts=True)
        top = uniq[np.argsort(-counts, kind="stable")[:FUZZY_CANDIDATES]]
        best: tuple[float, int] | None = None
        for cid in top.tolist():
            name = self._fz_names[cid]
            if len(name) < min_len:
                continue
            score = fuzz.partial_ratio(name, text) if len(name) <= len(text) else fuzz.ratio(name, text)
            if best is None or score > best[0]:
                best = (score, cid)
        if best is None or best[0] < FUZZY_MIN_SCORE:
            return None
        kind, ref = self._fz_target[best[1]]
        return kind, ref, best[0] / 100.0, self._fz_names[best[1]]


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
