"""City components at scale: import N components (default 3,000,000) into a throwaway PostgreSQL database with
`flask components import`, then time the nearest-component search that intake runs for every 部件 report.

    .venv/bin/python bench/bench_components.py [--rows 3000000] [--queries 2000] [--radius 30] [--keep-file]

Prints the import's wall time and peak memory (the command's max RSS), the rows per second, and the p50 / p95 /
p99 of `spatial.nearest` (one type, within the radius) at random points of the served district. Results go in
bench/README.md, "City components".
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# The demo departments that own components (intake/data/routing.json).
OWNERS = ["370202-ldgl", "370202-szfw", "370202-hjws", "370202-ylh", "qd-water", "qd-power", "qd-gas"]
AREA = "370202"


def district_polygon():
    from intake.geo import load_gazetteer
    from service_api.config import Settings

    gazetteer = load_gazetteer(Settings().gazetteer_dir)
    layer = gazetteer.layers["district"]
    return layer.geoms[layer.codes.index(AREA)]


def random_points(polygon, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points inside the polygon (rejection sampling in its bounding box)."""
    min_x, min_y, max_x, max_y = polygon.bounds
    shapely.prepare(polygon)
    lngs, lats = [], []
    have = 0
    while have < n:
        x = rng.uniform(min_x, max_x, n)
        y = rng.uniform(min_y, max_y, n)
        inside = shapely.contains_xy(polygon, x, y)
        lngs.append(x[inside])
        lats.append(y[inside])
        have += int(inside.sum())
    return np.concatenate(lats)[:n], np.concatenate(lngs)[:n]


def write_file(path: Path, rows: int, types: list[str], polygon, rng: np.random.Generator) -> None:
    """`rows` components spread over the district, types in turn; sequences numbered per type."""
    lats, lngs = random_points(polygon, rows + rows // 100 + 10, rng)
    # Written with 7 decimals: a point within a centimetre of the border may round out of the district. Keep the
    # ones still inside after rounding (the importer would rightly refuse the others).
    lats, lngs = np.round(lats, 7), np.round(lngs, 7)
    inside = shapely.contains_xy(polygon, lngs, lats)
    lats, lngs = lats[inside][:rows], lngs[inside][:rows]
    sequence = dict.fromkeys(types, 0)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "type", "name", "lng", "lat", "crs", "owner", "maintainer", "status"])
        for i in range(rows):
            type_code = types[i % len(types)]
            sequence[type_code] += 1
            writer.writerow([f"{AREA}{type_code}{sequence[type_code]:06d}", type_code, "", f"{lngs[i]:.7f}",
                             f"{lats[i]:.7f}", "wgs84", OWNERS[i % len(OWNERS)], "", "完好"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--radius", type=float, default=30.0)
    parser.add_argument("--keep-file", action="store_true")
    args = parser.parse_args()

    from intake.taxonomy import load_directory

    rng = np.random.default_rng(2026)
    # Types with room for the rows: a 6-digit sequence holds 999,999 per type and area.
    types = [m.code for m in load_directory().components()][: max(5, args.rows // 900_000 + 5)]
    polygon = district_polygon()
    workdir = Path(tempfile.mkdtemp(prefix="bench-components-"))
    data = workdir / "components.csv"
    started = time.perf_counter()
    write_file(data, args.rows, types, polygon, rng)
    print(f"file: {args.rows:,} rows, {data.stat().st_size / 1e6:.0f} MB, written in "
          f"{time.perf_counter() - started:.0f} s")

    name = f"bench_components_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi", "INSTANCE_DIR": str(workdir)}
    flask = str(ROOT / ".venv" / "bin" / "flask")
    try:
        for step in (["db", "upgrade"], ["taxonomy", "load"]):
            subprocess.run([flask, *step], cwd=ROOT, env=env, check=True, capture_output=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"load average before the import: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"({os.cpu_count()} cores)")
        started = time.perf_counter()
        done = subprocess.run([flask, "components", "import", str(data), "--report", str(workdir / "errors.csv")],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(done.stdout.strip(), done.stderr.strip()[-400:] if done.returncode else "")
        if done.returncode:
            return 1
        print(f"import: {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s), peak RSS {peak_mb:.0f} MB"
              f"{' (an earlier step peaked higher)' if before > peak_mb * 1024 else ''} (the largest of the command "
              f"and its worker processes); load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        return _queries(url, types, polygon, rng, args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if not args.keep_file:
            shutil.rmtree(workdir, ignore_errors=True)  # the file, the error report, the instance folder


def _queries(url: str, types: list[str], polygon, rng: np.random.Generator, args: argparse.Namespace) -> int:
    os.environ["DATABASE_URL"] = url
    from service_api import create_app
    from service_api.components import spatial
    from service_api.extensions import db

    app = create_app()
    with app.app_context():
        count = db.session.execute(text("SELECT count(*) FROM components")).scalar_one()
        size = db.session.execute(text("SELECT pg_size_pretty(pg_total_relation_size('components')), "
                                       "pg_size_pretty(pg_indexes_size('components'))")).one()
        print(f"components table: {size[0]} on disk, of which indexes {size[1]}")
        lats, lngs = random_points(polygon, args.queries + 100, rng)
        picks = [random.Random(i).choice(types) for i in range(len(lats))]
        for i in range(100):  # warm the cache and the pool
            spatial.nearest(float(lats[i]), float(lngs[i]), args.radius, picks[i])
        times, found = [], 0
        for i in range(100, len(lats)):
            started = time.perf_counter()
            hit = spatial.nearest(float(lats[i]), float(lngs[i]), args.radius, picks[i])
            times.append((time.perf_counter() - started) * 1000)
            found += hit is not None
            # Intake searches inside the report's transaction (its connection already checked out): keep it, but
            # forget the loaded rows, so every query hydrates its Component afresh.
            db.session.expunge_all()
        times.sort()
        p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
        print(f"load average after the queries: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"nearest of a type within {args.radius:.0f} m, {count:,} components, {len(times)} queries: "
              f"p50 {p(0.5):.2f} ms, p95 {p(0.95):.2f} ms, p99 {p(0.99):.2f} ms, mean "
              f"{statistics.fmean(times):.2f} ms; {found} found a component")
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
