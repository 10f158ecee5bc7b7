"""stats: communities (社区) as a dimension of the rollup, for the stats table and its community map

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 08:00:00

`stats_case_facts` gets each case's community key; the rollup and durations gain the `community` and
`c_community` dimensions. Existing facts have no community yet, so the rollup is rebuilt: the watermark is
cleared and the next refresh (`flask stats refresh`, beat or the first stats request) builds everything.
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stats_case_facts") as batch:
        batch.add_column(sa.Column("k_community", sa.String(length=32), nullable=False, server_default=""))
    op.execute("UPDATE stats_rollup_state SET watermark = NULL")  # the next refresh builds everything


def downgrade():
    op.execute("DELETE FROM stats_rollup WHERE dimension IN ('community', 'c_community')")
    op.execute("DELETE FROM stats_durations WHERE dimension IN ('community', 'c_community')")
    with op.batch_alter_table("stats_case_facts") as batch:
        batch.drop_column("k_community")
