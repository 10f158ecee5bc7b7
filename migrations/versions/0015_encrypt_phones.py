"""encrypt phones: stored phones become Fernet ciphertexts, with a keyed hash beside them for lookups

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 03:30:00

Every stored phone (citizens, SMS sign-in codes, report contacts, hotline callers, callbacks, surveys) and every
message recipient is encrypted under PERSONAL_DATA_KEYS (service_api/models/encrypted.py); the columns grow to
255 characters for the ciphertext. Beside each phone a `*_hash` column keeps HMAC-SHA256 (PERSONAL_DATA_HASH_KEY)
of the stored (E.164) number, and the lookups' indexes (and citizens' one-resident-per-number rule) move to it.
"sms:<phone>" / "voice:<phone>" channel refs of reports become "sms:#<hash prefix>". Rows are rewritten in
batches by id; values already encrypted are left as they are, so the migration can be run again after a stop.
The downgrade decrypts (it needs the same keys).
"""
import sqlalchemy as sa
from alembic import op

from service_api.models.encrypted import PREFIX, decrypt, encrypt, phone_hash, phone_ref

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 500
# (table, phone column, hash column or None, old length, index on the phone column to move to the hash)
COLUMNS = (
    ("citizens", "phone", "phone_hash", 32, None),
    ("sms_login_codes", "phone", "phone_hash", 32, "ix_sms_login_codes_phone"),
    ("reports", "contact_phone", "contact_phone_hash", 32, "ix_reports_contact_phone"),
    ("hotline_calls", "caller_phone", "caller_phone_hash", 32, "ix_hotline_calls_caller_phone"),
    ("callbacks", "phone", "phone_hash", 32, None),
    ("surveys", "phone", "phone_hash", 32, "ix_surveys_phone"),
    ("notifications", "recipient", None, 64, None),
)
PHONE_REF_CHANNELS = ("sms", "voice")


def _rewrite(bind, table, column, hash_column, convert, wanted):
    """Rewrite `column` (and its hash) of every row where `wanted(value)`, in batches by id."""
    last = 0
    while True:
        rows = bind.execute(sa.text(
            f"SELECT id, {column} FROM {table} WHERE id > :last AND {column} IS NOT NULL ORDER BY id LIMIT :n"),
            {"last": last, "n": BATCH}).all()
        if not rows:
            return
        for row_id, value in rows:
            if not wanted(value):
                continue
            values = {"id": row_id, "value": convert(value)}
            sets = f"{column} = :value"
            if hash_column:
                values["hash"] = phone_hash(decrypt(value))
                sets += f", {hash_column} = :hash"
            bind.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), values)
        last = rows[-1][0]


def _phone_refs(bind):
    for channel in PHONE_REF_CHANNELS:
        rows = bind.execute(sa.text("SELECT id, channel_ref FROM reports WHERE channel_ref LIKE :p"),
                            {"p": f"{channel}:%"}).all()
        for row_id, ref in rows:
            number = ref.split(":", 1)[1]
            if number.startswith("#"):
                continue
            bind.execute(sa.text("UPDATE reports SET channel_ref = :ref WHERE id = :id"),
                         {"ref": phone_ref(channel, number), "id": row_id})


def upgrade():
    with op.batch_alter_table("citizens") as batch:
        batch.drop_constraint("uq_citizens_phone", type_="unique")
    for table, column, hash_column, length, index in COLUMNS:
        with op.batch_alter_table(table) as batch:
            if index:
                batch.drop_index(index)
            batch.alter_column(column, type_=sa.String(255), existing_type=sa.String(length))
            if hash_column:
                batch.add_column(sa.Column(hash_column, sa.String(64), nullable=True))
                batch.create_index(f"ix_{table}_{hash_column}", [hash_column], unique=False)
    bind = op.get_bind()
    for table, column, hash_column, _length, _index in COLUMNS:
        _rewrite(bind, table, column, hash_column, encrypt, lambda v: not v.startswith(PREFIX))
    _phone_refs(bind)
    # One resident per number, as before, now on the hash (0012 merged residents sharing a number).
    with op.batch_alter_table("citizens") as batch:
        batch.drop_index("ix_citizens_phone_hash")
        batch.create_unique_constraint("uq_citizens_phone_hash", ["phone_hash"])


def downgrade():
    bind = op.get_bind()
    for table, column, hash_column, _length, _index in COLUMNS:
        _rewrite(bind, table, column, None, decrypt, lambda v: v.startswith(PREFIX))
    with op.batch_alter_table("citizens") as batch:
        batch.drop_constraint("uq_citizens_phone_hash", type_="unique")
        batch.create_index("ix_citizens_phone_hash", ["phone_hash"], unique=False)
    for table, column, hash_column, length, index in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            if hash_column:
                batch.drop_index(f"ix_{table}_{hash_column}")
                batch.drop_column(hash_column)
            batch.alter_column(column, type_=sa.String(length), existing_type=sa.String(255))
            if index:
                batch.create_index(index, [column], unique=False)
    with op.batch_alter_table("citizens") as batch:
        batch.create_unique_constraint("uq_citizens_phone", ["phone"])
