"""Stats queries over a million cases on PostgreSQL: every query behind /staff/stats must take ≤ 1 s.

Creates a throwaway database on the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432),
migrates it, fills it with generate_series (1,000,000 cases, one report each, surveys and ratings for closed
cases: about a minute), then runs services.stats for every group_by — the JSON API's figures and the page's
full set with medians — over a one-year and a one-month period, timing each SQL statement.

    python bench/bench_stats.py [--cases 1000000] [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                [--keep]          (keep the database to look at plans; its name is printed)
                                [--reuse DBNAME]  (time the queries on a database kept earlier, no generation)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, event, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHANNELS = ["miniprogram", "hotline", "chatbot", "sms", "voice", "open311"]
STREETS = [f"370202{n:03d}" for n in range(1, 12)]


def generate(conn, cases: int, matters: list[str], departments: list[int]) -> None:
    """Synthetic cases spread over 2025-01-01 … 2026-12-31 with realistic status mix and timings."""
    params = {"n": cases, "matters": matters, "depts": departments, "channels": CHANNELS, "streets": STREETS}
    conn.execute(text("""
        INSERT INTO cases (id, case_no, status, matter_code, matter_confidence, triage, department_id, priority,
                           time_limit_amount, time_limit_unit, deadline, description, district_code, street_code,
                           community_code, grid_code, source_channel, report_count, needs_review, reopen_count,
                           extra, created_at, updated_at, registered_at, dispatched_at, resolved_at, verified_at,
                           closed_at)
        SELECT g, 'C370202-B-' || lpad(g::text, 8, '0'), s.status,
               (CAST(:matters AS text[]))[1 + floor(r1 * cardinality(CAST(:matters AS text[])))::int], 0.8,
               s.status = 'received',
               CASE WHEN s.status = 'received' THEN NULL
                    ELSE (CAST(:depts AS int[]))[1 + floor(r2 * cardinality(CAST(:depts AS int[])))::int] END,
               'normal', 24, 'working_hours',
               CASE WHEN s.status IN ('received', 'registered', 'rejected') THEN NULL
                    ELSE t.created + interval '2 hours' + interval '1 hour' * (24 + r3 * 72) END,
               '合成数据', '370202', (CAST(:streets AS text[]))[1 + floor(r4 * 11)::int],
               (CAST(:streets AS text[]))[1 + floor(r4 * 11)::int] || '001',
               (CAST(:streets AS text[]))[1 + floor(r4 * 11)::int] || '001001',
               (CAST(:channels AS text[]))[1 + floor(r5 * 6)::int], 1 + (r6 < 0.15)::int + (r6 < 0.04)::int, false,
               0, '{}',
               t.created, t.created,
               CASE WHEN s.status NOT IN ('received', 'rejected') THEN t.created + interval '1 minute' * (r2 * 240) END,
               CASE WHEN s.status NOT IN ('received', 'registered', 'rejected')
                    THEN t.created + interval '1 minute' * (240 + r3 * 240) END,
               CASE WHEN s.status IN ('resolved', 'verified', 'closed')
                    THEN t.created + interval '1 hour' * (8 + r1 * 110) END,
               CASE WHEN s.status IN ('verified', 'closed') THEN t.created + interval '1 hour' * (120 + r2 * 24) END,
               CASE WHEN s.status = 'closed' THEN t.created + interval '1 hour' * (150 + r3 * 48) END
        FROM generate_series(1, :n) AS g
        CROSS JOIN LATERAL (SELECT random() AS r0, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                                   random() AS r5, random() AS r6, g AS gg) r
        CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01 00:00+08' + interval '1 second' * (r0 * 63072000)
                                   AS created) t
        CROSS JOIN LATERAL (SELECT CASE WHEN r6 < 0.70 THEN 'closed' WHEN r6 < 0.75 THEN 'verified'
                                        WHEN r6 < 0.80 THEN 'resolved' WHEN r6 < 0.88 THEN 'dispatched'
                                        WHEN r6 < 0.92 THEN 'registered' WHEN r6 < 0.95 THEN 'received'
                                        WHEN r6 < 0.98 THEN 'rejected' ELSE 'reopened' END AS status) s
    """), params)
    conn.execute(text("""
        INSERT INTO reports (id, tracking_no, channel, description, location_source, contact_phone, extra,
                             intake_status, intake_attempts, candidates, case_id, is_duplicate, created_at, updated_at)
        SELECT c.id, 'RB' || lpad(c.id::text, 10, '0'), c.source_channel, c.description, 'none',
               '138' || lpad((c.id % 100000000)::text, 8, '0'), '{}', 'done', 1, '[]', c.id, false, c.created_at,
               c.created_at
        FROM cases c
    """))
    conn.execute(text("""
        INSERT INTO surveys (case_id, report_id, round, phone, channel, status, send_after, sent_at, answered_at,
                             created_at)
        SELECT c.id, c.id, 1, '138', 'sms', CASE WHEN random() < 0.6 THEN 'answered' ELSE 'expired' END,
               c.closed_at, c.closed_at + interval '1 hour', NULL, c.closed_at
        FROM cases c WHERE c.closed_at IS NOT NULL AND random() < 0.6
    """))
    conn.execute(text("""
        INSERT INTO ratings (case_id, report_id, rating, solved, comment, channel, created_at, updated_at)
        SELECT s.case_id, s.report_id, x.rating, x.rating <> 'unsatisfied' OR random() < 0.3,
               CASE WHEN x.rating = 'unsatisfied' THEN '处理不及时，问题还在' END, 'sms',
               s.sent_at + interval '2 hours', s.sent_at + interval '2 hours'
        FROM surveys s
        CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.7 THEN 'satisfied' WHEN random() < 0.67
                                        THEN 'basically_satisfied' ELSE 'unsatisfied' END AS rating, s.id AS sid) x
        WHERE s.status = 'answered'
    """))
    conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
    conn.execute(text("SELECT setval(pg_get_serial_sequence('reports', 'id'), (SELECT max(id) FROM reports))"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", metavar="DBNAME")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from service_api import create_app
    from service_api.config import Settings
    from service_api.extensions import db
    from service_api.services import stats
    from service_api.services.reference_data import load_departments, load_taxonomy

    name = args.reuse or f"bench_stats_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    if args.reuse:
        args.keep = True
    else:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.admin_url.rsplit("/", 1)[0] + "/" + name
    print(f"database {name}")
    try:
        tmp = Path(tempfile.mkdtemp())
        settings = Settings(database_url=url, photo_storage_dir=tmp, secret_key="bench", celery_broker_url="memory://")
        app = create_app(settings=settings)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            if args.reuse:
                run_queries(db, stats)
                return
            load_taxonomy()
            load_departments()
            from service_api.models import Category, Department

            matters = [c.code for c in db.session.query(Category).filter_by(kind="event")]
            departments = [d.id for d in db.session.query(Department)]
            started = time.perf_counter()
            with db.engine.begin() as conn:
                generate(conn, args.cases, matters, departments)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            counts = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in
                      ("cases", "reports", "surveys", "ratings")}
            print(f"generated {counts} in {time.perf_counter() - started:.1f} s")
            run_queries(db, stats)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_queries(db, stats) -> None:
    timings: list[float] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(db.engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        timings.append(time.perf_counter() - conn.info.pop("t0"))

    periods = {"year 2026": stats.Period(date(2026, 1, 1), date(2026, 12, 31)),
               "quarter 2026Q2": stats.Period(date(2026, 4, 1), date(2026, 6, 30)),
               "month 2026-06": stats.Period(date(2026, 6, 1), date(2026, 6, 30))}
    stats.compute(periods["month 2026-06"], "department")  # warm the cache once, as a running server would be
    worst = 0.0
    slowest_by_kind: dict[str, float] = {}
    print(f"{'period':<14} {'group_by':<11} {'what':<22} {'rows':>5} {'queries':>7} {'slowest query':>13} "
          f"{'total':>8}")
    for period_name, period in periods.items():
        for group_by in stats.GROUP_BY:
            for what, call in (("API (satisfaction)", lambda p=period, g=group_by: stats.satisfaction(p, g)),
                               ("page (all + medians)", lambda p=period, g=group_by: stats.compute(p, g))):
                timings.clear()
                started = time.perf_counter()
                result = call()
                elapsed = time.perf_counter() - started
                rows = len(result["rows"]) if isinstance(result, dict) else len(result.rows)
                slowest = max(timings)
                worst = max(worst, slowest)
                kind = f"{what} over the {period_name.split()[0]}"
                slowest_by_kind[kind] = max(slowest_by_kind.get(kind, 0.0), slowest)
                print(f"{period_name:<14} {group_by:<11} {what:<22} {rows:>5} {len(timings):>7} "
                      f"{slowest * 1000:>10.0f} ms {elapsed * 1000:>5.0f} ms")
        timings.clear()
        started = time.perf_counter()
        stats.unsatisfied_comments(period)
        print(f"{period_name:<14} {'-':<11} {'unsatisfied comments':<22} {'':>5} {len(timings):>7} "
              f"{max(timings) * 1000:>10.0f} ms {(time.perf_counter() - started) * 1000:>5.0f} ms")
        worst = max(worst, max(timings))
    print(f"slowest single stats query: {worst * 1000:.0f} ms (target ≤ 1000 ms)")
    for name, value in sorted(slowest_by_kind.items()):
        print(f"slowest {name}: {value * 1000:.0f} ms")


if __name__ == "__main__":
    main()
