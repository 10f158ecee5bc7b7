"""stats: cache of the medians of long periods

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00

Exact medians of a year-long period take 1-2 s on a million cases (one percentile_cont statement that sorts
every duration). stats/figures.py serves the medians of periods longer than STATS_MEDIAN_CACHE_MIN_DAYS from
`stats_median_cache` while they are younger than STATS_MEDIAN_CACHE_SECONDS; beat recomputes the default long
periods before that. The table starts empty: the first request or beat run fills it. Counts are not cached.
"""
import sqlalchemy as sa
from alembic import op

import service_api.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stats_median_cache",
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("group_by", sa.String(length=16), nullable=False),
        sa.Column("computed_at", service_api.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("medians", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("period_start", "period_end", "group_by", name=op.f("pk_stats_median_cache")),
    )


def downgrade():
    op.drop_table("stats_median_cache")
