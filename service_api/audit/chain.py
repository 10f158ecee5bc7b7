"""The hash chain: each entry's hash covers its own fields and the previous entry's hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from service_api.audit.models import AuditEntry

GENESIS = "0" * 64


def entry_fields(entry: AuditEntry) -> dict[str, Any]:
    """Everything an entry says, in a form that reads back the same from SQLite and PostgreSQL."""
    return {
        "seq": entry.seq, "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_type": entry.actor_type, "actor_id": entry.actor_id, "actor_name": entry.actor_name,
        "actor_role": entry.actor_role, "address": entry.address, "action": entry.action,
        "object_type": entry.object_type, "object_id": entry.object_id, "reason": entry.reason,
        "detail": entry.detail or {},
    }


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    body = json.dumps(entry_fields(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()
