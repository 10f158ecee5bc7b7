"""privacy: idempotency fingerprints; stored phone numbers in one canonical form (E.164)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:30:00

`reports.idempotency_fingerprint` keeps the SHA-256 of the request first stored under an Idempotency-Key, so a
retry is told from a different request under the same key (409). Twilio webhooks' keys move from the scope
"anon:<channel>" to "service:<channel>" (anonymous clients' scopes now carry their request's digest).

Phones were stored as typed ("+86 138-0013-8000", "13800138000", full-width digits): one resident became
several. Every stored phone is rewritten to E.164 where it parses as a valid number (others are left as they
are: nothing is guessed). Residents (citizens) whose numbers turn out to be the same are merged into one: the
one already in E.164, else the oldest, keeps its id; the others' reports, photos, callbacks and messages move
to it, an opt-out by any of them is kept (the strictest wish wins), and the missing name, WeChat openid and
preferred channel are taken from them. Residents bound to two different WeChat openids are not merged (two
accounts cannot be told apart automatically): they keep their numbers as typed and are listed in the log.
The merged-away residents' sign-in tokens then open nothing; signing in again by SMS reaches the kept one.
"""
import logging

import sqlalchemy as sa
from alembic import op

from service_api.phones import canonical_phone_or_none

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# (table, column, extra condition) of every stored phone number besides citizens.phone.
PHONE_COLUMNS = (
    ("reports", "contact_phone", ""),
    ("sms_login_codes", "phone", ""),
    ("hotline_calls", "caller_phone", ""),
    ("callbacks", "phone", ""),
    ("surveys", "phone", ""),
    ("notifications", "recipient", " AND channel IN ('sms', 'voice')"),
)
# Every column that points at a resident.
CITIZEN_REFERENCES = (("reports", "citizen_id"), ("photos", "owner_citizen_id"), ("callbacks", "citizen_id"),
                      ("notifications", "citizen_id"))
PROVIDER_CHANNELS = ("sms", "voice")


def upgrade():
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("idempotency_fingerprint", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    for channel in PROVIDER_CHANNELS:
        bind.execute(sa.text("UPDATE reports SET idempotency_scope = :new WHERE idempotency_scope = :old"),
                     {"new": f"service:{channel}", "old": f"anon:{channel}"})
    _merge_citizens(bind)
    for table, column, condition in PHONE_COLUMNS:
        _normalise_column(bind, table, column, condition)
    for channel in PROVIDER_CHANNELS:  # channel_ref "sms:<phone>" names the sender's number
        _normalise_channel_refs(bind, channel)


def _normalise_column(bind, table: str, column: str, condition: str) -> None:
    values = bind.execute(sa.text(
        f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL{condition}")).scalars().all()
    for raw in values:
        canonical = canonical_phone_or_none(raw)
        if canonical and canonical != raw:
            bind.execute(sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old{condition}"),
                         {"new": canonical, "old": raw})


def _normalise_channel_refs(bind, channel: str) -> None:
    rows = bind.execute(sa.text("SELECT DISTINCT channel_ref FROM reports WHERE channel = :channel "
                                "AND channel_ref LIKE :prefix"), {"channel": channel, "prefix": f"{channel}:%"})
    for (raw,) in rows.all():
        canonical = canonical_phone_or_none(raw[len(channel) + 1:])
        if canonical and f"{channel}:{canonical}" != raw:
            bind.execute(sa.text("UPDATE reports SET channel_ref = :new WHERE channel = :channel "
                                 "AND channel_ref = :old"), {"new": f"{channel}:{canonical}", "old": raw,
                                                            "channel": channel})


def _merge_citizens(bind) -> None:
    rows = bind.execute(sa.text(
        "SELECT id, phone, wechat_openid, name, preferred_channel, sms_opted_out, sms_opted_out_at, created_at "
        "FROM citizens WHERE phone IS NOT NULL ORDER BY id")).mappings().all()
    groups: dict[str, list[dict]] = {}
    for row in rows:
        canonical = canonical_phone_or_none(row["phone"])
        if canonical:
            groups.setdefault(canonical, []).append(dict(row))
    for canonical, members in groups.items():
        openids = {m["wechat_openid"] for m in members if m["wechat_openid"]}
        if len(openids) > 1:
            log.warning("0012: residents %s share the number %s**** but have different WeChat accounts; "
                        "not merged, their numbers stay as typed", [m["id"] for m in members], canonical[:6])
            continue
        keeper = next((m for m in members if m["phone"] == canonical), members[0])
        others = [m for m in members if m is not keeper]
        if others:
            _merge_into(bind, keeper, others)
        if keeper["phone"] != canonical:
            bind.execute(sa.text("UPDATE citizens SET phone = :phone WHERE id = :id"),
                         {"phone": canonical, "id": keeper["id"]})


def _merge_into(bind, keeper: dict, others: list[dict]) -> None:
    ids = [m["id"] for m in others]
    everyone = [keeper, *others]
    opted_out = any(m["sms_opted_out"] for m in everyone)
    opted_out_at = min((m["sms_opted_out_at"] for m in everyone if m["sms_opted_out"] and m["sms_opted_out_at"]),
                       default=None)
    merged = {
        "id": keeper["id"],
        "openid": next((m["wechat_openid"] for m in everyone if m["wechat_openid"]), None),
        "name": next((m["name"] for m in everyone if m["name"]), None),
        "preferred": next((m["preferred_channel"] for m in everyone if m["preferred_channel"]), None),
        "opted_out": opted_out, "opted_out_at": opted_out_at,
        "created_at": min(m["created_at"] for m in everyone if m["created_at"]) if any(
            m["created_at"] for m in everyone) else None,
    }
    for table, column in CITIZEN_REFERENCES:
        bind.execute(sa.text(f"UPDATE {table} SET {column} = :keeper WHERE {column} IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)), {"keeper": keeper["id"], "ids": ids})
    bind.execute(sa.text("DELETE FROM citizens WHERE id IN :ids").bindparams(sa.bindparam("ids", expanding=True)),
                 {"ids": ids})
    bind.execute(sa.text(
        "UPDATE citizens SET wechat_openid = :openid, name = :name, preferred_channel = :preferred, "
        "sms_opted_out = :opted_out, sms_opted_out_at = :opted_out_at, created_at = COALESCE(:created_at, created_at) "
        "WHERE id = :id"), merged)
    log.info("0012: residents %s merged into %s (same phone number)", ids, keeper["id"])


def downgrade():
    # Phones stay in E.164 and merged residents stay merged: the typed forms and the duplicates were the bug.
    for channel in PROVIDER_CHANNELS:
        op.get_bind().execute(sa.text("UPDATE reports SET idempotency_scope = :old WHERE idempotency_scope = :new"),
                              {"new": f"service:{channel}", "old": f"anon:{channel}"})
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("idempotency_fingerprint")
