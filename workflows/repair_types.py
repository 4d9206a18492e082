"""Payloads of credit repair (CreditRepairWorkflow): plain dataclasses, no I/O. The applicant is
known here only by their pseudonym and the evidence only by its SHA-256; the decision's reason
travels as a text reference (security/texts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from workflows.types import Actor


class RepairStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"


REPAIR_STATUS_LABELS: dict[RepairStatus, str] = {
    RepairStatus.pending: "待审核",
    RepairStatus.approved: "已准予修复",
    RepairStatus.rejected: "不予修复",
    RepairStatus.withdrawn: "已撤回",
}
REPAIR_WORKING_DAYS = 15
"""The credit office decides within this many working days of the application."""


def repair_workflow_id(repair_id: str) -> str:
    return f"credit-repair-{repair_id}"


@dataclass(frozen=True)
class RepairInput:
    repair_id: str
    applicant: str
    """The applicant's pseudonym."""
    record_ids: list[str]
    evidence_sha256: str
    working_days: int = REPAIR_WORKING_DAYS


@dataclass(frozen=True)
class RepairDecisionInput:
    actor: Actor
    approve: bool
    reason: str
    """A text reference `⟦t:<sha256>⟧` (the text is kept in the database)."""


@dataclass(frozen=True)
class RepairWithdrawInput:
    actor: Actor
    """An applicant is known by their pseudonym."""
    reason: str | None = None


@dataclass(frozen=True)
class RepairView:
    repair_id: str
    applicant: str
    record_ids: list[str]
    evidence_sha256: str
    status: RepairStatus
    applied_at: datetime | None = None
    due_at: datetime | None = None
    overdue: bool = False
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    provisional_due: bool = False
    """The due date rests on a holiday calendar not yet published for its year."""


@dataclass(frozen=True)
class ApplyRepairInput:
    """Approval's effect: the records repaired, the applicant re-graded, the event to push."""

    repair_id: str
    decided_by: str
    decided_at: datetime
    reason: str
