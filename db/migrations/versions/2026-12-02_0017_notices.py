"""the notices served on the applicant (送达), as the case's read model keeps them

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("application", sa.Column("notices", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("application", "notices")
