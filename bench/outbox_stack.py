"""A disposable outbox stack for benchmarks and fault scripts: a fresh PostgreSQL database, the fake Twilio
server (in this process), Celery beat and N Celery worker processes on Redis. Everything started here is
stopped by pid/process group in `stop()`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
LOG_DIR = Path(os.environ.get("BENCH_LOG_DIR", "/tmp/bench_outbox"))


@dataclass
class Stack:
    broker_url: str = "redis://127.0.0.1:6379/13"
    workers: int = 2
    concurrency: int = 2
    dispatch_seconds: float = 1.0
    http_timeout: float = 5.0
    db_name: str = field(default_factory=lambda: f"bench_outbox_{uuid.uuid4().hex[:8]}")
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    fake: FakeTwilio | None = None
    app: Any = None

    @property
    def db_url(self) -> str:
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db_name

    def env(self) -> dict[str, str]:
        assert self.fake is not None
        return {
            **os.environ, "DATABASE_URL": self.db_url, "CELERY_BROKER_URL": self.broker_url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_API_BASE": self.fake.base_url,
            "TWILIO_FROM_NUMBER": "+15005550006", "QUIET_HOURS": "off", "OUTBOX_DISPATCH_SECONDS": str(
                self.dispatch_seconds), "NOTIFY_HTTP_TIMEOUT": str(self.http_timeout), "NOTIFY_BACKOFF_SECONDS": "1",
            "NOTIFY_MAX_ATTEMPTS": "8", "SECRET_KEY": "bench", "INTAKE_INLINE": "0", "PYTHONUNBUFFERED": "1",
        }

    # --- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Stack:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.db_name}"'))
        admin.dispose()
        self.fake = FakeTwilio().start()
        from flask_migrate import upgrade

        from service_api import create_app
        from service_api.config import Settings

        settings = Settings(database_url=self.db_url, secret_key="bench", quiet_hours="off")
        self.app = create_app(settings=settings)
        with self.app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        self.purge_broker()
        self.start_beat()
        for i in range(self.workers):
            self.start_worker(i)
        self.wait_workers_ready()
        return self

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(LOG_DIR / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def start_worker(self, i: int) -> None:
        self._spawn(f"worker{i}", [str(ROOT / ".venv/bin/celery"), "-A", "notifications.celery_app", "worker",
                                   "--loglevel", "WARNING", "--concurrency", str(self.concurrency), "--pool", "prefork",
                                   "-n", f"bench{i}-{self.db_name}@%h", "--without-gossip", "--without-mingle"])

    def start_beat(self) -> None:
        self._spawn("beat", [str(ROOT / ".venv/bin/celery"), "-A", "notifications.celery_app", "beat", "--loglevel",
                             "WARNING", "--schedule", str(LOG_DIR / f"beat-{self.db_name}")])

    def wait_workers_ready(self, timeout: float = 60) -> None:
        """Wait until a probe row goes out (workers and beat are up)."""
        probe = self.insert(1, prefix="+1999")[0]
        if not self.wait_sent([probe], timeout):
            raise RuntimeError(f"workers did not send a probe within {timeout}s: see {LOG_DIR}/*.log")
        assert self.fake is not None
        self.fake.reset()

    def kill(self, name: str) -> None:
        """SIGKILL a whole worker (main process and its pool children)."""
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.fake is not None:
            self.fake.stop()
        if self.app is not None:
            from service_api.extensions import db

            with self.app.app_context():
                db.engine.dispose()
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        admin.dispose()
        self.purge_broker()

    def purge_broker(self) -> None:
        import redis

        client = redis.Redis.from_url(self.broker_url)
        for key in client.scan_iter("*"):
            name = key.decode()
            if name in ("notifications", "unacked", "unacked_index", "unacked_mutex") or name.startswith(
                    ("_kombu.binding.notifications", "_kombu.binding.celery")):
                client.delete(key)

    # --- load and measurement ------------------------------------------------------------------------
    def insert(self, n: int, prefix: str = "+1555") -> list[str]:
        """Commit n SMS rows (one per distinct recipient) in one transaction; return the recipients."""
        from service_api.extensions import db
        from service_api.models import Notification

        now = datetime.now(UTC)
        tag = uuid.uuid4().hex[:4]
        recipients = [f"{prefix}{tag}{i:06d}" for i in range(n)]
        with self.app.app_context():
            db.session.execute(insert(Notification), [
                {"kind": "closed", "channel": "sms", "recipient": r, "body": f"【城市管理】案件已办结，感谢反映。{r}",
                 "payload": {}, "urgent": False, "status": "pending", "send_after": now, "attempts": 0,
                 "created_at": now, "updated_at": now, "uncertain": False} for r in recipients])
            db.session.commit()
        return recipients

    def wait_sent(self, recipients: list[str], timeout: float) -> bool:
        assert self.fake is not None
        wanted = set(recipients)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.fake.lock:
                got = {m["to"] for m in self.fake.messages if m["to"] in wanted}
            if got == wanted:
                return True
            time.sleep(0.2)
        return False

    def outcome(self, recipients: list[str]) -> dict[str, Any]:
        """Per batch: how many were sent once, not at all, or more than once, and the end-to-end delays."""
        from service_api.extensions import db
        from service_api.models import Notification

        assert self.fake is not None
        with self.fake.lock:
            messages = [m for m in self.fake.messages if m["to"] in set(recipients)]
        counts: dict[str, int] = {}
        first: dict[str, float] = {}
        for m in messages:
            counts[m["to"]] = counts.get(m["to"], 0) + 1
            first.setdefault(m["to"], m["received_at"])
        with self.app.app_context():
            rows = db.session.query(Notification.recipient, Notification.created_at, Notification.status).filter(
                Notification.recipient.in_(recipients)).all()
            db.session.remove()
        created = {r.recipient: r.created_at.timestamp() for r in rows}
        delays = sorted(first[r] - created[r] for r in first if r in created)
        return {
            "rows": len(recipients),
            "sent_once": sum(1 for r in recipients if counts.get(r) == 1),
            "lost": sum(1 for r in recipients if r not in counts),
            "duplicates": sum(c - 1 for c in counts.values() if c > 1),
            "states": _count(r.status for r in rows),
            "delays": delays,
            "last_received": max(first.values()) if first else None,
            "twilio_posts": sum(1 for m, _ in self.fake.requests if m == "POST"),
        }


def _count(values: Any) -> dict[str, int]:
    result: dict[str, int] = {}
    for v in values:
        result[v] = result.get(v, 0) + 1
    return result


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return sorted(values)[index]
