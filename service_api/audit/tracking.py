"""Entries for changes to audited tables, whoever makes them (console, API, CLI): a Session before_flush hook.

A mapped class is audited when it names its object type in `__audit_type__` (later tables opt in that way);
the tables that existed before the audit trail are named in AUDITED below. Secrets are noted as changed, never
written into the log; bookkeeping columns (last use, failed sign-in counters) make no entry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from service_api.audit.actions import AuditAction
from service_api.audit.record import drop_pending, record, write_pending
from service_api.models import ApiKey, Case, CaseEvent, Department, StaffUser

# class → (object type, attribute naming the object)
AUDITED: dict[type, tuple[str, str]] = {
    StaffUser: ("staff_user", "username"),
    Department: ("department", "code"),
    ApiKey: ("open311_key", "prefix"),
}
SECRET_COLUMNS = {"password_hash", "key_hash", "totp_secret"}
BOOKKEEPING_COLUMNS = {"failed_logins", "locked_until", "last_used_at", "updated_at", "created_at"}


def _audit_type(obj: object) -> tuple[str, str] | None:
    return _audit_type_of(type(obj))


def _audit_type_of(cls: type) -> tuple[str, str] | None:
    if cls in AUDITED:
        return AUDITED[cls]
    name = getattr(cls, "__audit_type__", None)
    if name:
        return name, getattr(cls, "__audit_key__", "id")
    return None


def _shown(column: str, value: Any) -> Any:
    if column in SECRET_COLUMNS:
        return "（已更改）"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # geometries and other column types: as text, the log is JSON


def _stored(session: Session, obj: object, attr: Any) -> Any:
    """The value in the table of an attribute set on an expired object (its history does not know it)."""
    mapper = inspect(obj).mapper
    key = mapper.primary_key_from_instance(obj)
    where = [column == value for column, value in zip(mapper.primary_key, key, strict=True)]
    return session.execute(select(attr.columns[0]).where(*where)).scalar_one_or_none()


def _changes(obj: object, session: Session | None = None) -> dict[str, Any]:
    state = inspect(obj)
    changed: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in BOOKKEEPING_COLUMNS:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes() and history.deleted != history.added:
            if history.deleted:
                before = history.deleted[0]
            elif session is not None and state.persistent:
                before = _stored(session, obj, attr)
            else:
                before = None
            after = history.added[0] if history.added else None
            if before != after:
                changed[attr.key] = [_shown(attr.key, before), _shown(attr.key, after)]
    return changed


def _case_change(session: Session, case_event: CaseEvent) -> None:
    case = case_event.case if "case" in inspect(case_event).dict else None
    if case is None and case_event.case_id is not None:
        case = session.get(Case, case_event.case_id)
    note = case_event.note
    record(AuditAction.CASE_CHANGE, object_type="case", object_id=case.case_no if case else case_event.case_id,
           reason=note[:500] if note else None, session=session,
           detail={"event": case_event.action, "from": case_event.from_status, "to": case_event.to_status,
                   "report_id": case_event.report_id})


def before_flush(session: Session, _context: Any, _instances: Any) -> None:
    with session.no_autoflush:
        for obj in list(session.new):
            if isinstance(obj, CaseEvent):
                _case_change(session, obj)
            elif (named := _audit_type(obj)) is not None:
                record(AuditAction.RECORD_CREATED, object_type=named[0], object_id=getattr(obj, named[1], None),
                       detail={"values": {k: v[1] for k, v in _changes(obj).items() if v[1] is not None}},
                       session=session)
        for obj in list(session.dirty):
            if (named := _audit_type(obj)) is not None and session.is_modified(obj):
                changed = _changes(obj, session)
                if changed:
                    record(AuditAction.RECORD_CHANGED, object_type=named[0],
                           object_id=getattr(obj, named[1], None), detail={"changed": changed}, session=session)
        for obj in list(session.deleted):
            if (named := _audit_type(obj)) is not None:
                record(AuditAction.RECORD_DELETED, object_type=named[0], object_id=getattr(obj, named[1], None),
                       session=session)


def _bulk_columns(statement: Any) -> set[str]:
    """The columns a bulk UPDATE sets (empty when they cannot be told: then it is audited)."""
    values = getattr(statement, "_values", None) or {}
    return {getattr(key, "key", None) or str(key) for key in values}


def bulk_statement(state: ORMExecuteState) -> Any:
    """An ORM bulk UPDATE or DELETE of an audited class (`session.query(Component).filter(…).delete()`,
    `session.execute(update(StaffUser)…)`) skips before_flush: one entry for the statement, with its condition
    and how many rows it touched."""
    if not (state.is_update or state.is_delete):
        return None
    named = next((n for m in state.all_mappers if (n := _audit_type_of(m.class_)) is not None), None)
    if named is None:
        return None
    columns = _bulk_columns(state.statement) if state.is_update else set()
    if columns and columns <= BOOKKEEPING_COLUMNS:
        return None
    result = state.invoke_statement()
    where = state.statement.whereclause
    detail: dict[str, Any] = {"bulk": True, "rows": result.rowcount,
                              "where": str(where) if where is not None else None}
    if columns:
        detail["columns"] = sorted(columns - SECRET_COLUMNS) + sorted(columns & SECRET_COLUMNS)
    record(AuditAction.RECORD_CHANGED if state.is_update else AuditAction.RECORD_DELETED, object_type=named[0],
           detail=detail, session=state.session)
    return result


def install(session_target: Any) -> None:
    """Hook the audit trail into `session_target` (the app's scoped session), once."""
    if not event.contains(session_target, "before_flush", before_flush):
        event.listen(session_target, "before_flush", before_flush)
        event.listen(session_target, "do_orm_execute", bulk_statement)
        event.listen(session_target, "before_commit", write_pending)
        event.listen(session_target, "after_rollback", drop_pending)
