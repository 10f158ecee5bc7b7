"""Geocoder benchmark: synthetic city of 50,000 unit grids and 1,000,000 address points.

    .venv/bin/python bench/bench_geocoder.py [--grids 50000] [--addresses 1000000] [--keep DIR]

Writes the synthetic gazetteer to a temporary directory in the real file format (one feature per line),
imports it with the streaming reader (timed), then measures reverse throughput (vectorised batches and
single calls), forward latency percentiles over a mix of address forms, and peak RSS. Targets (issue 3):
reverse >= 20,000 points/s, forward p95 <= 5 ms, RSS <= 2 GB, import in minutes.
"""

from __future__ import annotations

import argparse
import math
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intake.geo.crs import from_cgcs2000
from intake.geo.gazetteer import load_gazetteer, write_feature_collection
from intake.geo.geocoder import Geocoder

SYLLABLES = list(
    "安宝长春大德东丰福光广海和恒华嘉江金锦京康乐丽林龙隆美明南宁鹏平青庆瑞山盛胜顺泰天通万文祥新兴阳银永裕远云泽振正中"
)
POI_SUFFIXES = ["广场", "大厦", "公园", "小区", "医院", "学校", "商场", "花园", "酒店", "市场", "中心", "家园"]
LNG0, LAT0 = 120.0, 36.0
CELL = 0.001  # grid cell size in degrees (~90 m x 111 m)
DISTRICT = "370299"


def _ring(x0: float, y0: float, x1: float, y1: float) -> list:
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def _area(level: str, code: str, name: str, x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Feature", "properties": {"level": level, "code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": _ring(round(x0, 6), round(y0, 6), round(x1, 6),
                                                                 round(y1, 6))}}


def layout(n_grids: int) -> tuple[int, int]:
    """Rows and columns of grid cells (multiples of 10 so communities are 10x10 grid blocks)."""
    cols = max(10, int(math.sqrt(n_grids * 1.25)) // 10 * 10)
    rows = max(10, int(math.ceil(n_grids / cols / 10.0)) * 10)
    return rows, cols


def gen_areas(rows: int, cols: int, n_grids: int):
    """District, streets (2x5 communities), communities (10x10 grids) and grids; north→south, west→east."""
    yield _area("district", DISTRICT, "测试区", LNG0, LAT0 - rows * CELL, LNG0 + cols * CELL, LAT0)
    com_rows, com_cols = rows // 10, cols // 10
    street_of: dict[tuple[int, int], str] = {}
    for sr in range(math.ceil(com_rows / 2)):
        for sc in range(math.ceil(com_cols / 5)):
            code = f"{DISTRICT}{len(street_of) // 1 + 1:03d}"
            r0, c0 = sr * 2, sc * 5
            r1, c1 = min(com_rows, r0 + 2), min(com_cols, c0 + 5)
            for r in range(r0, r1):
                for c in range(c0, c1):
                    street_of[(r, c)] = code
            yield _area("street", code, f"测试{code[-3:]}街道", LNG0 + c0 * 10 * CELL, LAT0 - r1 * 10 * CELL,
                        LNG0 + c1 * 10 * CELL, LAT0 - r0 * 10 * CELL)
    seq_in_street: dict[str, int] = {}
    made = 0
    for cr in range(com_rows):
        for cc in range(com_cols):
            street = street_of[(cr, cc)]
            seq_in_street[street] = seq_in_street.get(street, 0) + 1
            code = f"{street}{seq_in_street[street]:03d}"
            x0, y1 = LNG0 + cc * 10 * CELL, LAT0 - cr * 10 * CELL
            yield _area("community", code, f"测试{code[-6:]}社区", x0, y1 - 10 * CELL, x0 + 10 * CELL, y1)
            for k in range(100):
                if made >= n_grids:
                    break
                r, c = divmod(k, 10)
                gx0, gy1 = x0 + c * CELL, y1 - r * CELL
                yield _area("grid", f"{code}{k + 1:03d}", f"第{k + 1}网格", gx0, gy1 - CELL, gx0 + CELL, gy1)
                made += 1


def road_names(n: int) -> list[str]:
    names: list[str] = []
    for a in SYLLABLES:
        for b in SYLLABLES:
            if a != b:
                names.append(f"{a}{b}路")
    rng = np.random.default_rng(1)
    rng.shuffle(names)
    return names[:n]


def gen_addresses(rows: int, cols: int, n_addresses: int, rng: np.random.Generator):
    """Doors along horizontal and vertical roads every 2 cells, both sides; the rest POIs with aliases."""
    h_roads, v_roads = rows // 2, cols // 2
    names = road_names(h_roads + v_roads)
    n_doors = int(n_addresses * 0.8)
    width, height = cols * CELL, rows * CELL
    per_road = n_doors // (h_roads + v_roads)
    made = 0
    roads: list[tuple[str, bool, float]] = []
    for i in range(h_roads):
        roads.append((names[i], True, LAT0 - (2 * i + 1) * CELL))
    for j in range(v_roads):
        roads.append((names[h_roads + j], False, LNG0 + (2 * j + 1) * CELL))
    for name, horizontal, pos in roads:
        length = width if horizontal else height
        for k in range(per_road):
            t = (k // 2 + 0.5) / (per_road // 2 + 1) * length
            side = 1 if k % 2 == 0 else -1
            off = side * 0.00012
            lng, lat = (LNG0 + t, pos + off) if horizontal else (pos + off, LAT0 - t)
            number = k + 1
            yield {"type": "Feature",
                   "properties": {"kind": "door", "name": f"{name}{number}号", "road": name, "number": str(number)},
                   "geometry": {"type": "Point", "coordinates": [round(lng, 6), round(lat, 6)]}}
            made += 1
    seen: set[str] = set()
    while made < n_addresses:
        a, b, c = rng.choice(SYLLABLES, 3)
        name = f"{a}{b}{c}{POI_SUFFIXES[int(rng.integers(len(POI_SUFFIXES)))]}"
        if name in seen:
            continue
        seen.add(name)
        props = {"kind": "poi", "name": name, "road": "", "number": ""}
        if made % 5 == 0:
            props["aliases"] = [f"{a}{b}{c}"]
        lng, lat = LNG0 + rng.uniform(0, width), LAT0 - rng.uniform(0, height)
        yield {"type": "Feature", "properties": props,
               "geometry": {"type": "Point", "coordinates": [round(lng, 6), round(lat, 6)]}}
        made += 1


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def forward_queries(geo: Geocoder, rng: np.random.Generator, n: int) -> dict[str, list[tuple[str, str | None]]]:
    """Queries per address form, each with the name the answer should match (None: no match expected)."""
    gaz = geo.gaz
    roads = gaz.roads
    pois = [nm for nm in gaz.name_index if nm not in gaz.alias_names]
    aliases = sorted(gaz.alias_names)
    out: dict[str, list[tuple[str, str | None]]] = {k: [] for k in
                                 ("door", "door+offset", "poi", "alias", "poi typo", "intersection", "road",
                                  "nonsense")}
    h = len(roads) // 2
    for _ in range(n):
        road = roads[int(rng.integers(len(roads)))]
        num = int(rng.integers(1, 1500))
        out["door"].append((f"测试区{road}{num}号", f"{road}{num}号"))
        out["door+offset"].append((f"我在{road}{num}号往东{int(rng.integers(10, 200))}米这边", f"{road}{num}号"))
        poi = pois[int(rng.integers(len(pois)))]
        out["poi"].append((f"{poi}附近", poi))
        alias = aliases[int(rng.integers(len(aliases)))]
        out["alias"].append((alias, gaz.names[gaz.name_index[alias]]))
        out["poi typo"].append((poi[:-1] + "厂", poi))  # one wrong character in the suffix
        horizontal, vertical = roads[int(rng.integers(h))], roads[h + int(rng.integers(len(roads) - h))]
        out["intersection"].append((f"{horizontal}和{vertical}交叉口", f"{horizontal}与{vertical}交叉口"))
        out["road"].append((f"{road}那边", road))
        out["nonsense"].append(("今天天气怎么样" + str(int(rng.integers(100))), None))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=50_000)
    parser.add_argument("--addresses", type=int, default=1_000_000)
    parser.add_argument("--reverse-points", type=int, default=200_000)
    parser.add_argument("--forward-queries", type=int, default=300, help="per address form")
    parser.add_argument("--keep", help="write the synthetic gazetteer here and keep it")
    args = parser.parse_args()

    rng = np.random.default_rng(42)
    rows, cols = layout(args.grids)
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-gaz-"))
    tmp.mkdir(parents=True, exist_ok=True)
    rows_out: list[tuple[str, str, str]] = []
    try:
        t = time.perf_counter()
        n_areas = write_feature_collection(tmp / "areas.geojson", gen_areas(rows, cols, args.grids))
        n_addr = write_feature_collection(tmp / "addresses.geojson", gen_addresses(rows, cols, args.addresses, rng))
        size_mb = sum(p.stat().st_size for p in tmp.iterdir()) / 2**20
        print(f"generated {n_areas} areas, {n_addr} addresses ({size_mb:.0f} MB) in {time.perf_counter() - t:.1f} s",
              flush=True)

        t = time.perf_counter()
        gaz = load_gazetteer(tmp)
        t_import = time.perf_counter() - t
        t = time.perf_counter()
        geo = Geocoder(gaz)
        t_index = time.perf_counter() - t
        rss_loaded = rss_mb()
        rows_out.append(("import (stream + validate + index gazetteer)", f"{t_import:.1f} s",
                         f"{n_areas} areas, {n_addr} addresses; minutes, not hours"))
        rows_out.append(("geocoder indexes (fuzzy blocking, admin names)", f"{t_index:.1f} s", ""))
        rows_out.append(("RSS after load", f"{rss_loaded:.0f} MB", "<= 2048 MB"))

        # Reverse: uniform points over the synthetic city (plus margins that fall outside).
        n = args.reverse_points
        lats = LAT0 - rng.uniform(-0.002, rows * CELL + 0.002, n)
        lngs = LNG0 + rng.uniform(-0.002, cols * CELL + 0.002, n)
        batch = 20_000
        geo.reverse_many(lats[:1000], lngs[:1000])  # warm-up
        t = time.perf_counter()
        hits = 0
        for s in range(0, n, batch):
            res = geo.reverse_many(lats[s:s + batch], lngs[s:s + batch], "wgs84")
            hits += sum(r.grid_code is not None for r in res)
        rate = n / (time.perf_counter() - t)
        rows_out.append(("reverse_many wgs84 (batches of 20,000)", f"{rate:,.0f} points/s", ">= 20,000 points/s"))
        n_gcj = min(50_000, n)
        glat, glng = zip(*(from_cgcs2000(a, b, "gcj02") for a, b in zip(lats[:n_gcj], lngs[:n_gcj], strict=True)),
                         strict=True)
        t = time.perf_counter()
        for s in range(0, n_gcj, batch):
            geo.reverse_many(np.array(glat[s:s + batch]), np.array(glng[s:s + batch]), "gcj02")
        rate_gcj = n_gcj / (time.perf_counter() - t)
        rows_out.append(("reverse_many gcj02 (batches of 20,000)", f"{rate_gcj:,.0f} points/s", ">= 20,000 points/s"))
        m = min(5_000, n)
        t = time.perf_counter()
        for i in range(m):
            geo.reverse(float(lats[i]), float(lngs[i]))
        rate_single = m / (time.perf_counter() - t)
        rows_out.append(("reverse() one call per point", f"{rate_single:,.0f} points/s", "(interactive use)"))
        rows_out.append(("reverse points inside a grid", f"{hits / n:.1%}", "sanity"))

        # Forward latency per address form.
        queries = forward_queries(geo, rng, args.forward_queries)
        all_ms: list[float] = []
        all_cpu: list[float] = []
        for form, texts in queries.items():
            ms: list[float] = []
            cpu: list[float] = []
            matched = 0
            for text, expected in texts:
                t, c = time.perf_counter(), time.process_time()
                r = geo.forward(text)
                cpu.append((time.process_time() - c) * 1000.0)
                ms.append((time.perf_counter() - t) * 1000.0)
                matched += r.matched_name == expected
            all_ms.extend(ms)
            all_cpu.extend(cpu)
            rows_out.append((f"forward {form}", f"p50 {np.percentile(ms, 50):.2f} / p95 {np.percentile(ms, 95):.2f} ms"
                             f" (CPU p95 {np.percentile(cpu, 95):.2f} ms)", f"correct {matched}/{len(texts)}"))
        rows_out.append(("forward all forms", f"p50 {np.percentile(all_ms, 50):.2f} / p95 "
                         f"{np.percentile(all_ms, 95):.2f} / max {max(all_ms):.1f} ms (CPU p95 "
                         f"{np.percentile(all_cpu, 95):.2f} ms)", "p95 <= 5 ms"))
        rows_out.append(("peak RSS (whole run)", f"{peak_rss_mb():.0f} MB", "<= 2048 MB"))
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    width = max(len(r[0]) for r in rows_out)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"]
    print(f"\nload average at the end: {' '.join(load)} (2 cores shared; wall-clock numbers suffer under load)")
    print(f"\n| {'measure'.ljust(width)} | result | target / note |")
    print(f"|{'-' * (width + 2)}|--------|---------------|")
    for name, value, note in rows_out:
        print(f"| {name.ljust(width)} | {value} | {note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
