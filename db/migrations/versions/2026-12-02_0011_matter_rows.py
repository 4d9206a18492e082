"""one row per case matter; indexes for every queue and list

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:00:00
"""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPLICATION_INDEXES = {
    "ix_application_opened_at": ["opened_at"],
    "ix_application_status_decision_due_at": ["status", "decision_due_at", "opened_at"],
    "ix_application_status_follow_up_until": ["status", "follow_up_until"],
    "ix_application_escalated_next_deadline": ["escalated", "next_deadline"],
    "ix_application_applicant_id_opened_at": ["applicant_id", "opened_at"],
}
MATTER_INDEXES = {
    "ix_casematter_verification_status_deadline_at": ["verification", "status", "deadline_at", "opened_at"],
    "ix_casematter_verification_status_rectify_by": ["verification", "status", "rectify_by", "opened_at"],
    "ix_casematter_department_verification_deadline_at": ["department", "verification", "deadline_at", "opened_at"],
    "ix_casematter_department_application_id": ["department", "application_id"],
}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statement_until", UTCDateTime(), nullable=True))
    for name, columns in APPLICATION_INDEXES.items():
        op.create_index(name, "application", columns, unique=False)
    matters = op.create_table(
        "casematter",
        sa.Column("application_id", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("verification", sa.String(), nullable=False),
        sa.Column("sampled", sa.Boolean(), nullable=True),
        sa.Column("exempt", sa.Boolean(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("deadline_at", UTCDateTime(), nullable=True),
        sa.Column("rectify_by", UTCDateTime(), nullable=True),
        sa.Column("window_end", UTCDateTime(), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("committed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("application_id", "code"),
    )
    for name, columns in MATTER_INDEXES.items():
        op.create_index(name, "casematter", columns, unique=False)

    # the cases already in the read model: their matters from the row's JSON, each department
    # from the catalogue, the statement period from the hearing
    bind = op.get_bind()
    departments = dict(bind.execute(sa.text("SELECT code, department FROM matter")).all())
    application = sa.table("application", sa.column("application_id"), sa.column("statement_until", UTCDateTime()))
    rows = bind.execute(
        sa.select(
            sa.column("application_id"),
            sa.column("matters"),
            sa.column("hearing"),
            sa.column("status"),
            sa.column("opened_at", UTCDateTime()),
            sa.column("closed_at", UTCDateTime()),
        ).select_from(sa.table("application"))
    ).all()
    batch: list[dict[str, Any]] = []
    for application_id, matters_json, hearing_json, status, opened_at, closed_at in rows:
        for m in _json(matters_json) or []:
            batch.append(
                {
                    "application_id": application_id,
                    "code": m["code"],
                    "department": departments.get(m["code"], ""),
                    "status": status,
                    "opened_at": opened_at,
                    "closed_at": closed_at,
                    "name": m["name"],
                    "stage": m["stage"],
                    "mode": m["mode"],
                    "verification": m["verification"],
                    "sampled": m.get("sampled"),
                    "exempt": bool(m.get("exempt")),
                    "due_at": _at(m.get("due_at")),
                    "deadline_at": _at(m.get("deadline_at")),
                    "rectify_by": _at(m.get("rectify_by")),
                    "window_end": _at(m.get("window_end")),
                    "escalated": bool(m.get("escalated")),
                    "committed_at": _at(m.get("committed_at")),
                }
            )
        hearing = _json(hearing_json)
        if hearing and hearing.get("statement_until"):
            bind.execute(
                application.update()
                .where(application.c.application_id == application_id)
                .values(statement_until=_at(hearing["statement_until"]))
            )
        if len(batch) >= 1000:
            op.bulk_insert(matters, batch)
            batch = []
    if batch:
        op.bulk_insert(matters, batch)


def downgrade() -> None:
    for name in MATTER_INDEXES:
        op.drop_index(name, table_name="casematter")
    op.drop_table("casematter")
    for name in APPLICATION_INDEXES:
        op.drop_index(name, table_name="application")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("statement_until")
