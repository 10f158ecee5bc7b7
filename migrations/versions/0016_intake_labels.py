"""intake_labels: staff decisions on cases as labelled examples for retraining the classifier (issue 20)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 03:00:00
"""
import sqlalchemy as sa
from alembic import op

from service_api.models.base import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "intake_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id"), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("code", sa.String(8), nullable=True),
        sa.Column("predicted_code", sa.String(8), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", name="uq_intake_labels_case_id"),
    )
    op.create_index("ix_intake_labels_created_at", "intake_labels", ["created_at"])


def downgrade():
    op.drop_index("ix_intake_labels_created_at", table_name="intake_labels")
    op.drop_table("intake_labels")
