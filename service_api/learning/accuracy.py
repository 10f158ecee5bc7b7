"""The live accuracy of automatic classification, per week, on the platform's own traffic.

Of the cases intake registered on its own (立案 by the system), the share whose matter staff kept (no matter
correction afterwards) — the figure Qingdao reports for its automatic dispatch (92.5 %) — and of all cases
received, the share that went to manual triage (人工分类) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from service_api.extensions import db
from service_api.learning.labels import CHANGE_MATTER
from service_api.models import Case, CaseEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
SYSTEM_ACTOR = "system"
REGISTER = "register"


@dataclass(frozen=True)
class WeekAccuracy:
    week_start: str  # Monday, Asia/Shanghai, YYYY-MM-DD
    received: int  # cases created that week
    auto_registered: int
    kept: int  # of those, matter not corrected by staff
    triaged: int  # cases that waited for a person

    @property
    def kept_share(self) -> float | None:
        return self.kept / self.auto_registered if self.auto_registered else None

    @property
    def triage_share(self) -> float | None:
        return self.triaged / self.received if self.received else None


def _week_start(moment: datetime) -> datetime:
    local = moment.astimezone(SHANGHAI)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday


def weekly_accuracy(now: datetime, weeks: int = 8) -> list[WeekAccuracy]:
    """The last `weeks` weeks (Asia/Shanghai, Monday to Sunday), oldest first, the current one included."""
    first = _week_start(now) - timedelta(weeks=weeks - 1)
    since = first.astimezone(now.tzinfo)
    cases = db.session.execute(
        select(Case.id, Case.created_at, Case.triage, Case.extra).where(Case.created_at >= since)
    ).all()
    auto = set(db.session.scalars(
        select(CaseEvent.case_id).where(CaseEvent.action == REGISTER, CaseEvent.actor_type == SYSTEM_ACTOR,
                                        CaseEvent.created_at >= since)
    ))
    corrected = set(db.session.scalars(
        select(CaseEvent.case_id).where(CaseEvent.action == CHANGE_MATTER, CaseEvent.case_id.in_(auto))
    )) if auto else set()
    buckets: dict[str, list[int]] = {}
    for i in range(weeks):
        buckets[(first + timedelta(weeks=i)).date().isoformat()] = [0, 0, 0, 0]
    for case_id, created_at, triage, extra in cases:
        key = _week_start(created_at).date().isoformat()
        if key not in buckets:
            continue
        row = buckets[key]
        row[0] += 1
        if case_id in auto:
            row[1] += 1
            row[2] += case_id not in corrected
        if triage or (extra or {}).get("triage"):
            row[3] += 1
    return [WeekAccuracy(k, *v) for k, v in buckets.items()]
