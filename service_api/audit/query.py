"""Reading the audit trail: filters shared by the API, the CSV export and the staff page."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from service_api.audit.actions import ACTION_TEXT, DETAIL_TEXT, DETAIL_TEXT_BY_ACTION, VIA_TEXT, AuditAction
from service_api.audit.models import AuditEntry
from service_api.cases.desk import EVENT_TEXT
from service_api.cases.workflow import TRANSITIONS
from service_api.hotline.calls import CALLBACK_KIND_TEXT
from service_api.models import ROLE_TEXT
from service_api.privacy import spreadsheet_cell
from service_api.vocab import STATUS_TEXT

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
        "detail": entry.detail, "detail_lines": detail_lines(entry.action, entry.detail), "hash": entry.hash,
    }


def _value_words(action: str) -> dict[str, dict[str, str]]:
    """The words of coded values, by detail key (case events and statuses, roles, callback kinds, how staff
    signed in)."""
    words = {"via": VIA_TEXT, "role": ROLE_TEXT, "kind": CALLBACK_KIND_TEXT,
             "event": {**{t.action: t.label for t in TRANSITIONS.values()}, **EVENT_TEXT}}
    if action == AuditAction.CASE_CHANGE:
        words.update({"from": STATUS_TEXT, "to": STATUS_TEXT})
    return words


def detail_lines(action: str, detail: dict[str, Any] | None) -> list[str]:
    """An entry's details as the auditor reads them, one "标签：值" a key ("受理编号：R20261205000015",
    "途径：坐席控制台"), instead of the stored JSON."""
    if not detail:
        return []
    labels = {**DETAIL_TEXT, **DETAIL_TEXT_BY_ACTION.get(action, {})}
    words = _value_words(action)

    def shown(key: str, value: Any, changed: bool = False) -> str:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, dict):
            return "；".join(f"{labels.get(k, k)} {shown(k, v, changed=key == 'changed')}" for k, v in value.items())
        if isinstance(value, list):
            if changed and len(value) == 2:  # a changed field: [before, after]
                return f"{shown(key, value[0])} → {shown(key, value[1])}"
            return "、".join(shown(key, v) for v in value) or "—"
        return words.get(key, {}).get(str(value), str(value))

    return [f"{labels.get(key, key)}：{shown(key, value)}" for key, value in detail.items()]


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
            "；".join(detail_lines(entry.action, entry.detail)), entry.hash)])
        yield buffer.getvalue()
