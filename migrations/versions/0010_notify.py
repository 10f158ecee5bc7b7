"""ratings: one per report and closing round

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:30:00

A reopened case that is closed again is surveyed again (surveys.round), but its rating was one row per report
and case: the second round's answer overwrote the first, kept the old comment, and the 7-day edit window
counted from the first answer, so a later round could not be rated at all. Ratings get the round too. An
existing rating belongs to the round of the last 结案 before it was last changed.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ROUND_OF_EXISTING = """
UPDATE ratings SET round = (
    SELECT CASE WHEN count(*) = 0 THEN 1 ELSE count(*) END FROM case_events
    WHERE case_events.case_id = ratings.case_id AND case_events.action = 'close'
      AND case_events.created_at <= ratings.updated_at)
"""


def upgrade():
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        # The server default keeps writers that name no round (bench/bench_stats.py's bulk INSERT) working.
        batch_op.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="1"))
    op.execute(ROUND_OF_EXISTING)
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ratings_case_report", type_="unique")
        batch_op.create_unique_constraint("uq_ratings_case_report_round", ["case_id", "report_id", "round"])


def downgrade():
    # Keeps each report's latest round: the one-rating-per-case model cannot hold the others.
    op.execute("DELETE FROM ratings WHERE round < (SELECT max(r.round) FROM ratings r "
               "WHERE r.case_id = ratings.case_id AND r.report_id = ratings.report_id)")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ratings_case_report_round", type_="unique")
        batch_op.create_unique_constraint("uq_ratings_case_report", ["case_id", "report_id"])
        batch_op.drop_column("round")
