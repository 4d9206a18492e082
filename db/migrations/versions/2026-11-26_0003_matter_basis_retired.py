"""matter basis source and retirement

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # server defaults let rows stored before this revision read as "unchecked, still active"
    with op.batch_alter_table("matter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("basis_source", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("basis_verified", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("retired_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("matter", schema=None) as batch_op:
        batch_op.drop_column("retired_reason")
        batch_op.drop_column("retired")
        batch_op.drop_column("basis_verified")
        batch_op.drop_column("basis_source")
