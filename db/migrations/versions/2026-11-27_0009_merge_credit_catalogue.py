"""merge the credit rules, credit outbox and catalogue revisions branches

Revision ID: 0009
Revises: 0008a, 0008b, 0008c
Create Date: 2026-11-27 10:00:00
"""

from collections.abc import Sequence

revision: str = "0009"
down_revision: tuple[str, ...] = ("0008a", "0008b", "0008c")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
