"""the case as the law runs it: 办理时限, hearing (陈述申辩), adverse decisions, follow-up

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_due_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("decision_overdue", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("hearing", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("decisions", sa.JSON(), nullable=True, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("follow_up_until", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        for column in ("follow_up_until", "decisions", "hearing", "decision_overdue", "decision_due_at"):
            batch_op.drop_column(column)
