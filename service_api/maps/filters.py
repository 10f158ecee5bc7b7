"""The case desk's filters, parsed once for the desk list and its map so a filtered list and its map agree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Query

from service_api.cases import desk
from service_api.cases.queries import filter_cases
from service_api.models import CASE_STATUSES, CHANNELS, OPEN_STATUSES, Case, StaffUser

# The status filter's extra choice: every case not yet closed or rejected (what a dispatcher's map shows).
OPEN = "open"
OPEN_TEXT = "在办（未结案）"
TEXT_KEYS = ("status", "matter", "department", "district", "street", "community", "channel")
DATE_KEYS = ("date_from", "date_to")


@dataclass
class DeskFilters:
    queue: str | None = None
    values: dict[str, Any] = field(default_factory=dict)  # as the form shows them

    def query(self, staff: StaffUser, now: datetime | None = None) -> Query[Case]:
        values = dict(self.values)
        if values.get("status") == OPEN:
            values["status"] = ",".join(OPEN_STATUSES)
        return filter_cases(desk.queue_query(staff, self.queue, now), values)

    def args(self) -> dict[str, str]:
        """The filters as query arguments (links between the list and the map)."""
        out = {k: str(v) for k, v in self.values.items() if v}
        if self.queue:
            out["queue"] = self.queue
        return out


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_desk_filters(args: Mapping[str, str]) -> DeskFilters:
    """Lenient, like a form: an unknown status, channel or queue, or a bad date, is no filter."""
    queue = args.get("queue") if args.get("queue") in desk.QUEUES else None
    values: dict[str, Any] = {k: (args.get(k) or "").strip()[:64] for k in TEXT_KEYS}
    if values["status"] and values["status"] not in (*CASE_STATUSES, OPEN):
        values["status"] = ""
    if values["channel"] and values["channel"] not in CHANNELS:
        values["channel"] = ""
    for key in DATE_KEYS:
        values[key] = _date(args.get(key))
    return DeskFilters(queue, values)
