"""catalogue revisions (清单调整) and published catalogue versions

Revision ID: 0008c
Revises: 0007
Create Date: 2026-11-27 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision: str = "0008c"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cataloguerevision",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("department", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("comments", sa.JSON(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=True),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cataloguerevision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cataloguerevision_department"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("ix_cataloguerevision_status"), ["status"], unique=False)
    op.create_table(
        "catalogueversion",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("published_by", sa.String(), nullable=False),
        sa.Column("revision_id", sa.String(), nullable=True),
        sa.Column("entries", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("number"),
        sa.UniqueConstraint("revision_id"),
    )


def downgrade() -> None:
    op.drop_table("catalogueversion")
    with op.batch_alter_table("cataloguerevision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cataloguerevision_status"))
        batch_op.drop_index(batch_op.f("ix_cataloguerevision_department"))
    op.drop_table("cataloguerevision")
