"""credit events' outbox for the push to the credit platform; credit repair applications

Revision ID: 0008b
Revises: 0007
Create Date: 2026-11-27 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from db.models import UTCDateTime

revision: str = "0008b"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = AutoString


def upgrade() -> None:
    op.create_table(
        "creditoutbox",
        sa.Column("event_id", TEXT(), nullable=False),
        sa.Column("kind", TEXT(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", TEXT(), nullable=True),
        sa.Column("held_until", UTCDateTime(), nullable=True),
        sa.Column("exported_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("event_id"),
    )
    with op.batch_alter_table("creditoutbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_creditoutbox_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_creditoutbox_delivered_at"), ["delivered_at"], unique=False)
    op.create_table(
        "creditrepair",
        sa.Column("id", TEXT(), nullable=False),
        sa.Column("applicant_id", TEXT(), nullable=False),
        sa.Column("pseudonym", TEXT(), nullable=False),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        sa.Column("evidence", TEXT(), nullable=False),
        sa.Column("evidence_sha256", TEXT(), nullable=False),
        sa.Column("status", TEXT(), nullable=False),
        sa.Column("applied_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", TEXT(), nullable=True),
        sa.Column("reason", TEXT(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("creditrepair", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_creditrepair_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_creditrepair_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_creditrepair_due_at"), ["due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("creditrepair", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_creditrepair_due_at"))
        batch_op.drop_index(batch_op.f("ix_creditrepair_status"))
        batch_op.drop_index(batch_op.f("ix_creditrepair_applicant_id"))
    op.drop_table("creditrepair")
    with op.batch_alter_table("creditoutbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_creditoutbox_delivered_at"))
        batch_op.drop_index(batch_op.f("ix_creditoutbox_created_at"))
    op.drop_table("creditoutbox")
