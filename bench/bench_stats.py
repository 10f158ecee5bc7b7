"""Stats over a million cases on PostgreSQL: every stats request (API and page) must take ≤ 1 s.

Creates a throwaway database on the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432),
migrates it, fills it with generate_series (1,000,000 cases over the two years up to now, one report each,
surveys and ratings for closed cases: about two minutes), builds the per-day rollup and durations (timed),
checks that the rollup's figures, medians included, equal the direct queries'. Then it times the JSON API's call
(stats.satisfaction) and the whole page's (stats.page_figures: table with medians, week trend, department bars,
worst matters, comments) for every group_by over the last year, quarter and month, every SQL statement included.
Last, three rounds of a busy minute of changes: the beat's refresh, then the reads after it (and once with no
beat in between), and the figures checked again.

    python bench/bench_stats.py [--cases 1000000] [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                [--keep]          (keep the database to look at plans; its name is printed)
                                [--reuse DBNAME]  (time again on a database kept earlier, no generation)
                                [--rebuild]       (with --reuse: rebuild the rollup) [--repeat N] [--no-verify]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, event, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHANNELS = ["miniprogram", "hotline", "chatbot", "sms", "voice", "open311"]
STREETS = [f"370202{n:03d}" for n in range(1, 12)]


def generate(conn, cases: int, matters: list[str], departments: list[int]) -> None:
    """Synthetic cases created over the two years up to now, with a realistic status mix and timings.

    Each case is planned to a final status; steps whose time would lie in the future have not happened yet (the
    status is the last step reached), so no timestamp is later than now, as in a real database.
    """
    params = {"n": cases, "matters": matters, "depts": departments, "channels": CHANNELS, "streets": STREETS}
    conn.execute(text("""
        INSERT INTO cases (id, case_no, status, matter_code, matter_confidence, triage, department_id, priority,
                           time_limit_amount, time_limit_unit, deadline, description, district_code, street_code,
                           community_code, grid_code, source_channel, report_count, needs_review, reopen_count,
                           extra, created_at, updated_at, registered_at, dispatched_at, resolved_at, verified_at,
                           closed_at)
        SELECT g, 'C370202-B-' || lpad(g::text, 8, '0'), e.status,
               (CAST(:matters AS text[]))[1 + floor(r1 * cardinality(CAST(:matters AS text[])))::int], 0.8,
               e.status = 'received',
               CASE WHEN e.status = 'received' THEN NULL
                    ELSE (CAST(:depts AS int[]))[1 + floor(r2 * cardinality(CAST(:depts AS int[])))::int] END,
               'normal', 24, 'working_hours',
               CASE WHEN e.disp IS NOT NULL THEN t.created + interval '2 hours' + interval '1 hour' * (24 + r3 * 72)
               END,
               '合成数据', '370202', (CAST(:streets AS text[]))[1 + floor(r4 * 11)::int],
               (CAST(:streets AS text[]))[1 + floor(r4 * 11)::int] || lpad((1 + g % 5)::text, 3, '0'),
               (CAST(:streets AS text[]))[1 + floor(r4 * 11)::int] || lpad((1 + g % 5)::text, 3, '0') || '001',
               (CAST(:channels AS text[]))[1 + floor(r5 * 6)::int], 1 + (r6 < 0.15)::int + (r6 < 0.04)::int, false,
               0, '{}',
               t.created, GREATEST(t.created, e.reg, e.disp, e.res, e.ver, e.clo),
               e.reg, e.disp, e.res, e.ver, e.clo
        FROM generate_series(1, :n) AS g
        CROSS JOIN LATERAL (SELECT random() AS r0, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                                   random() AS r5, random() AS r6, g AS gg) r
        CROSS JOIN LATERAL (SELECT now() - interval '1 second' * (r0 * 63072000) AS created) t
        CROSS JOIN LATERAL (SELECT CASE WHEN r6 < 0.70 THEN 'closed' WHEN r6 < 0.75 THEN 'verified'
                                        WHEN r6 < 0.80 THEN 'resolved' WHEN r6 < 0.88 THEN 'dispatched'
                                        WHEN r6 < 0.92 THEN 'registered' WHEN r6 < 0.95 THEN 'received'
                                        WHEN r6 < 0.98 THEN 'rejected' ELSE 'reopened' END AS status) s
        CROSS JOIN LATERAL (SELECT
               CASE WHEN s.status NOT IN ('received', 'rejected') THEN t.created + interval '1 minute' * (r2 * 240)
               END AS reg,
               CASE WHEN s.status NOT IN ('received', 'registered', 'rejected')
                    THEN t.created + interval '1 minute' * (240 + r3 * 240) END AS disp,
               CASE WHEN s.status IN ('resolved', 'verified', 'closed')
                    THEN t.created + interval '1 hour' * (8 + r1 * 110) END AS res,
               CASE WHEN s.status IN ('verified', 'closed') THEN t.created + interval '1 hour' * (120 + r2 * 24)
               END AS ver,
               CASE WHEN s.status = 'closed' THEN t.created + interval '1 hour' * (150 + r3 * 48) END AS clo) p
        CROSS JOIN LATERAL (SELECT
               CASE WHEN p.reg <= now() THEN p.reg END AS reg, CASE WHEN p.disp <= now() THEN p.disp END AS disp,
               CASE WHEN p.res <= now() THEN p.res END AS res, CASE WHEN p.ver <= now() THEN p.ver END AS ver,
               CASE WHEN p.clo <= now() THEN p.clo END AS clo,
               CASE WHEN s.status IN ('received', 'rejected') THEN s.status
                    WHEN p.clo <= now() OR s.status = 'reopened' AND p.disp <= now() THEN s.status
                    WHEN p.ver <= now() THEN 'verified' WHEN p.res <= now() THEN 'resolved'
                    WHEN p.disp <= now() THEN 'dispatched' WHEN p.reg <= now() THEN 'registered'
                    ELSE 'received' END AS status) e
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
                             created_at, updated_at)
        SELECT c.id, c.id, 1, '138', 'sms', CASE WHEN random() < 0.6 THEN 'answered' ELSE 'expired' END,
               c.closed_at, c.closed_at + interval '1 hour', NULL, c.closed_at, c.closed_at + interval '1 hour'
        FROM cases c WHERE c.closed_at < now() - interval '3 hours' AND random() < 0.6
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


def a_minute_of_changes(conn, matters: list[str], departments: list[int], seed: int) -> dict[str, int]:
    """What a busy minute writes, as the ORM would (updated_at = the time of the write): 150 changes on cases of
    random past days (100 transitions, 30 new ratings, 10 ratings changed, 10 surveys answered) and 100 new
    cases today. All in one transaction just before the beat's refresh, so the read right after the beat finds
    all of them again inside the look-back margin (the worst case: spread over a real minute, it would find the
    last few seconds' worth)."""
    conn.execute(text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000})
    done: dict[str, int] = {}
    done["transitions"] = conn.execute(text("""
        WITH picked AS (
            SELECT id FROM cases WHERE status IN ('registered', 'dispatched', 'resolved', 'verified')
            ORDER BY random() LIMIT 100)
        UPDATE cases c SET
            status = CASE c.status WHEN 'registered' THEN 'dispatched' WHEN 'dispatched' THEN 'resolved'
                                   WHEN 'resolved' THEN 'verified' ELSE 'closed' END,
            dispatched_at = CASE WHEN c.status = 'registered' THEN now() ELSE c.dispatched_at END,
            deadline = CASE WHEN c.status = 'registered' THEN now() + interval '24 hours' ELSE c.deadline END,
            resolved_at = CASE WHEN c.status = 'dispatched' THEN now() ELSE c.resolved_at END,
            verified_at = CASE WHEN c.status = 'resolved' THEN now() ELSE c.verified_at END,
            closed_at = CASE WHEN c.status = 'verified' THEN now() ELSE c.closed_at END,
            updated_at = now()
        FROM picked WHERE c.id = picked.id
    """)).rowcount
    done["new ratings"] = conn.execute(text("""
        INSERT INTO ratings (case_id, report_id, rating, solved, comment, channel, created_at, updated_at)
        SELECT c.id, c.id, (ARRAY['satisfied', 'basically_satisfied', 'unsatisfied'])[1 + floor(random() * 3)::int],
               random() < 0.8, NULL, 'sms', now(), now()
        FROM cases c WHERE c.status = 'closed' AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.case_id = c.id)
        ORDER BY random() LIMIT 30
    """)).rowcount
    done["ratings changed"] = conn.execute(text("""
        UPDATE ratings SET rating = 'unsatisfied', solved = false,
                           updated_at = now()
        WHERE id IN (SELECT id FROM ratings ORDER BY random() LIMIT 10)
    """)).rowcount
    done["surveys answered"] = conn.execute(text("""
        UPDATE surveys SET status = 'answered', answered_at = now(),
                           updated_at = now()
        WHERE id IN (SELECT id FROM surveys WHERE status <> 'answered' ORDER BY random() LIMIT 10)
    """)).rowcount
    done["new cases"] = conn.execute(text("""
        INSERT INTO cases (case_no, status, matter_code, triage, department_id, priority, description, district_code,
                           street_code, community_code, source_channel, report_count, needs_review, reopen_count,
                           extra, created_at, updated_at, registered_at)
        SELECT 'C370202-M' || :tag || '-' || lpad(g::text, 5, '0'), 'registered',
               (CAST(:matters AS text[]))[1 + floor(random() * cardinality(CAST(:matters AS text[])))::int], false,
               (CAST(:depts AS int[]))[1 + floor(random() * cardinality(CAST(:depts AS int[])))::int], 'normal',
               '新案件', '370202', '370202001', '370202001002', 'miniprogram', 1, false, 0, '{}', t.at, t.at, t.at
        FROM generate_series(1, 100) AS g
        CROSS JOIN LATERAL (SELECT now() AS at, g AS gg) t
    """), {"matters": matters, "depts": departments, "tag": f"{int(time.time()) % 1000000}{seed}"}).rowcount
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", metavar="DBNAME")
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: rebuild the rollup from scratch")
    parser.add_argument("--repeat", type=int, default=2, help="calls per figure (best and worst are printed)")
    parser.add_argument("--no-verify", action="store_true", help="skip comparing the rollup with direct queries")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from service_api import create_app
    from service_api.config import Settings
    from service_api.extensions import db
    from service_api.reference.loading import load_departments, load_taxonomy

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
            from service_api.models import Category, Department

            if not args.reuse:
                load_taxonomy()
                load_departments()
            matters = [c.code for c in db.session.query(Category).filter_by(kind="event")]
            departments = [d.id for d in db.session.query(Department)]
            db.session.commit()
            if not args.reuse:
                started = time.perf_counter()
                with db.engine.begin() as conn:
                    generate(conn, args.cases, matters, departments)
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))
                counts = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in
                          ("cases", "reports", "surveys", "ratings")}
                db.session.commit()
                print(f"generated {counts} in {time.perf_counter() - started:.1f} s")
            run(db, args, matters, departments)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Statements:
    """Times every SQL statement of the engine while `active`."""

    def __init__(self, engine) -> None:
        self.items: list[tuple[str, float]] = []

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["t0"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):
            self.items.append((" ".join(statement.split()), time.perf_counter() - conn.info.pop("t0")))

    def clear(self) -> None:
        self.items.clear()

    @property
    def slowest(self) -> float:
        return max((t for _, t in self.items), default=0.0)


def timed(db, statements: Statements, call) -> tuple[float, float, int, list[tuple[str, float]], object]:
    statements.clear()
    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    db.session.commit()  # end the request's transaction, as Flask does
    return elapsed, statements.slowest, len(statements.items), list(statements.items), result


def run(db, args, matters: list[str], departments: list[int]) -> None:
    from service_api.models import StatsRollupState
    from service_api.stats import figures as stats
    from service_api.stats import rollup as stats_rollup
    from service_api.stats.indicators import BASES

    statements = Statements(db.engine)
    state = db.session.get(StatsRollupState, 1)
    if args.rebuild or state is None or state.watermark is None:
        result = stats_rollup.refresh(full=True)
        print(f"initial rollup build: {result.cases} cases in {result.seconds:.1f} s")
    db.session.commit()
    today = datetime.now(stats.SHANGHAI).date()
    periods = {"year": stats.Period(today - timedelta(days=364), today),
               "quarter": stats.Period(today - timedelta(days=90), today),
               "month": stats.Period(today - timedelta(days=29), today)}
    if not args.no_verify:
        verify(db, stats, periods["year"])
    stats.compute(periods["month"], "department")  # warm caches once, as a running server would be
    db.session.commit()

    print(f"\n{'period':<8} {'group_by':<11} {'call':<14} {'rows':>5} {'stmts':>5} {'slowest stmt':>13} "
          f"{'total best':>10} {'worst':>7}")
    worst_by_kind: dict[tuple[str, str], float] = {}
    detail: list[tuple[str, float]] = []
    for period_name, period in periods.items():
        for group_by in stats.GROUP_BY:
            calls = [(f"API {basis}", lambda p=period, g=group_by, b=basis: stats.satisfaction(p, g, b))
                     for basis in BASES]
            calls += [(f"page {basis}", partial(stats.page_figures, period, group_by, basis)) for basis in BASES]
            for what, call in calls:
                runs = [timed(db, statements, call) for _ in range(args.repeat)]
                totals = sorted(r[0] for r in runs)
                slowest = max(r[1] for r in runs)
                result = runs[0][4]
                rows = len(result["rows"]) if isinstance(result, dict) else len(result.result.rows)
                key = (period_name, what)
                worst_by_kind[key] = max(worst_by_kind.get(key, 0.0), totals[-1])
                if period_name == "year" and group_by == "matter" and what == "page created":
                    detail = runs[-1][3]
                print(f"{period_name:<8} {group_by:<11} {what:<14} {rows:>5} {runs[0][2]:>5} "
                      f"{slowest * 1000:>10.0f} ms {totals[0] * 1000:>7.0f} ms {totals[-1] * 1000:>4.0f} ms")
    print("\nstatements of one page view (year, group_by=matter):")
    for statement, seconds in detail:
        print(f"  {seconds * 1000:>6.1f} ms  {statement[:100]}")
    print()
    for (period_name, what), value in worst_by_kind.items():
        print(f"worst {what} call over the {period_name}: {value * 1000:.0f} ms")

    # A minute of changes, then the beat's refresh, then reads (which refresh again: the margin window).
    print()
    for round_no in (1, 2, 3):
        with db.engine.begin() as conn:
            done = a_minute_of_changes(conn, matters, departments, seed=round_no)
        if round_no < 3:
            elapsed, _, _, items, result = timed(db, statements, stats_rollup.refresh)
            print(f"minute of changes {round_no} {done}: beat refresh {result.cases} cases in {elapsed * 1000:.0f} ms "
                  f"({len(items)} statements, slowest {max(t for _, t in items) * 1000:.0f} ms)")
            label = "after the beat"
        else:
            print(f"minute of changes {round_no} {done}: no beat refresh in between")
            label = "no beat before"
        for what, call in (("API", lambda: stats.satisfaction(periods["year"], "department")),
                           ("page", lambda: stats.page_figures(periods["year"], "department"))):
            elapsed, slowest, count, items, result = timed(db, statements, call)
            refresh_ms = sum(t for s, t in items if is_refresh(s))
            print(f"  year {what} ({label}): {elapsed * 1000:.0f} ms, {count} statements, slowest "
                  f"{slowest * 1000:.0f} ms, of which the refresh {refresh_ms * 1000:.0f} ms")
    if not args.no_verify:
        verify(db, stats, periods["year"])


def is_refresh(statement: str) -> bool:
    """Statements of stats_rollup.refresh (lock, state, changed cases, facts, upserts)."""
    return any(word in statement for word in ("stats_case_facts", "stats_rollup_state", "pg_advisory",
                                              "pg_stat_activity", "updated_at >=", "INSERT INTO stats_rollup",
                                              "INTO stats_durations", "FROM stats_durations WHERE (stats_durations"))


def verify(db, stats, period) -> None:
    """The rollup's figures, medians included, equal the direct queries' (every column, every group_by)."""
    started = time.perf_counter()
    now = datetime.now(stats.SHANGHAI)
    for basis in ("created", "closed"):
        for group_by in stats.GROUP_BY:
            slow = stats.compute_direct(period, group_by, now=now, basis=basis)
            fast = stats.compute(period, group_by, now=now, basis=basis)
            a, b = ([r.to_dict() for r in [*result.rows, result.total]] for result in (fast, slow))
            if a != b:
                diff = (next((x, y) for x, y in zip(a, b, strict=False) if x != y) if len(a) == len(b)
                        else (len(a), len(b)))
                raise SystemExit(f"rollup differs from direct queries for {group_by} ({basis}): {diff}")
            db.session.commit()
    print(f"rollup == direct queries over the year, both bases ({', '.join(stats.GROUP_BY)}; every column, "
          f"medians included): identical ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
