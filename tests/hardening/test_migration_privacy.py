"""Migration 0012 on SQLite and PostgreSQL: stored phones become E.164, residents sharing a number are
merged (keeping every report and the strictest opt-out), ambiguous ones are left alone, nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from service_api.extensions import db
from service_api.models import utcnow
from tests.conftest import MIGRATIONS


@pytest.fixture
def before_0012(app) -> Iterator[None]:
    """The database as it was before 0012; migrated to the newest revision again afterwards."""
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0012-1")
    try:
        yield
    finally:
        db.session.remove()
        upgrade(directory=MIGRATIONS, revision="heads")


def _table(name: str) -> sa.Table:
    """The table as the database has it at this revision (the models describe the newest one: encrypted phones)."""
    return sa.Table(name, sa.MetaData(), autoload_with=db.engine)


def _insert(table: Any, **values: Any) -> int:
    # Core inserts of the columns that existed before 0012 (the models already know the new ones).
    return db.session.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()


def _citizen(phone: str, **values: Any) -> int:
    return _insert(_table("citizens"), **{"phone": phone, "sms_opted_out": False, "created_at": utcnow(), **values})


def _report(no: int, phone: str | None, citizen_id: int | None, channel: str = "hotline", **values: Any) -> int:
    now = utcnow()
    return _insert(_table("reports"), tracking_no=f"R2026010100{no:04d}", channel=channel, description="井盖丢了",
                   contact_phone=phone, citizen_id=citizen_id, intake_status="done", intake_attempts=0,
                   candidates=[], is_duplicate=False, extra={}, created_at=now, updated_at=now, **values)


def test_stored_phones_become_e164_and_one_person_is_one_resident(app, before_0012) -> None:
    typed = _citizen("13800138000", wechat_openid="wx-a")
    opted_out = _citizen("+86 138-0013-8000", sms_opted_out=True, sms_opted_out_at=utcnow())
    canonical = _citizen("+8613800138000", name="王先生")
    two_accounts = [_citizen("+86 139 0000 1111", wechat_openid="wx-d"), _citizen("13900001111", wechat_openid="wx-e")]
    full_width = _citizen("１３７００１３７０００")
    not_a_number = _citizen("12345")
    reports = [_report(1, "138 0013 8000", typed), _report(2, "13800138000", opted_out, channel="sms",
                                                             channel_ref="sms:13800138000",
                                                             idempotency_scope="anon:sms", idempotency_key="SM1"),
               _report(3, "+8613800138000", canonical), _report(4, "12345", not_a_number)]
    _insert(_table("notifications"), kind="closed", channel="sms", recipient="138-0013-8000", citizen_id=typed,
            body="结案", payload={}, urgent=False, status="pending", send_after=utcnow(), attempts=0,
            uncertain=False, created_at=utcnow(), updated_at=utcnow())
    db.session.commit()
    db.session.remove()

    upgrade(directory=MIGRATIONS, revision="0012")

    people = {row.id: row for row in db.session.execute(select(_table("citizens")))}
    assert typed not in people and opted_out not in people  # merged into the one already in E.164
    kept = people[canonical]
    assert (kept.phone, kept.name, kept.wechat_openid, kept.sms_opted_out) == ("+8613800138000", "王先生", "wx-a",
                                                                              True)
    assert kept.sms_opted_out_at is not None
    assert [people[i].phone for i in two_accounts] == ["+86 139 0000 1111", "13900001111"]  # left for a person
    assert people[full_width].phone == "+8613700137000" and people[not_a_number].phone == "12345"
    rows = {row.id: row for row in db.session.execute(select(_table("reports")))}
    assert [rows[i].citizen_id for i in reports[:3]] == [canonical] * 3  # every report kept, now one person's
    assert [rows[i].contact_phone for i in reports] == ["+8613800138000"] * 3 + ["12345"]
    assert rows[reports[1]].channel_ref == "sms:+8613800138000"
    assert rows[reports[1]].idempotency_scope == "service:sms"
    message = db.session.execute(select(_table("notifications"))).one()
    assert (message.recipient, message.citizen_id) == ("+8613800138000", canonical)
