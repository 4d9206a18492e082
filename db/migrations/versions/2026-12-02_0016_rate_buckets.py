"""the complaint limits' token buckets, shared by every API process

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ratebucket",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_ratebucket_at", "ratebucket", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ratebucket_at", table_name="ratebucket")
    op.drop_table("ratebucket")
