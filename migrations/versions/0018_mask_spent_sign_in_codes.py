"""notifications: sign-in codes already sent or failed for good are masked in the outbox

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 12:30:00

From now on the outbox masks a sign-in SMS once it went out or failed for good ("您的验证码为******");
rows written before kept the code in clear. They are masked here. Nothing to undo: the codes cannot be read back.
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SIX_DIGITS = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")  # service_api/privacy.mask_sign_in_code


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, body FROM notifications WHERE kind = 'login_code' AND status IN ('sent', 'failed')")).fetchall()
    for row_id, body in rows:
        masked = SIX_DIGITS.sub("******", body or "")
        if masked != body:
            bind.execute(sa.text("UPDATE notifications SET body = :body WHERE id = :id"),
                         {"body": masked, "id": row_id})


def downgrade():
    pass
