"""console: the city's working calendar (holidays 休 and make-up days 班 per year)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:30:00

`flask calendar import PATH` loads the official holiday list of a year into `work_calendar_days`; deadlines
use it ahead of chinese_calendar, which has no data for years after its release. The table starts empty.
"""
import sqlalchemy as sa
from alembic import op

import service_api.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "work_calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=True),
        sa.Column("imported_at", service_api.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_work_calendar_days")),
    )
    with op.batch_alter_table("work_calendar_days") as batch_op:
        batch_op.create_index(batch_op.f("ix_work_calendar_days_year"), ["year"], unique=False)


def downgrade():
    with op.batch_alter_table("work_calendar_days") as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_calendar_days_year"))
    op.drop_table("work_calendar_days")
