"""complaints kept in the database, out of the case's history

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("text_sha256", sa.String(), nullable=False),
        sa.Column("contact", sa.String(), nullable=True),
        sa.Column("forwarded", sa.Boolean(), nullable=False),
        sa.Column("forward_key", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forward_key"),
    )
    op.create_index(op.f("ix_complaint_application_id"), "complaint", ["application_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_complaint_application_id"), table_name="complaint")
    op.drop_table("complaint")
