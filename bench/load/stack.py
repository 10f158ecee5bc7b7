"""The whole service on one machine for load, soak and fault runs, on 127.0.0.1 only.

A fresh PostgreSQL database, gunicorn (gunicorn.conf.py: gthread workers) behind TRUSTED_PROXIES=1 so the load
generator can stand in for many client IPs, Celery beat and N Celery workers on Redis, rate limits on Redis, the
fake Twilio server in this process. Everything started here is stopped by its own pid in `stop()`.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from service_api.vocab import UNSENT_STATES  # noqa: E402
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BROKER_DB, LIMITS_DB = 9, 10  # Redis databases of these benchmarks (flushed by them)
SERVICE_KEY = "bench-service-key"


@dataclass
class Stack:
    workers: int = 2  # Celery worker processes
    worker_concurrency: int = 1
    web_workers: int = 3
    web_threads: int = 4
    port: int = 5077
    redis_port: int = 6379  # the fault runner uses a private redis-server so stopping it spares other users
    run_dir: Path = Path(os.environ.get("BENCH_RUN_DIR", "/tmp/bench_load"))
    photo_dir: Path | None = None
    db_name: str = field(default_factory=lambda: f"bench_load_{uuid.uuid4().hex[:8]}")
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    fake: FakeTwilio | None = None
    staff_token: str = ""
    open311_key: str = ""

    @property
    def db_url(self) -> str:
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db_name

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        assert self.fake is not None
        return {
            **os.environ, "DATABASE_URL": self.db_url, "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/{BROKER_DB}",
            "RATE_LIMIT_STORAGE_URI": f"redis://127.0.0.1:{self.redis_port}/{LIMITS_DB}", "TRUSTED_PROXIES": "1",
            "PHOTO_STORAGE_DIR": str(self.photo_dir or self.run_dir / "photos"), "SECRET_KEY": "bench-secret",
            "SERVICE_API_KEY": SERVICE_KEY, "INSTANCE_DIR": str(self.run_dir / "instance"),
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_API_BASE": self.fake.base_url,
            "TWILIO_FROM_NUMBER": "+15005550006", "QUIET_HOURS": "", "OUTBOX_DISPATCH_SECONDS": "1",
            "NOTIFY_HTTP_TIMEOUT": "3", "NOTIFY_BACKOFF_SECONDS": "1", "NOTIFY_MAX_ATTEMPTS": "12",
            "PUBLIC_BASE_URL": self.base_url, "API_PORT": str(self.port), "WEB_CONCURRENCY": str(self.web_workers),
            "WEB_THREADS": str(self.web_threads), "WEB_ACCESS_LOG": "", "PYTHONUNBUFFERED": "1",
            "RASA_URL": os.environ.get("RASA_URL", "http://127.0.0.1:5005"),
        }

    # --- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Stack:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "instance").mkdir(exist_ok=True)
        self.flush_redis()
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.db_name}"'))
        admin.dispose()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake's access log
        self.fake = FakeTwilio().start()
        self._seed()
        self.start_web()
        self.start_beat()
        for i in range(self.workers):
            self.start_worker(i)
        return self

    def _seed(self) -> None:
        env = self.env()
        code = (
            "from flask_migrate import upgrade\n"
            "from service_api import create_app\n"
            "from service_api.auth.tokens import issue_staff_token\n"
            "from service_api.open311.keys import create_key\n"
            "from service_api.reference.loading import load_departments, load_taxonomy\n"
            "from service_api.auth.staff import create_staff_user\n"
            "from service_api.extensions import db\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            f"    upgrade(directory={str(ROOT / 'migrations')!r})\n"
            "    load_taxonomy(); load_departments()\n"
            "    user = create_staff_user('bench-dispatcher', 'bench-pass-2026', 'dispatcher')\n"
            "    _, key = create_key('bench partner', '100000/minute'); db.session.commit()\n"
            "    print(issue_staff_token(user.id, user.password_hash)); print(key)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                             text=True).stdout.strip().splitlines()
        self.staff_token, self.open311_key = out[-2], out[-1]

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.run_dir / f"{name}.log", "ab")
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_web(self, timeout: float = 90) -> None:
        self._spawn("web", [str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base_url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not come up: see {self.run_dir}/web.log")

    def start_worker(self, i: int) -> None:
        self._spawn(f"worker{i}", [str(ROOT / ".venv/bin/celery"), "-A", "notifications.celery_app", "worker",
                                   "--loglevel", "WARNING", "--concurrency", str(self.worker_concurrency),
                                   "-n", f"load{i}-{self.db_name}@%h", "--without-gossip", "--without-mingle"])

    def start_beat(self) -> None:
        self._spawn("beat", [str(ROOT / ".venv/bin/celery"), "-A", "notifications.celery_app", "beat", "--loglevel",
                             "WARNING", "--schedule", str(self.run_dir / f"beat-{self.db_name}")])

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal a whole process group (a Celery worker with its pool children, gunicorn with its workers)."""
        proc = self.procs[name]
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait()

    def stop(self, drop: bool = True) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self.fake is not None:
            self.fake.stop()
        if drop:
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
            admin.dispose()
            shutil.rmtree(self.run_dir / "photos", ignore_errors=True)
        self.flush_redis()

    def flush_redis(self) -> None:
        import redis

        for db in (BROKER_DB, LIMITS_DB):
            try:
                redis.Redis(host="127.0.0.1", port=self.redis_port, db=db, socket_connect_timeout=2).flushdb()
            except redis.RedisError:
                pass

    # --- inspection ----------------------------------------------------------------------------------
    def sql(self, query: str, **params: Any) -> list[Any]:
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(query), params))
        finally:
            engine.dispose()

    def queue_lengths(self) -> dict[str, int]:
        """Outbox rows not yet sent: due or in flight, and deferred (later `send_after`, e.g. quiet hours); the
        Celery queue in Redis. A deferred row is not delivered: delivery checks count it as left."""
        import redis

        unsent = self.sql("SELECT count(*), count(*) FILTER (WHERE status = :waiting AND send_after > now()) "
                          "FROM notifications WHERE status = ANY(:unsent)", waiting=UNSENT_STATES[0],
                          unsent=list(UNSENT_STATES))[0]
        try:
            celery_len = int(redis.Redis(host="127.0.0.1", port=self.redis_port, db=BROKER_DB,
                                         socket_connect_timeout=2).llen("notifications"))
        except redis.RedisError:
            celery_len = -1
        total, deferred = int(unsent[0]), int(unsent[1])
        return {"outbox_pending": total - deferred, "outbox_deferred": deferred, "celery_queue": celery_len}

    def pids(self) -> dict[str, list[int]]:
        """Every process of the stack, by role, children included (gunicorn workers, Celery pool)."""
        import psutil

        result: dict[str, list[int]] = {}
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                continue
            try:
                parent = psutil.Process(proc.pid)
                result[name] = [parent.pid] + [c.pid for c in parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return result
