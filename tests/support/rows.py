"""Read-model rows written straight into the tables, many at once: a case's application row and
its matter row, for the queue tests at a district's scale (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

NOW = datetime(2026, 9, 1, 2, 0, tzinfo=timezone.utc)


def case(
    n: int, opened: datetime, status: str, verification: str, deadline: datetime | None, department: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The n-th case's application row and its one matter row, ready for a bulk insert."""
    app_id = f"s-{n:06d}"
    row = {
        "application_id": app_id,
        "workflow_id": f"application-{app_id}",
        "applicant_id": f"ap-{n}",
        "applicant_name": "某公司",
        "applicant_kind": "company",
        "service": "食品经营许可",
        "status": status,
        "status_label": status,
        "opened_at": opened,
        "approved_at": opened,
        "matters": [],
        "decisions": [],
        "departments": [department],
        "escalated": False,
        "decision_overdue": False,
        "penalized": False,
        "referred": False,
        "projection_seq": 1,
        "decision_due_at": opened + timedelta(days=20) if status == "reviewing" else None,
    }
    matter = {
        "application_id": app_id,
        "code": "M-1",
        "department": department,
        "status": status,
        "opened_at": opened,
        "name": "场所证明",
        "stage": "after",
        "mode": "commitment",
        "verification": verification,
        "exempt": False,
        "escalated": False,
        "due_at": deadline and deadline - timedelta(days=10),
        "deadline_at": deadline,
    }
    return row, matter
