"""who handles a queue item (办理人), and the log of claims, releases, reassignments and overrides

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim",
        sa.Column("application_id", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("holder_id", sa.String(), nullable=False),
        sa.Column("holder_role", sa.String(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("assigned_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("application_id", "item"),
    )
    op.create_index(op.f("ix_claim_holder_id"), "claim", ["holder_id"], unique=False)
    op.create_table(
        "claimlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("holder_id", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_claimlog_application_id"), "claimlog", ["application_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_claimlog_application_id"), table_name="claimlog")
    op.drop_table("claimlog")
    op.drop_index(op.f("ix_claim_holder_id"), table_name="claim")
    op.drop_table("claim")
