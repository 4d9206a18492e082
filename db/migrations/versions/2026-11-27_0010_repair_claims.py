"""one open credit repair application per record, held by a key

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 10:45:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    claims = op.create_table(
        "repairclaim",
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("repair_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("record_id"),
    )
    op.create_index(op.f("ix_repairclaim_repair_id"), "repairclaim", ["repair_id"], unique=False)
    rows = op.get_bind().execute(sa.text("SELECT id, record_ids FROM creditrepair WHERE status IN ('pending', 'approved')"))
    held: dict[str, str] = {}
    for repair_id, record_ids in rows:
        for record_id in json.loads(record_ids) if isinstance(record_ids, str) else record_ids:
            held.setdefault(record_id, repair_id)
    if held:
        op.bulk_insert(claims, [{"record_id": r, "repair_id": i} for r, i in held.items()])


def downgrade() -> None:
    op.drop_index(op.f("ix_repairclaim_repair_id"), table_name="repairclaim")
    op.drop_table("repairclaim")
