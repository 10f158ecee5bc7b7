"""audit: the append-only audit trail and its chain head; staff password and second-factor state

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 02:30:00

`audit_entries` holds the trail (service_api/audit), `audit_head` its one head row (seq 0, the genesis hash).
Staff users get `must_change_password` (forced change at first sign-in), `password_changed_at` and the TOTP
state (`totp_secret` encrypted, `totp_enabled`, `totp_last_step`). Reports get `anonymised_at`: when the
resident's personal data was removed from them (retention, or the resident's own erasure).
"""
import sqlalchemy as sa
from alembic import op

from service_api.models.base import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_type", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(64), nullable=True),
        sa.Column("actor_role", sa.String(16), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=True),
        sa.Column("object_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
        sa.UniqueConstraint("seq", name="uq_audit_entries_seq"),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.create_index("ix_audit_entries_actor", "audit_entries", ["actor_id", "action", "at"])
    op.create_index("ix_audit_entries_object", "audit_entries", ["object_type", "object_id"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": "0" * 64}])
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("anonymised_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("password_changed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(255), nullable=True))
        batch.add_column(sa.Column("totp_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("staff_users") as batch:
        for column in ("totp_last_step", "totp_enabled", "totp_secret", "password_changed_at",
                       "must_change_password"):
            batch.drop_column(column)
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("anonymised_at")
    op.drop_table("audit_head")
    op.drop_index("ix_audit_entries_object", table_name="audit_entries")
    op.drop_index("ix_audit_entries_actor", table_name="audit_entries")
    op.drop_index("ix_audit_entries_at", table_name="audit_entries")
    op.drop_table("audit_entries")
