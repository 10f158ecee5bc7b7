"""POST /api/v1/reports through gunicorn on PostgreSQL, side by side with a bare Flask hello-world.

Both run under the same gunicorn settings; wrk drives each for the same time and connections.
Usage: .venv/bin/python bench/bench_api.py [--duration 20] [--rounds 3] [--connections 8] [--workers 2] [--threads 4]
       [--inline] [--floor]
Needs wrk (Debian package) and PostgreSQL at 127.0.0.1:5432. Makes and drops its own database.

Besides req/s it prints the CPU time each request cost in gunicorn (master and workers) and in the
PostgreSQL backends serving this run's database: on a machine shared with other jobs the rates move with
the load, the CPU per request much less.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port}")


SERVICE_CONF = "gunicorn.conf.py"
# The same server settings without the service's hooks (which load its models and database pool).
PLAIN_CONF = "bench/plain_apps.gunicorn.conf.py"


def gunicorn(app: str, port: int, workers: int | None, threads: int | None, env: dict[str, str]) -> subprocess.Popen:
    """The production settings (gunicorn.conf.py) for every app; only the port differs."""
    extra = (["--workers", str(workers)] if workers else []) + (["--threads", str(threads)] if threads else [])
    conf = SERVICE_CONF if app == "wsgi:app" else PLAIN_CONF
    return subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-c", conf, *extra, "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app], cwd=ROOT, env=dict(env, WEB_ACCESS_LOG=""),
    )


def wrk(port: int, script: str, path: str, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency", "-s",
         str(ROOT / "bench" / script), f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": latency("50"), "p99": latency("99"), "requests": total,
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(1) if errors else "none"}


def process_cpu(pid: int) -> float | None:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.NoSuchProcess:
        return None
    return times.user + times.system


def web_cpu(master: int) -> float:
    """CPU of gunicorn: the master, its live workers, and the exited (recycled) workers it reaped."""
    times = psutil.Process(master).cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    return total + sum(process_cpu(child.pid) or 0.0 for child in psutil.Process(master).children(recursive=True))


def backend_cpu(admin_url: str, database: str) -> dict[int, float]:
    """CPU so far of each PostgreSQL backend connected to `database` (one per pooled connection of the app)."""
    engine = create_engine(admin_url)
    with engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
                            {"name": database}).scalars().all()
    engine.dispose()
    return {pid: cpu for pid in pids if (cpu := process_cpu(pid)) is not None}


ENDPOINTS = (("hello-world", "bench.hello_app:app", "hello.lua", "/hello"),
             ("POST /api/v1/reports", "wsgi:app", "report.lua", "/api/v1/reports"))
# --floor: the same body and response through flask-smorest and the schemas alone (bench/floor_app.py), and the
# same again storing the report with one raw INSERT (bench/floor_store_app.py): the least work, so the highest rate,
# of any report endpoint that stores the report before it answers
FLOOR = ("framework floor", "bench.floor_app:app", "report.lua", "/api/v1/reports")
FLOOR_STORE = ("floor + INSERT", "bench.floor_store_app:app", "report.lua", "/api/v1/reports")


def measure(proc: subprocess.Popen, port: int, script: str, path: str, database: str,
            duration: int, connections: int) -> dict[str, float]:
    web_before, db_before = web_cpu(proc.pid), backend_cpu(PG_ADMIN, database)
    result = wrk(port, script, path, duration, connections)
    web_after, db_after = web_cpu(proc.pid), backend_cpu(PG_ADMIN, database)
    result["web_ms"] = (web_after - web_before) / result["requests"] * 1000
    # Backends of both servers; the idle one adds nothing. One that closed during the run is not counted.
    result["db_ms"] = sum(cpu - db_before.get(pid, 0.0) for pid, cpu in db_after.items()) / result["requests"] * 1000
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternate the endpoints this many times")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py (one per core)")
    parser.add_argument("--threads", type=int, default=None, help="default: gunicorn.conf.py (4 per worker)")
    parser.add_argument("--inline", action="store_true", help="run intake inside the request (default: worker)")
    parser.add_argument("--floor", action="store_true",
                        help="also run the report's framework layers alone, without the service (bench/floor_app.py), "
                             "and with one raw INSERT (bench/floor_store_app.py)")
    args = parser.parse_args()
    endpoints = ENDPOINTS + ((FLOOR, FLOOR_STORE) if args.floor else ())

    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    env = dict(os.environ, DATABASE_URL=url, RATE_LIMITS_ENABLED="0", SECRET_KEY="bench",
               INTAKE_INLINE="1" if args.inline else "0", PHOTO_STORAGE_DIR=f"/tmp/{name}-photos")
    servers: dict[str, tuple[subprocess.Popen, int]] = {}
    rounds: list[dict[str, dict[str, float]]] = []
    try:
        for command in (["db", "upgrade"], ["taxonomy", "load"]):
            subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT, env=env, check=True,
                           capture_output=True)
        for label, app, script, path in endpoints:  # all up, each warmed (imports, model load, connections)
            port = free_port()
            servers[label] = (gunicorn(app, port, args.workers, args.threads, env), port)
            wait_up(port, path)
            wrk(port, script, path, 3, args.connections)
        # Alternating rounds: on a machine shared with other jobs, both endpoints see the same conditions.
        for _ in range(args.rounds):
            rounds.append({label: measure(*servers[label], script, path, name, args.duration, args.connections)
                           for label, _, script, path in endpoints})
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            # The service's numbers (R…), not floor + INSERT's (F…) in the same table.
            stored = conn.execute(text("SELECT count(*) FROM reports WHERE tracking_no LIKE 'R%'")).scalar_one()
        engine.dispose()
    finally:
        for proc, _ in servers.values():
            proc.send_signal(signal.SIGTERM)
        for proc, _ in servers.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    workers, threads = args.workers or "default", args.threads or "default"
    intake = "inline" if args.inline else "by worker"
    print(f"gunicorn -c gunicorn.conf.py (gthread) workers={workers} threads={threads}, "
          f"wrk -t2 -c{args.connections} -d{args.duration}s, {args.rounds} alternating rounds, intake {intake}, "
          f"{os.cpu_count()} cores")
    print(f"{'round':<7}{'endpoint':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}"
          f"{'CPU ms/req: gunicorn':>22}{'PostgreSQL':>12}")
    ratios = []
    for number, results in enumerate(rounds, 1):
        for label, r in results.items():
            print(f"{number:<7}{label:<24}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['non2xx']:>10}"
                  f"{r['web_ms']:>22.2f}{r['db_ms']:>12.2f}")
        ratios.append(results["POST /api/v1/reports"]["rps"] / results["hello-world"]["rps"])
    # What a request costs, which moves far less with the machine's load than the rates do.
    cost = statistics.median(cost_ratio(results, "POST /api/v1/reports") for results in rounds)
    accepted = sum(results["POST /api/v1/reports"]["requests"] for results in rounds)
    print(f"reports reach {statistics.median(ratios):.0%} of hello-world's req/s, median of the rounds "
          f"({', '.join(f'{r:.0%}' for r in ratios)}); {stored} reports in the database, "
          f"{accepted} completed in the measured runs (the rest in warm-up)")
    print(f"CPU per request (gunicorn + PostgreSQL): a report costs {cost:.1f}× a hello-world request, median of "
          f"the rounds")
    if args.floor:
        for label, what in ((FLOOR[0], "same body and response, flask-smorest and the schemas alone, no database"),
                            (FLOOR_STORE[0], "the floor and one raw psycopg INSERT, autocommitted")):
            floor_cost = statistics.median(cost_ratio(results, label) for results in rounds)
            rates = [results[label]["rps"] / results["hello-world"]["rps"] for results in rounds]
            print(f"{label} ({what}) costs {floor_cost:.1f}× a hello-world request and reaches "
                  f"{median_of(rates, '.0%')} of its req/s")
        # The service's own work: the report against the least that stores a report on this stack.
        own = [cpu(results, "POST /api/v1/reports") / cpu(results, FLOOR_STORE[0]) for results in rounds]
        rates = [results["POST /api/v1/reports"]["rps"] / results[FLOOR_STORE[0]]["rps"] for results in rounds]
        print(f"against {FLOOR_STORE[0]}: a report costs {median_of(own, '.2f')}× its CPU and reaches "
              f"{median_of(rates, '.0%')} of its req/s")
    return 0


def median_of(values: list[float], spec: str) -> str:
    """The median of the rounds, then each round in brackets: "42% (43%, 39%, 42%)"."""
    return f"{statistics.median(values):{spec}} ({', '.join(f'{v:{spec}}' for v in values)})"


def cpu(results: dict[str, dict[str, float]], label: str) -> float:
    """CPU per request of `label` in ms: gunicorn + PostgreSQL."""
    return results[label]["web_ms"] + results[label]["db_ms"]


def cost_ratio(results: dict[str, dict[str, float]], label: str) -> float:
    """CPU per request of `label` (gunicorn + PostgreSQL) over hello-world's."""
    return cpu(results, label) / results["hello-world"]["web_ms"]


if __name__ == "__main__":
    raise SystemExit(main())
