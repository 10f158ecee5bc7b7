"""stats: the reviewer's indicators (立案, 不予立案, 按期结案, 返工, 延期, 回访率) and the "closed" basis

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:30:00

`stats_rollup` and `stats_case_facts` get the counts behind 立案数, 待分拣数, 不予立案数, 按期结案数, 返工数,
延期数 and the closed cases that were rated (回访率); the facts get each case's local close day, the day of its
rows in the "closed" basis. `due_closed` now counts every closed case and departments are keyed by the
department a case was dispatched to, so the rollup is rebuilt: the watermark is cleared and the next refresh
(`flask stats refresh`, beat or the first stats request) builds everything. The open-deadline index also
covers resolved_at (按期处置 of open cases past their deadline, counted live).
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COUNTS = ("pending", "rejected", "registered", "on_time_close", "reworked", "extended", "rated_closed")
INCLUDE = ["deadline", "department_id", "matter_code", "street_code", "district_code", "source_channel"]


def _open_deadline_index(include: list[str]) -> None:
    op.create_index("ix_cases_open_deadline", "cases", ["created_at"],
                    postgresql_where=sa.text("closed_at IS NULL AND deadline IS NOT NULL"),
                    sqlite_where=sa.text("closed_at IS NULL AND deadline IS NOT NULL"),
                    postgresql_include=include)


def upgrade():
    for table in ("stats_rollup", "stats_case_facts"):
        with op.batch_alter_table(table) as batch:
            for name in COUNTS:
                batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
            if table == "stats_case_facts":
                batch.add_column(sa.Column("close_day", sa.Date(), nullable=True))
    op.execute("UPDATE stats_rollup_state SET watermark = NULL")  # the next refresh builds everything
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_cases_open_deadline", table_name="cases")
        _open_deadline_index([*INCLUDE, "resolved_at"])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_cases_open_deadline", table_name="cases")
        _open_deadline_index(INCLUDE)
    for table in ("stats_rollup", "stats_case_facts"):
        with op.batch_alter_table(table) as batch:
            if table == "stats_case_facts":
                batch.drop_column("close_day")
            for name in COUNTS:
                batch.drop_column(name)
    op.execute("UPDATE stats_rollup_state SET watermark = NULL")
