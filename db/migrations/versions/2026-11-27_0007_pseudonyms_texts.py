"""applicants known to workflows by pseudonym; free texts kept outside history

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 08:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_ref", sa.String(), nullable=True))
    op.create_table(
        "applicantidentity",
        sa.Column("pseudonym", sa.String(), nullable=False),
        sa.Column("id_number", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym"),
        sa.UniqueConstraint("id_number"),
    )
    op.create_table(
        "casetext",
        sa.Column("application_id", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("application_id", "sha256"),
    )


def downgrade() -> None:
    op.drop_table("casetext")
    op.drop_table("applicantidentity")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("applicant_ref")
