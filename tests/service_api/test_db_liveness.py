"""Pooled PostgreSQL connections that the server closed are replaced at checkout, without a SELECT 1."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from service_api.extensions import db
from tests.conftest import PG_ADMIN_URL


def _pooled_backend_pid() -> int:
    pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.session.remove()  # back to the pool
    return int(pid)


def _terminate(pid: int) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        for _ in range(50):  # the backend is gone once it has left pg_stat_activity
            if not conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).first():
                break
            time.sleep(0.05)
    admin.dispose()


def test_a_report_after_the_server_dropped_the_pooled_connection_is_accepted(app, client):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    assert client.post("/api/v1/reports", json={"description": "路灯不亮了"}).status_code == 201
    pid = _pooled_backend_pid()
    _terminate(pid)  # as a PostgreSQL restart or an idle-session timeout does
    response = client.post("/api/v1/reports", json={"description": "路灯还是不亮"})
    assert response.status_code == 201, response.get_json()
    assert _pooled_backend_pid() != pid


def test_without_the_check_the_dropped_connection_fails_the_next_request(app):
    """The scenario above is real: a pool that does not check hands out the dead connection."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    engine = create_engine(db.engine.url)
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    _terminate(pid)
    with pytest.raises(OperationalError), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
