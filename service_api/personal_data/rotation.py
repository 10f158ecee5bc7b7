"""Key rotation: every encrypted value re-encrypted under the newest of PERSONAL_DATA_KEYS (`flask privacy
rotate-key`).

The procedure (README, "Rotating the personal data key"): the new key is put first in PERSONAL_DATA_KEYS with
the old one after it, everywhere, so every process writes under the new key and still reads the old; this then
rewrites the stored values in batches by id while the service runs; once it reports nothing left under an older
key, the old key is dropped. It finds the encrypted columns by their type (`EncryptedText`), so a table that
adopts the type later is rotated without a change here.

A row is rewritten only if it still holds the ciphertext read (`WHERE id = … AND col = <old ciphertext>`): a
request that changed the value meanwhile wrote it under the new key already, and is never overwritten with the
older value. Each batch commits, so a stopped run loses nothing and a second run goes on where it stopped. The
keyed hashes beside phones (PERSONAL_DATA_HASH_KEY) do not depend on these keys and stay as they are.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import Column, String, Table, bindparam, select, type_coerce, update

from service_api.audit.actions import AuditAction
from service_api.audit.record import SYSTEM, Actor, record
from service_api.extensions import db
from service_api.models.encrypted import PREFIX, EncryptedText, reencrypt

BATCH = 500


@dataclass
class Rotation:
    rewritten: Counter[str] = field(default_factory=Counter)  # "table.column" → values re-encrypted
    current: int = 0  # values already under the newest key
    changed_meanwhile: int = 0  # rows changed by someone else between read and write: skipped, already new
    unreadable: list[str] = field(default_factory=list)  # "table.column#id" under no listed key

    @property
    def total(self) -> int:
        return sum(self.rewritten.values())


def encrypted_columns() -> list[tuple[Table, Column[str]]]:
    """Every (table, column) holding personal data encrypted, in a stable order."""
    found = []
    for table in sorted(db.metadata.tables.values(), key=lambda t: t.name):
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                found.append((table, column))
    return found


def _newest() -> Fernet:
    keys = [k.strip() for k in current_app.extensions["settings"].personal_data_keys.split(",") if k.strip()]
    return Fernet(keys[0].encode())


def _needs_rotation(newest: Fernet, stored: str) -> bool:
    """Not a ciphertext of the newest key (an older key's, or a value stored before encryption)."""
    if not stored.startswith(PREFIX):
        return True
    try:
        newest.decrypt(stored[len(PREFIX):].encode())
    except InvalidToken:
        return True
    return False


def _rotate_column(table: Table, column: Column[str], result: Rotation, dry_run: bool) -> None:
    newest = _newest()
    raw = type_coerce(column, String)  # the stored text, not decrypted by the column type
    key = table.c.id
    name = f"{table.name}.{column.name}"
    # One statement for the batch, run once per row (executemany); the WHERE on the old ciphertext skips a row a
    # request rewrote meanwhile, and the total row count tells how many were.
    guarded = (update(table).where(key == bindparam("row_id"), raw == bindparam("stored", type_=String))
               .values({column.name: bindparam("fresh", type_=String)}))
    last = 0
    while True:
        rows = db.session.execute(select(key, raw).where(key > last, raw.isnot(None))
                                  .order_by(key).limit(BATCH)).all()
        if not rows:
            return
        writes = []
        for row_id, stored in rows:
            if not _needs_rotation(newest, stored):
                result.current += 1
                continue
            try:
                fresh = reencrypt(stored)
            except (InvalidToken, RuntimeError):  # under none of the listed keys
                result.unreadable.append(f"{name}#{row_id}")
                continue
            writes.append({"row_id": row_id, "stored": stored, "fresh": fresh})
        if writes and dry_run:
            result.rewritten[name] += len(writes)
        elif writes:
            done = db.session.execute(guarded, writes, execution_options={"synchronize_session": False}).rowcount
            if done:
                result.rewritten[name] += done
            result.changed_meanwhile += len(writes) - done
        last = rows[-1][0]
        db.session.commit()


def rotate(*, dry_run: bool = False) -> Rotation:
    """Re-encrypt every stored value not under the newest key (a dry run only counts them)."""
    result = Rotation()
    db.session.commit()  # start from a clean transaction: each batch commits on its own
    for table, column in encrypted_columns():
        _rotate_column(table, column, result, dry_run)
    if not dry_run and (result.total or result.unreadable):
        record(AuditAction.KEY_ROTATED, object_type="personal_data", detail={
            "rewritten": dict(result.rewritten), "unreadable": len(result.unreadable)},
            actor=Actor(SYSTEM, name="key-rotation"))
        db.session.commit()
    return result
