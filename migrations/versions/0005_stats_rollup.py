"""stats: per-day rollup, its state row, updated_at on surveys, change and overdue indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:00:00

stats/rollup.py keeps `stats_rollup` (additive counts per local day, dimension and key) in step
with the base tables: it re-reads the cases whose rows changed since a watermark and applies the difference
to what `stats_case_facts` says each contributed before. That needs an indexed `updated_at` on cases,
ratings and surveys (surveys had none: added and backfilled). Open cases past their
deadline are counted live, from the partial index `ix_cases_open_deadline`. The rollup starts empty (no
watermark): the first refresh (`flask stats refresh`, the beat task or the first stats request) builds it.
"""
import sqlalchemy as sa
from alembic import op

import service_api.models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COUNTS = ["cases", "reports", "dispatched", "handled", "due_closed", "on_time", "rated", "satisfied",
          "basically_satisfied", "unsatisfied", "solved", "solved_answered", "surveys_sent", "surveys_answered"]
OPEN_WITH_DEADLINE = "closed_at IS NULL AND deadline IS NOT NULL"


def upgrade():
    op.create_table(
        "stats_rollup",
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=32).with_variant(sa.String(length=32, collation="C"), "postgresql"),
                  nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.PrimaryKeyConstraint("dimension", "day", "key", name=op.f("pk_stats_rollup")),
    )
    op.create_table(
        "stats_case_facts",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(f"k_{name}", sa.String(length=32), nullable=False)
          for name in ("department", "matter", "district", "street", "channel")],
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_stats_case_facts")),
    )
    state = op.create_table(
        "stats_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watermark", service_api.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("built_at", service_api.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", service_api.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cases_refreshed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_rollup_state")),
    )
    op.bulk_insert(state, [{"id": 1, "watermark": None, "built_at": None, "refreshed_at": None,
                            "cases_refreshed": 0}])

    # surveys.updated_at: added nullable, backfilled with the latest known change, then made NOT NULL.
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", service_api.models.base.UTCDateTime(timezone=True),
                                      nullable=True))
    op.execute("UPDATE surveys SET updated_at = COALESCE(answered_at, reminded_at, sent_at, created_at)")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=service_api.models.base.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.create_index(batch_op.f("ix_surveys_updated_at"), ["updated_at"], unique=False)
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_updated_at"), ["updated_at"], unique=False)
    op.create_index("ix_cases_updated", "cases", ["updated_at"])
    op.create_index("ix_cases_open_deadline", "cases", ["created_at"],
                    postgresql_where=sa.text(OPEN_WITH_DEADLINE), sqlite_where=sa.text(OPEN_WITH_DEADLINE),
                    postgresql_include=["deadline", "department_id", "matter_code", "street_code", "district_code",
                                        "source_channel"])


def downgrade():
    op.drop_index("ix_cases_open_deadline", table_name="cases")
    op.drop_index("ix_cases_updated", table_name="cases")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_updated_at"))
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_updated_at"))
        batch_op.drop_column("updated_at")
    op.drop_table("stats_rollup_state")
    op.drop_table("stats_case_facts")
    op.drop_table("stats_rollup")
