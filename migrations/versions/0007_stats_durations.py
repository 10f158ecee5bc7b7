"""stats: per-day durations for exact medians; the median cache goes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 14:00:00

Exact medians of a year sorted ~500,000 durations per step (1-1.7 s on a million cases), so 0006 cached the
medians of long periods. `stats_durations` keeps, per local day, dimension and key (as `stats_rollup`), every
duration from receipt to register / dispatch / close as packed float8: a period's medians are then one read
and a selection (~0.1 s for a year), always exact, and `stats_median_cache` is dropped. `stats_case_facts`
gets each case's three durations (what the refresh removes when a case changes). Both start empty: the
watermark is cleared, so the next refresh (`flask stats refresh`, beat or the first stats request) rebuilds
the rollup, the facts and the durations.
"""
import sqlalchemy as sa
from alembic import op

import service_api.models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STEPS = ("register", "dispatch", "close")


def upgrade():
    op.create_table(
        "stats_durations",
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=32).with_variant(sa.String(length=32, collation="C"), "postgresql"),
                  nullable=False),
        *[sa.Column(step, sa.LargeBinary(), nullable=False) for step in STEPS],
        sa.PrimaryKeyConstraint("dimension", "day", "key", name=op.f("pk_stats_durations")),
    )
    if op.get_bind().dialect.name == "postgresql":  # packed floats do not compress: do not try on every write
        for step in STEPS:
            op.execute(f"ALTER TABLE stats_durations ALTER COLUMN {step} SET STORAGE EXTERNAL")
    with op.batch_alter_table("stats_case_facts") as batch:
        for step in STEPS:
            batch.add_column(sa.Column(f"{step}_seconds", sa.Float(), nullable=True))
    op.execute("UPDATE stats_rollup_state SET watermark = NULL")  # the next refresh builds everything
    op.drop_table("stats_median_cache")


def downgrade():
    op.create_table(
        "stats_median_cache",
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("group_by", sa.String(length=16), nullable=False),
        sa.Column("computed_at", service_api.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("medians", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("period_start", "period_end", "group_by", name=op.f("pk_stats_median_cache")),
    )
    with op.batch_alter_table("stats_case_facts") as batch:
        for step in STEPS:
            batch.drop_column(f"{step}_seconds")
    op.drop_table("stats_durations")
