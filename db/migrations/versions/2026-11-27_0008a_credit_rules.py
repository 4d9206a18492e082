"""credit rules as versioned data, applicant grades and their log; record actor, basis, publication period, repair; matter risk level

Revision ID: 0008a
Revises: 0007
Create Date: 2026-11-27 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from db.models import UTCDateTime

revision: str = "0008a"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # server defaults: records and matters stored before this revision read as they did
    with op.batch_alter_table("creditrecord", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("basis", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("publication_until", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("repaired_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("matter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_level", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="medium"))
    op.create_table(
        "creditruleset",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "applicantgrade",
        sa.Column("applicant_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("applicant_id"),
    )
    op.create_table(
        "creditgradechange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("old_grade", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("new_grade", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("cause", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("creditgradechange", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_creditgradechange_applicant_id"), ["applicant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("creditgradechange", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_creditgradechange_applicant_id"))
    op.drop_table("creditgradechange")
    op.drop_table("applicantgrade")
    op.drop_table("creditruleset")
    with op.batch_alter_table("matter", schema=None) as batch_op:
        batch_op.drop_column("risk_level")
    with op.batch_alter_table("creditrecord", schema=None) as batch_op:
        batch_op.drop_column("repaired_at")
        batch_op.drop_column("publication_until")
        batch_op.drop_column("basis")
        batch_op.drop_column("actor_id")
