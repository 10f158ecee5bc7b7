"""A cheap liveness check for pooled PostgreSQL connections, instead of a "SELECT 1" at every checkout.

A connection that the server has closed (a restart, an idle-session timeout, pg_terminate_backend) has a
readable socket: the server's farewell message, then end of file. An idle, healthy connection has nothing to
read. Checking that costs a system call, not a round trip; the pool then discards the dead connection and
hands out a fresh one, so the request carries on. (A "SELECT 1" per checkout is a round trip on every request.)
"""

from __future__ import annotations

import select
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError


def install(engine: Engine) -> None:
    event.listen(engine, "checkout", _check_alive)


def _check_alive(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection is closed")
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError) as exc:
        raise DisconnectionError(f"the connection's socket is unusable: {exc}") from exc
    if readable:
        raise DisconnectionError("the server closed the connection")
