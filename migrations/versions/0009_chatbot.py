"""callbacks: the chat session a chatbot hand-off came from

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:30:00

The chatbot sent its sender id with every hand-off and the API dropped it. Kept as `chat_sender`, a second
"转人工" from the same chat session (typically adding the phone number the first one lacked) updates the open
callback instead of giving the agents two half-callbacks for one resident.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_sender", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_callbacks_chat_sender"), ["chat_sender"], unique=False)


def downgrade():
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callbacks_chat_sender"))
        batch_op.drop_column("chat_sender")
