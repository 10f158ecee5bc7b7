"""Open311 read and write latency on a database holding many reports.

Usage: .venv/bin/python bench/bench_open311.py [--reports 20000] [--database-url URL]

Without --database-url it uses a fresh SQLite file; pass e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/bench_open311 (an empty database you created) for PostgreSQL.
Reports, cases and public case events are bulk-inserted (not through intake); the POST measure runs the
real intake inline for each request.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CODES = ("06028", "06042", "09006", "01037", "01023", "06013", "09011", "06001")


def _app(database_url: str, tmp: Path):
    from flask_migrate import upgrade

    from service_api import create_app
    from service_api.config import Settings
    from service_api.reference.loading import load_departments, load_taxonomy

    settings = Settings(database_url=database_url, photo_storage_dir=tmp / "photos", secret_key="bench",
                        public_base_url="http://bench.local", rate_limits_enabled=False,
                        celery_broker_url="memory://")
    app = create_app({"TESTING": True}, settings=settings)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_taxonomy()
        load_departments()
    return app


def _fill(count: int) -> None:
    from sqlalchemy import insert

    from service_api.extensions import db
    from service_api.models import Case, CaseEvent, Department, Report, utcnow
    from service_api.models.open311 import Open311Request

    rng = random.Random(7)
    now = utcnow()
    department_id = db.session.query(Department.id).first()[0]
    cases, reports, events, requests = [], [], [], []
    for n in range(1, count + 1):
        created = now - timedelta(minutes=rng.randint(0, 80 * 24 * 60))
        code = rng.choice(CODES)
        status = rng.choice(("registered", "dispatched", "resolved", "closed", "closed", "rejected"))
        cases.append({"id": n, "case_no": f"C370202-BENCH-{n:07d}", "status": status, "matter_code": code,
                      "department_id": department_id, "source_channel": "open311", "description": "bench",
                      "time_limit_amount": 1.0, "time_limit_unit": "working_days", "created_at": created,
                      "updated_at": created + timedelta(hours=3), "lat": 36.06, "lng": 120.38,
                      "outcome": "已处置" if status in ("resolved", "closed") else None})
        reports.append({"id": n, "tracking_no": f"RB{n:013d}", "channel": "open311" if n % 2 else "miniprogram",
                        "description": f"第{n}号测试反映：五四广场附近夜里很吵，联系13812345678",
                        "address": "五四广场附近", "lat": 36.06, "lng": 120.38, "intake_status": "done",
                        "case_id": n, "created_at": created, "updated_at": created, "extra": {},
                        "candidates": [], "is_duplicate": False, "intake_attempts": 0})
        events.append({"case_id": n, "action": "register", "from_status": "received", "to_status": "registered",
                       "actor_type": "system", "public": True, "data": {}, "created_at": created})
        if n % 2:
            requests.append({"report_id": n, "service_code": code, "token": f"{n:032x}", "created_at": created})
    for model, rows in ((Case, cases), (Report, reports), (CaseEvent, events), (Open311Request, requests)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[start:start + 5000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # move the id sequences past the bulk-inserted ids
        for table in ("cases", "reports"):
            db.session.execute(db.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
        db.session.commit()


def _time(client, url: str, repeat: int) -> tuple[float, float, int]:
    timings = []
    size = 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.data[:300]
        size = len(response.data)
    return statistics.median(timings), max(timings), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-open311-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    app = _app(url, tmp)
    with app.app_context():
        start = time.perf_counter()
        _fill(args.reports)
        print(f"database: {url.split('@')[-1]}; inserted {args.reports} reports/cases in "
              f"{time.perf_counter() - start:.1f} s")
        from service_api.open311.keys import create_key

        _, key = create_key("bench")
        client = app.test_client()
        base = "/open311/v2"
        measures = [
            ("services.json", f"{base}/services.json"),
            ("services/06028.xml", f"{base}/services/06028.xml"),
            ("requests.json default (100)", f"{base}/requests.json"),
            ("requests.json page_size=500", f"{base}/requests.json?page_size=500"),
            ("requests.json 500 + extensions", f"{base}/requests.json?page_size=500&extensions=true"),
            ("requests.xml 500 + extensions", f"{base}/requests.xml?page_size=500&extensions=true"),
            ("requests.json service_code+status", f"{base}/requests.json?service_code=06028,06042&status=open"),
            ("requests.json page 20 of 500s", f"{base}/requests.json?page_size=500&page=20"),
            ("requests/{id}.json + extensions", f"{base}/requests/RB0000000000777.json?extensions=true"),
        ]
        print(f"{'measure':40s} {'median ms':>10s} {'max ms':>8s} {'bytes':>9s}")
        for name, target in measures:
            median, worst, size = _time(client, target, args.repeat)
            print(f"{name:40s} {median:10.1f} {worst:8.1f} {size:9d}")
        timings = []
        for n in range(20):
            start = time.perf_counter()
            response = client.post(f"{base}/requests.json", data={
                "api_key": key, "service_code": "06028", "lat": "36.0620", "long": f"{120.3845 + n * 0.001:.4f}",
                "description": f"五四广场东侧第{n}家酒吧夜里音响很大", "attribute[time_of_day]": "night"})
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 201, response.data
        timings.sort()
        print(f"{'POST requests.json (with inline intake)':40s} {statistics.median(timings):10.1f} "
              f"{timings[-1]:8.1f}   (p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms, 20 requests)")


if __name__ == "__main__":
    main()
