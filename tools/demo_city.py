"""Generate the DEMO gazetteer of 青岛市市南区 (370202): `python -m tools.demo_city intake/data/demo_city`.

Demo data, not survey data: the district outline is a simplified hand-drawn polygon of the real extent,
street and community boundaries are Voronoi cells around approximate centres, communities and unit grids
are generated, and door numbers are laid out along simplified real road lines at regular spacing. POIs sit
at approximately their real positions. The output is deterministic (no randomness, fixed ordering).
The district's code, outline and roads live in the library (`intake.geo.demo_layout`), because the demo
component set lays street furniture along the same roads at run time.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box

from intake.geo.demo_layout import DISTRICT_CODE, DISTRICT_NAME, DISTRICT_OUTLINE, ROADS
from intake.geo.gazetteer import (
    ADDRESSES_FILE,
    AREAS_FILE,
    AddressRecord,
    AreaRecord,
    address_feature,
    area_feature,
    write_feature_collection,
)

STREETS_CSV = Path(__file__).resolve().parent.parent / "intake" / "data" / "demo_streets.csv"

DEFAULT_STREETS = [
    ("370202001", "八大峡街道"), ("370202002", "云南路街道"), ("370202003", "中山路街道"),
    ("370202004", "江苏路街道"), ("370202005", "八大关街道"), ("370202006", "八大湖街道"),
    ("370202007", "湛山街道"), ("370202008", "金门路街道"), ("370202009", "珠海路街道"),
    ("370202010", "香港中路街道"),
]

# Approximate centre (lng, lat) of each street office's territory, keyed by the name without 街道.
STREET_CENTRES = {
    "八大峡": (120.296, 36.058), "云南路": (120.306, 36.066), "中山路": (120.319, 36.067),
    "江苏路": (120.333, 36.066), "八大关": (120.356, 36.054), "八大湖": (120.352, 36.072),
    "湛山": (120.372, 36.060), "金门路": (120.402, 36.079), "珠海路": (120.425, 36.070),
    "香港中路": (120.392, 36.064), "金湖路": (120.378, 36.077), "八关山": (120.356, 36.054),
}

COMMUNITY_SUFFIXES = ["第一", "第二", "第三", "第四", "第五"]

# (name, lng, lat, aliases), approximately where the real places are.
POIS: list[tuple[str, float, float, list[str]]] = [
    ("五四广场", 120.3846, 36.0620, ["五四", "五月的风"]),
    ("栈桥", 120.3186, 36.0612, ["青岛栈桥", "回澜阁"]),
    ("第六海水浴场", 120.3160, 36.0608, ["六浴", "六号海水浴场"]),
    ("第一海水浴场", 120.3455, 36.0560, ["一浴", "汇泉湾浴场"]),
    ("八大关风景区", 120.3560, 36.0535, ["八大关"]),
    ("青岛火车站", 120.3130, 36.0650, ["火车站", "青岛站"]),
    ("中山公园", 120.3530, 36.0640, []),
    ("奥帆中心", 120.3930, 36.0590, ["奥林匹克帆船中心", "帆船基地"]),
    ("海信广场", 120.3900, 36.0625, []),
    ("万象城", 120.3770, 36.0670, ["华润万象城", "青岛万象城"]),
    ("天主教堂", 120.3215, 36.0665, ["浙江路天主教堂", "圣弥厄尔大教堂"]),
    ("小鱼山公园", 120.3360, 36.0590, ["小鱼山"]),
    ("信号山公园", 120.3310, 36.0660, ["信号山"]),
    ("青岛大学附属医院", 120.3340, 36.0695, ["青大附院", "附属医院"]),
    ("鲁迅公园", 120.3290, 36.0575, []),
    ("青岛海底世界", 120.3395, 36.0575, ["海底世界"]),
    ("燕儿岛山公园", 120.4080, 36.0575, ["燕儿岛公园"]),
    ("音乐广场", 120.3790, 36.0585, []),
    ("太平角公园", 120.3640, 36.0470, ["太平角"]),
    ("湛山寺", 120.3740, 36.0630, []),
    ("青岛市政府", 120.3845, 36.0650, ["市政府"]),
    ("银海大世界", 120.3960, 36.0600, []),
    ("团岛", 120.2850, 36.0490, ["团岛灯塔"]),
    ("劈柴院", 120.3200, 36.0680, ["中山路劈柴院"]),
]

DOOR_SPACING_M = 45.0
SIDE_OFFSET_M = 12.0
GRID_SIZE_DEG = (0.0036, 0.0028)  # ~320 m x 310 m cells (lng, lat)


def load_streets(path: Path = STREETS_CSV) -> list[tuple[str, str]]:
    """(code, name) of the district's streets: the classifier's table when present, else the default ten."""
    if path.is_file():
        with open(path, encoding="utf-8") as fh:
            rows = [(r["code"].strip(), r["name"].strip()) for r in csv.DictReader(fh)]
        rows = [(c, n if n.endswith("街道") else n + "街道") for c, n in rows if c.startswith(DISTRICT_CODE)]
        if rows:
            return sorted(rows)
    return list(DEFAULT_STREETS)


def _centre(name: str, k: int) -> tuple[float, float]:
    base = name.removesuffix("街道")
    if base in STREET_CENTRES:
        return STREET_CENTRES[base]
    # Unknown street: spread along the district's middle line.
    return 120.30 + 0.012 * k, 36.072


def _voronoi_cells(seeds: list[tuple[float, float]], region: Polygon) -> list:
    """Voronoi cell of each seed clipped to region, in seed order."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=region.buffer(0.05))
    out = []
    for sx, sy in seeds:
        pt = Point(sx, sy)
        cell = next(c for c in cells.geoms if c.covers(pt))
        out.append(cell.intersection(region))
    return out


def _metres_to_deg(lat: float) -> tuple[float, float]:
    """Degrees of (lng, lat) per metre at latitude lat."""
    return 1.0 / (111320.0 * np.cos(np.radians(lat))), 1.0 / 110540.0


def build_areas() -> list[AreaRecord]:
    district = Polygon(DISTRICT_OUTLINE).buffer(0)
    areas = [AreaRecord("district", DISTRICT_CODE, DISTRICT_NAME, district)]
    streets = load_streets()
    seeds = [_centre(name, k) for k, (_, name) in enumerate(streets)]
    for (code, name), cell in zip(streets, _voronoi_cells(seeds, district), strict=True):
        if cell.is_empty:
            continue
        areas.append(AreaRecord("street", code, name, cell))
        areas.extend(_communities(code, name, cell))
    return areas


def _communities(street_code: str, street_name: str, street: Polygon) -> list[AreaRecord]:
    base = street_name.removesuffix("街道")
    minx, miny, maxx, maxy = street.bounds
    # 3 to 5 compact communities per street depending on its size: k-means centres of a lattice inside it.
    n = int(min(5, max(3, round(street.area / 2.0e-5))))
    xs, ys = np.meshgrid(np.arange(minx, maxx, 0.0005), np.arange(miny, maxy, 0.0005))
    lattice = np.column_stack([xs.ravel(), ys.ravel()])
    lattice = lattice[shapely.contains_xy(street, lattice[:, 0], lattice[:, 1])]
    seeds = [tuple(c) for c in _kmeans(lattice, n)] if len(lattice) >= n else []
    if len(seeds) < 2:
        seeds = [(street.representative_point().x, street.representative_point().y)]
    seeds.sort(key=lambda s: (-round(s[1], 3), s[0]))
    out: list[AreaRecord] = []
    for k, cell in enumerate(_voronoi_cells(seeds, street)):
        code = f"{street_code}{k + 1:03d}"
        name = f"{base}{COMMUNITY_SUFFIXES[k]}社区" if len(seeds) > 1 else f"{base}社区"
        out.append(AreaRecord("community", code, name, cell))
        out.extend(_grids(code, name, cell))
    return out


def _kmeans(points: np.ndarray, k: int, iterations: int = 30) -> np.ndarray:
    """Deterministic Lloyd k-means: starts from points spread along the first coordinate."""
    order = np.argsort(points[:, 0] * 1000 + points[:, 1], kind="stable")
    centres = points[order[np.linspace(0, len(points) - 1, k).astype(int)]].copy()
    for _ in range(iterations):
        labels = np.argmin(((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        for j in range(k):
            if np.any(labels == j):
                centres[j] = points[labels == j].mean(axis=0)
    return np.round(centres, 6)


def _grids(community_code: str, community_name: str, community) -> list[AreaRecord]:
    """Unit grids tiling the community, numbered west→east within rows from north to south."""
    dx, dy = GRID_SIZE_DEG
    minx, miny, maxx, maxy = community.bounds
    x0, y1 = np.floor(minx / dx) * dx, np.ceil(maxy / dy) * dy
    pieces = []
    row = 0
    y = y1
    while y > miny:
        col = 0
        x = x0
        while x < maxx:
            piece = community.intersection(box(x, y - dy, x + dx, y))
            if not piece.is_empty and piece.area > 1e-9:
                pieces.append((row, col, piece))
            x += dx
            col += 1
        y -= dy
        row += 1
    return [
        AreaRecord("grid", f"{community_code}{seq:03d}", f"{community_name}第{seq}网格", geom)
        for seq, (_, _, geom) in enumerate(sorted(pieces, key=lambda p: (p[0], p[1])), start=1)
    ]


def build_addresses(district: Polygon) -> list[AddressRecord]:
    out: list[AddressRecord] = []
    for road, coords in ROADS.items():
        line = LineString(coords)
        lat0 = coords[0][1]
        mx, my = _metres_to_deg(lat0)
        # Length in metres along the (short) polyline.
        pts = np.array(coords)
        seg = np.hypot(np.diff(pts[:, 0]) / mx, np.diff(pts[:, 1]) / my)
        length_m = float(seg.sum())
        n_doors = int(length_m // DOOR_SPACING_M)
        number_odd, number_even = 1, 2
        for k in range(n_doors):
            frac = (k + 0.5) / n_doors
            p = line.interpolate(frac, normalized=True)
            q = line.interpolate(min(1.0, frac + 0.01), normalized=True)
            tx, ty = (q.x - p.x) / mx, (q.y - p.y) / my
            norm = max(1e-9, float(np.hypot(tx, ty)))
            side = 1 if k % 2 == 0 else -1  # odd numbers on the left of the direction of numbering
            nx, ny = -ty / norm * side, tx / norm * side
            lng = p.x + nx * SIDE_OFFSET_M * mx
            lat = p.y + ny * SIDE_OFFSET_M * my
            if side == 1:
                number, number_odd = number_odd, number_odd + 2
            else:
                number, number_even = number_even, number_even + 2
            if not district.contains(Point(lng, lat)):
                continue
            out.append(AddressRecord("door", f"{road}{number}号", road, str(number), round(lat, 6), round(lng, 6)))
    for name, lng, lat, aliases in POIS:
        out.append(AddressRecord("poi", name, "", "", lat, lng, tuple(aliases)))
    return out


def generate(outdir: str | Path) -> tuple[int, int]:
    """Write areas.geojson and addresses.geojson into outdir; returns (areas, addresses) counts."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    areas = build_areas()
    addresses = build_addresses(areas[0].geometry)
    n_areas = write_feature_collection(outdir / AREAS_FILE, (area_feature(a) for a in areas))
    n_addr = write_feature_collection(outdir / ADDRESSES_FILE, (address_feature(a) for a in addresses))
    return n_areas, n_addr


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m tools.demo_city OUTDIR", file=sys.stderr)
        return 2
    n_areas, n_addr = generate(argv[0])
    print(f"wrote {n_areas} areas and {n_addr} addresses to {argv[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
