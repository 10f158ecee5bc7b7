"""A third baseline for bench_api.py (--floor): the framework floor (floor_app.py) plus storing the report.

The least any report endpoint on this stack can do that stores the report before it answers: the floor's
flask-smorest request and response, and one prepared INSERT into the run's `reports` table, autocommitted, on a
raw psycopg connection per thread. No SQLAlchemy, no pool, no hooks, no token, no checks: cheaper than any real
implementation could be, so its rate is an upper bound for POST /api/v1/reports on this stack.
"""

import os
import secrets
import threading
from datetime import UTC, datetime
from typing import Any

import psycopg

from bench.floor_app import build

INSERT = (
    "INSERT INTO reports (tracking_no, channel, description, raw_lat, raw_lng, raw_crs, lat, lng, extra,"
    " intake_status, intake_attempts, candidates, is_duplicate, created_at, updated_at)"
    " VALUES (%s, 'miniprogram', %s, %s, %s, %s, %s, %s, '{}', 'pending', 0, '[]', false, %s, %s) RETURNING id"
)
_local = threading.local()


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return connection


def store(data: dict[str, Any]) -> tuple[int, str]:
    location = data.get("location") or {}
    lat, lng = location.get("lat"), location.get("lng")
    now = datetime.now(UTC)
    tracking_no = f"F{secrets.token_hex(8)}"
    row = _connection().execute(
        INSERT, (tracking_no, data["description"], lat, lng, location.get("crs"), lat, lng, now, now), prepare=True
    ).fetchone()
    return row[0], tracking_no


app = build(store)
