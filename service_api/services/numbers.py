"""Readable, unique numbers: case numbers (C370202-20261124-00017) and tracking numbers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite

from service_api.extensions import db
from service_api.models import NumberSequence, utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_value(key: str) -> int:
    """Atomically increment and return the counter for `key` (one statement, safe under concurrency)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = NumberSequence.__table__
    statement = (
        insert(table)
        .values(key=key, last_value=1)
        .on_conflict_do_update(index_elements=[table.c.key], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    return int(db.session.execute(statement).scalar_one())


def local_day(moment: datetime | None = None) -> str:
    return (moment or utcnow()).astimezone(SHANGHAI).strftime("%Y%m%d")


def new_case_no(area_code: str, moment: datetime | None = None) -> str:
    day = local_day(moment)
    return f"C{area_code}-{day}-{next_value(f'case:{area_code}:{day}'):05d}"


def new_tracking_no(moment: datetime | None = None) -> str:
    day = local_day(moment)
    return f"R{day}{next_value(f'report:{day}'):06d}"
