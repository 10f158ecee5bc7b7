"""Where the time of an intake preview goes, at a quiet spot and at a busy one.

    python bench/bench_preview.py [--rounds 3] [--n 30] [--cases 0 50 200] [--database-url URL]

The hotline agent's page asks `POST /api/v1/intake/preview` as the agent types; the chatbot and the residents' web
app ask it too, and a report's intake does the same work (classify, geocode, look for the same problem among the
open cases nearby). This times, in-process through the Flask test client (no HTTP server), the classifier alone,
then a preview at a spot with 0, 50 and 200 open cases of the same matter within the duplicate radius (a busy
square), and a report filed there with intake inline (`POST /api/v1/reports`). Each figure is the median of
--rounds rounds of --n calls, in ms per call; the load average is printed before and after, since the machine
is shared.

Without --database-url it makes a throwaway SQLite file, migrates and seeds it; with one (an empty database), it
migrates and seeds that.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPOT = {"lat": 36.0600, "lng": 120.3700, "crs": "wgs84"}
TEXT = "五四广场这边垃圾桶满了，垃圾溢出来一地，好几天没人清"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def timed(call: Callable[[int], object], rounds: int, n: int) -> str:
    """Median over the rounds of wall ms per call, and of CPU ms per call of this process (what the code costs,
    which moves less with the machine's load than the wall time)."""
    call(0)
    wall, cpu = [], []
    for _ in range(rounds):
        started, cpu_started = time.perf_counter(), time.process_time()
        for i in range(n):
            call(i)
        wall.append((time.perf_counter() - started) / n * 1000)
        cpu.append((time.process_time() - cpu_started) / n * 1000)
    return f"{statistics.median(wall):7.2f} ms wall, {statistics.median(cpu):7.2f} ms CPU"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--cases", type=int, nargs="+", default=[0, 50, 200])
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from service_api import create_app
    from service_api.config import Settings
    from service_api.extensions import db
    from service_api.models import Case
    from service_api.reference.loading import load_departments, load_taxonomy

    tmp = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    settings = Settings(database_url=args.database_url or f"sqlite:///{tmp / 'bench.db'}",
                        photo_storage_dir=tmp / "photos", secret_key="bench", public_base_url="http://bench.local",
                        service_api_key="bench-service-key", celery_broker_url="memory://",
                        rate_limits_enabled=False, intake_inline=True)
    app = create_app(settings=settings)
    client = app.test_client()
    print(f"load average at the start: {load()} on {os.cpu_count()} CPUs")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_taxonomy()
        load_departments()
        db.session.commit()
        from service_api.cases import intake_runtime

        classifier = intake_runtime.classifier()
        alone = timed(lambda i: classifier.classify(TEXT), args.rounds, args.n * 10)
        print(f"classify alone:                          {alone}")

        def preview(i: int) -> None:
            response = client.post("/api/v1/intake/preview", json={"text": TEXT, "location": SPOT})
            assert response.status_code == 200, response.get_data(as_text=True)

        def report(i: int) -> None:
            response = client.post("/api/v1/reports", json={"description": TEXT, "location": SPOT})
            assert response.status_code == 201, response.get_data(as_text=True)

        report(0)  # one case at the spot, copied below as the other open cases there
        db.session.remove()
        first = db.session.query(Case).one()
        columns = [c.name for c in Case.__table__.columns if c.name not in ("id", "case_no")]
        row = {c: getattr(first, c) for c in columns}
        for wanted in args.cases:
            have = db.session.query(Case).count()
            for k in range(have, wanted):
                db.session.execute(Case.__table__.insert().values(case_no=f"BENCH-{k:06d}", **row))
            db.session.commit()
            count = db.session.query(Case).count() if wanted else 0
            if wanted == 0:
                db.session.execute(Case.__table__.update().values(status="closed"))
                db.session.commit()
            print(f"preview, {count:>3} open cases at the spot:      {timed(preview, args.rounds, args.n)}", flush=True)
            if wanted == 0:
                db.session.execute(Case.__table__.update().values(status=first.status))
                db.session.commit()
        print(f"report, intake inline, {db.session.query(Case).count():>3} open cases:  "
              f"{timed(report, args.rounds, max(args.n // 3, 1))}")
    print(f"load average at the end: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
