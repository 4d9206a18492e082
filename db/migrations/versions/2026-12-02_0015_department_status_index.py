"""a department's cases in the statuses a queue asks for, found by one index of the matter rows;
the newest cases ordered by an index that holds their ids (a deep page reads the index alone)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_casematter_department_status_application_id", "casematter", ["department", "status", "application_id"], unique=False
    )
    op.drop_index("ix_casematter_department_application_id", table_name="casematter")
    op.create_index("ix_application_opened_at_application_id", "application", ["opened_at", "application_id"], unique=False)
    op.drop_index("ix_application_opened_at", table_name="application")


def downgrade() -> None:
    op.create_index("ix_application_opened_at", "application", ["opened_at"], unique=False)
    op.drop_index("ix_application_opened_at_application_id", table_name="application")
    op.create_index("ix_casematter_department_application_id", "casematter", ["department", "application_id"], unique=False)
    op.drop_index("ix_casematter_department_status_application_id", table_name="casematter")
