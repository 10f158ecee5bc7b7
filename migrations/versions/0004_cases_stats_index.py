"""cases: covering index for the satisfaction and performance statistics

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 05:05:00

The stats queries (stats/figures.py) filter cases by created_at and aggregate a dozen narrow columns;
on PostgreSQL this index lets them run as (parallel) index-only scans instead of reading the wide heap.
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATS_COLUMNS = ["id", "department_id", "matter_code", "street_code", "district_code", "source_channel", "status",
                 "report_count", "registered_at", "dispatched_at", "deadline", "resolved_at", "closed_at"]


def upgrade():
    op.create_index("ix_cases_stats", "cases", ["created_at"], postgresql_include=STATS_COLUMNS)


def downgrade():
    op.drop_index("ix_cases_stats", table_name="cases")
