"""Appending entries: `record` adds one to the current transaction, chained under the head row's lock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from service_api.audit.actions import AuditAction
from service_api.audit.chain import GENESIS, entry_hash
from service_api.audit.models import HEAD_ID, AuditEntry, AuditHead
from service_api.extensions import db
from service_api.models import StaffUser, utcnow
from service_api.privacy import mask_text

STAFF, RESIDENT, SYSTEM = "staff", "resident", "system"


@dataclass(frozen=True)
class Actor:
    type: str
    id: int | None = None
    name: str | None = None
    role: str | None = None

    @classmethod
    def of_staff(cls, user: StaffUser) -> Actor:
        return cls(STAFF, user.id, user.username, user.role)


def current_actor() -> Actor:
    """Who is acting in this request: the signed-in staff user (console or bearer token), a resident, or the
    system (CLI, workers, anonymous requests)."""
    if not has_request_context():
        return Actor(SYSTEM, name="cli")
    staff = g.get("staff")
    if staff is None:
        cached = g.get("principal")
        principal = cached[1] if cached else None
        if principal is not None and principal.staff is not None:
            staff = principal.staff
        elif principal is not None and principal.citizen_id is not None:
            return Actor(RESIDENT, principal.citizen_id)
    if staff is not None:
        return Actor.of_staff(staff)
    return Actor(SYSTEM, name="request")


def client_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def _insert_head(session: Session) -> None:
    """Start a new chain in a database emptied by hand (tests truncate every table); a no-op if one exists."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(AuditHead).values(id=HEAD_ID, seq=0, hash=GENESIS).on_conflict_do_nothing())


def _lock_head(session: Session) -> AuditHead:
    """The head row, locked for this transaction.

    A write comes first: on PostgreSQL it takes the row lock, on SQLite the database's write lock, so the read
    after it sees the last committed entry and nobody else can append until this transaction ends.
    """
    held = session.identity_map.get(identity_key(AuditHead, HEAD_ID))
    if held is not None and inspect(held).modified:
        return held  # appended already in this transaction: locked, and newer in memory than in the table
    lock = update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq)
    if session.execute(lock, execution_options={"synchronize_session": False}).rowcount == 0:
        _insert_head(session)
        session.execute(lock, execution_options={"synchronize_session": False})
    return session.execute(select(AuditHead).where(AuditHead.id == HEAD_ID)
                           .execution_options(populate_existing=True)).scalar_one()


PENDING = "audit_pending"


def record(action: AuditAction | str, *, object_type: str | None = None, object_id: Any = None,
           reason: str | None = None, detail: dict[str, Any] | None = None, actor: Actor | None = None,
           session: Session | None = None) -> AuditEntry:
    """Add an entry to the caller's transaction: it is chained and written when that transaction commits, and
    is gone if it rolls back. Phone and ID numbers in the reason (a staff note) are masked: an entry cannot be
    scrubbed later without breaking the chain, so no resident's number goes into it.

    Chaining at commit keeps the head row's lock as short as it can be, and taken last, so an audited
    transaction never waits for the head while holding rows another appender needs.
    """
    session = session or db.session
    actor = actor or current_actor()
    entry = AuditEntry(actor_type=actor.type, actor_id=actor.id, actor_name=actor.name, actor_role=actor.role,
                       address=client_address(), action=str(action), object_type=object_type,
                       object_id=None if object_id is None else str(object_id)[:64],
                       reason=mask_text(reason) or None, detail=detail or {})
    session.info.setdefault(PENDING, []).append(entry)
    return entry


def write_pending(session: Session) -> None:
    """Chain and add the transaction's entries (Session before_commit)."""
    session.flush()  # changes not flushed yet add their entries now (tracking's before_flush)
    pending: list[AuditEntry] = session.info.pop(PENDING, [])
    if not pending:
        return
    with session.no_autoflush:
        head = _lock_head(session)
        for entry in pending:
            entry.seq, entry.at, entry.prev_hash = head.seq + 1, utcnow(), head.hash
            entry.hash = entry_hash(head.hash, entry)
            head.seq, head.hash = entry.seq, entry.hash
            session.add(entry)


def drop_pending(session: Session, *_: Any) -> None:
    """The transaction rolled back: its entries go with it."""
    session.info.pop(PENDING, None)
