"""departments, next deadline and escalation of a case; tokens kept as hashes, with expiry and revocation

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("departments", sa.JSON(), nullable=True, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("next_deadline", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_application_next_deadline"), ["next_deadline"], unique=False)
    op.create_table(
        "apitoken",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("token_sha256", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("department", sa.String(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )


def downgrade() -> None:
    op.drop_table("apitoken")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_next_deadline"))
        for column in ("escalated", "next_deadline", "departments"):
            batch_op.drop_column(column)
