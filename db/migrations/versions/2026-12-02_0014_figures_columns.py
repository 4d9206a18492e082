"""what the figures count by, in columns: a case's decision time, a matter's withdrawal, its
having ever been reported overdue, and which matter row counts its case once (in all, and in its
department); complaints found by an index, and the month's complaints by another

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 12:00:00
"""

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from db.models import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUOTED_NAME = re.compile(r"「([^」]*)」")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _at(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("casematter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overdue", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("case_first", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("department_first", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_caseevent_action_application_id", "caseevent", ["action", "application_id"], unique=False)
    op.create_index("ix_complaint_received_at", "complaint", ["received_at"], unique=False)

    # the cases already kept: as the figures counted them before (the decision, else the
    # timeline's rejection, else the close; overdue by the flag or the timeline's 督办 entries)
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE casematter SET case_first = (code = (SELECT min(c.code) FROM casematter c"
            " WHERE c.application_id = casematter.application_id)),"
            " department_first = (code = (SELECT min(c.code) FROM casematter c"
            " WHERE c.application_id = casematter.application_id AND c.department = casematter.department))"
        )
    )
    application = sa.table("application", sa.column("application_id"), sa.column("decided_at", UTCDateTime()))
    matter = sa.table("casematter", sa.column("application_id"), sa.column("code"), sa.column("overdue"), sa.column("withdrawn"))
    events: dict[str, list[tuple[str, datetime, str]]] = {}
    for application_id, action, at, summary in bind.execute(
        sa.select(
            sa.column("application_id"),
            sa.column("action"),
            sa.column("at", UTCDateTime()),
            sa.column("summary"),
        )
        .select_from(sa.table("caseevent"))
        .where(sa.column("action").in_(("escalate", "reject")))
    ):
        events.setdefault(application_id, []).append((action, at, summary))
    rows = bind.execute(
        sa.select(
            sa.column("application_id"),
            sa.column("status"),
            sa.column("matters"),
            sa.column("decisions"),
            sa.column("approved_at", UTCDateTime()),
            sa.column("closed_at", UTCDateTime()),
        ).select_from(sa.table("application"))
    ).all()
    for application_id, status, matters_json, decisions_json, approved_at, closed_at in rows:
        mine = sorted(events.get(application_id, []), key=lambda e: e[1])
        decided = approved_at
        if decided is None and status == "rejected":
            rejections = [_at(d.get("at")) for d in _json(decisions_json) or [] if d.get("kind") == "reject" and d.get("at")]
            rejections += [at for action, at, _ in mine if action == "reject"]
            decided = rejections[0] if rejections else closed_at
        if decided is not None:
            bind.execute(application.update().where(application.c.application_id == application_id).values(decided_at=decided))
        named = {n for action, _, summary in mine if action == "escalate" for n in QUOTED_NAME.findall(summary)[:1]}
        for m in _json(matters_json) or []:
            overdue, withdrawn = bool(m.get("escalated")) or m.get("name") in named, m.get("withdrawn_reason") is not None
            if overdue or withdrawn:
                bind.execute(
                    matter.update()
                    .where(matter.c.application_id == application_id, matter.c.code == m["code"])
                    .values(overdue=overdue, withdrawn=withdrawn)
                )


def downgrade() -> None:
    op.drop_index("ix_complaint_received_at", table_name="complaint")
    op.drop_index("ix_caseevent_action_application_id", table_name="caseevent")
    with op.batch_alter_table("casematter", schema=None) as batch_op:
        batch_op.drop_column("department_first")
        batch_op.drop_column("case_first")
        batch_op.drop_column("withdrawn")
        batch_op.drop_column("overdue")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("decided_at")
