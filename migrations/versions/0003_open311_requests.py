"""open311 requests: the partner's service code, token, device and account per report

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import service_api.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "open311_requests",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("service_code", sa.String(length=8), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", service_api.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["api_key_id"], ["api_keys.id"],
                                name=op.f("fk_open311_requests_api_key_id_api_keys")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name=op.f("fk_open311_requests_report_id_reports")),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_open311_requests")),
        sa.UniqueConstraint("token", name=op.f("uq_open311_requests_token")),
    )
    with op.batch_alter_table("open311_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open311_requests_api_key_id"), ["api_key_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_open311_requests_service_code"), ["service_code"], unique=False)


def downgrade():
    with op.batch_alter_table("open311_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_requests_service_code"))
        batch_op.drop_index(batch_op.f("ix_open311_requests_api_key_id"))
    op.drop_table("open311_requests")
