"""The staff map at 50,000 open cases: the case-points endpoint on PostgreSQL (target ≤ 300 ms) and the page's
render in headless Chromium (target ≤ 2 s), with the desk's default map filter (status=open).

Creates a throwaway database on the PostgreSQL server, migrates it, and fills it with `--open` open cases and
`--closed` closed ones at random points inside the demo city's grids (their grid, community and street found by
the geocoder, as intake does). Then:

- points: GET /api/v1/map/cases?status=open through the app (Flask test client, staff token), `--rounds` times;
  prints the median and the range, and where one call's time goes (SQL, rows → columns, JSON encoding);
- render: the app on a local port (werkzeug, threaded), Debian's Chromium (Playwright) signs in as a dispatcher
  and opens /staff/map; the time from navigation to the clustered points drawn, `--rounds` times.

    python bench/bench_map.py [--open 50000] [--closed 150000] [--rounds 9] [--keep] [--reuse DBNAME]
                              [--port 5550] [--no-render]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OPEN = ["received", "registered", "dispatched", "dispatched", "dispatched", "resolved", "verified", "returned",
        "reopened"]
CHANNELS = ["miniprogram", "hotline", "chatbot", "sms", "voice", "open311"]
PASSWORD = "bench-pass-2026"


def random_points(gaz, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points spread over the city: a random grid each, then a random point inside it."""
    import shapely

    layer = gaz.layers["grid"]
    picks = rng.integers(0, len(layer.codes), count)
    lats, lngs = np.empty(count), np.empty(count)
    for i, grid in enumerate(picks):
        geom = layer.geoms[grid]
        west, south, east, north = geom.bounds
        while True:
            x, y = rng.uniform(west, east), rng.uniform(south, north)
            if shapely.contains_xy(geom, x, y):
                lats[i], lngs[i] = y, x
                break
    return lats, lngs


def generate(db, open_count: int, closed_count: int) -> None:
    from service_api.cases import intake_runtime
    from service_api.models import Case, Category, Department

    rng = np.random.default_rng(2026)
    geocoder = intake_runtime.geocoder()
    matters = [c.code for c in db.session.query(Category).filter_by(kind="event")]
    departments = [d.id for d in db.session.query(Department)]
    total = open_count + closed_count
    lats, lngs = random_points(geocoder.gaz, total, rng)
    now = datetime.now(UTC)
    rows = []
    for i in range(total):
        where = None
        status = OPEN[rng.integers(len(OPEN))] if i < open_count else "closed"
        created = now - timedelta(minutes=int(rng.integers(10, 60 * 24 * 90)))
        rows.append({"case_no": f"C370202-B-{i:08d}", "status": status, "source_channel": CHANNELS[i % 6],
                     "matter_code": matters[int(rng.integers(len(matters)))],
                     "department_id": departments[int(rng.integers(len(departments)))],
                     "lat": float(lats[i]), "lng": float(lngs[i]), "description": "合成数据", "created_at": created,
                     "updated_at": created, "deadline": created + timedelta(days=2) if status == "dispatched" else None,
                     "dispatched_at": created + timedelta(hours=2) if status == "dispatched" else None,
                     "extra": {}, "where": where})
    found = geocoder.reverse_many(lats, lngs, "cgcs2000")
    for row, place in zip(rows, found, strict=True):
        row.pop("where")
        row.update(grid_code=place.grid_code, community_code=place.community_code, street_code=place.street_code,
                   district_code=place.district_code)
    for start in range(0, total, 10_000):
        db.session.execute(Case.__table__.insert(), rows[start:start + 10_000])
    db.session.commit()


def time_points(app, headers: dict[str, str], rounds: int) -> list[float]:
    client = app.test_client()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get("/api/v1/map/cases?status=open", headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_json()
    print(f"points: {body['count']} cases, {len(response.data) / 1e6:.2f} MB")
    return times


def breakdown(app, staff) -> None:
    """One call without the HTTP layer, as served (CGCS2000) and under GCJ-02 tiles (coordinates shifted)."""
    from service_api.extensions import db
    from service_api.maps.filters import DeskFilters
    from service_api.maps.points import case_points_json

    with app.test_request_context("/api/v1/map/cases"):
        filters = DeskFilters(None, {"status": "open"})
        for _ in range(3):
            started = time.perf_counter()
            body = case_points_json(staff, filters, None, db.engine.dialect.name, "cgcs2000")
            built = time.perf_counter()
            case_points_json(staff, filters, None, db.engine.dialect.name, "gcj02")
            shifted = time.perf_counter()
            print(f"  one call: arrays built by the database {1000 * (built - started):.0f} ms "
                  f"({len(body) / 1e6:.2f} MB); shifted into GCJ-02 (AMap tiles) {1000 * (shifted - built):.0f} ms")


def time_render(app, username: str, port: int, rounds: int, expected: int) -> list[float]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    times = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{base}/staff/login")
            page.fill("#username", username)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            for _ in range(rounds):
                started = time.perf_counter()
                page.goto(f"{base}/staff/map")
                page.wait_for_selector(f"#staff-map[data-loaded='{expected}']")
                page.wait_for_selector(".cluster")
                times.append((time.perf_counter() - started) * 1000)
                timing = page.evaluate("window.caseMap.timing")
                print(f"  render {times[-1]:.0f} ms (points fetched after {timing['fetch']} ms, "
                      f"clustered and drawn at {timing['total']} ms after the request)")
            page.screenshot(path="/tmp/bench_map.png")
            browser.close()
    finally:
        server.shutdown()
    return times


def summary(name: str, times: list[float]) -> None:
    print(f"{name}: median {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f}, "
          f"{len(times)} rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=50_000)
    parser.add_argument("--closed", type=int, default=150_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", metavar="DBNAME")
    parser.add_argument("--port", type=int, default=5550)
    parser.add_argument("--no-render", action="store_true")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from service_api import create_app
    from service_api.auth.staff import create_staff_user
    from service_api.auth.tokens import issue_staff_token
    from service_api.config import Settings
    from service_api.extensions import db
    from service_api.models import StaffUser
    from service_api.reference.loading import load_departments, load_taxonomy

    name = args.reuse or f"bench_map_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    if args.reuse:
        args.keep = True
    else:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.admin_url.rsplit("/", 1)[0] + "/" + name
    print(f"database {name}")
    try:
        settings = Settings(database_url=url, photo_storage_dir=Path(tempfile.mkdtemp()), secret_key="bench",
                            celery_broker_url="memory://", rate_limits_enabled=False)
        app = create_app(settings=settings)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            if not args.reuse:
                load_taxonomy()
                load_departments()
                started = time.perf_counter()
                generate(db, args.open, args.closed)
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE cases"))
                print(f"generated {args.open} open + {args.closed} closed cases in "
                      f"{time.perf_counter() - started:.0f} s")
            staff = db.session.query(StaffUser).filter_by(username="bench-dispatcher").one_or_none()
            if staff is None:
                staff = create_staff_user("bench-dispatcher", PASSWORD, "dispatcher")
            headers = {"Authorization": f"Bearer {issue_staff_token(staff.id, staff.password_hash)}"}
            expected = db.session.execute(text(
                "SELECT count(*) FROM cases WHERE status NOT IN ('closed', 'rejected') AND lat IS NOT NULL")).scalar()
            db.session.commit()
            summary("points endpoint", time_points(app, headers, args.rounds))
            breakdown(app, staff)
            db.session.remove()
        if not args.no_render:
            summary("map render", time_render(app, "bench-dispatcher", args.port, max(3, args.rounds // 2),
                                              expected))
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
