"""Reading the audit trail: filters shared by the API, the CSV export and the staff page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from service_api.audit.actions import ACTION_TEXT
from service_api.audit.models import AuditEntry
from service_api.privacy import spreadsheet_cell

SHANGHAI = ZoneInfo("Asia/Shanghai")
FILTERS = ("actor", "action", "object_type", "object_id", "date_from", "date_to")
CSV_COLUMNS = ("序号", "时间", "操作人", "角色", "地址", "操作", "对象类型", "对象", "原因", "详情", "哈希")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, SHANGHAI)


def filtered(args: dict[str, Any]) -> Select[tuple[AuditEntry]]:
    """Entries matching the filters (Shanghai calendar days), newest first."""
    query = select(AuditEntry)
    if args.get("actor"):
        query = query.where(AuditEntry.actor_name == args["actor"])
    if args.get("action"):
        query = query.where(AuditEntry.action == args["action"])
    if args.get("object_type"):
        query = query.where(AuditEntry.object_type == args["object_type"])
    if args.get("object_id"):
        query = query.where(AuditEntry.object_id == args["object_id"])
    if args.get("date_from"):
        query = query.where(AuditEntry.at >= _day_start(args["date_from"]))
    if args.get("date_to"):
        query = query.where(AuditEntry.at < _day_start(args["date_to"] + timedelta(days=1)))
    return query.order_by(AuditEntry.seq.desc())


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq, "at": entry.at, "actor_type": entry.actor_type, "actor_id": entry.actor_id,
        "actor_name": entry.actor_name, "actor_role": entry.actor_role, "address": entry.address,
        "action": entry.action, "action_text": ACTION_TEXT.get(entry.action, entry.action),  # type: ignore[call-overload]
        "object_type": entry.object_type, "object_id": entry.object_id, "reason": entry.reason,
        "detail": entry.detail, "hash": entry.hash,
    }


def csv_rows(entries: Iterator[AuditEntry]) -> Iterator[str]:
    """The CSV export, a line at a time (UTF-8 with a BOM so spreadsheet programs read the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for entry in entries:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheet_cell(v) for v in (
            entry.seq, entry.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"), entry.actor_name or "",
            entry.actor_role or "", entry.address or "", ACTION_TEXT.get(entry.action, entry.action),  # type: ignore[call-overload]
            entry.object_type or "", entry.object_id or "", entry.reason or "",
            "" if not entry.detail else str(entry.detail), entry.hash)])
        yield buffer.getvalue()
