"""The Updates' inputs: one per human action."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workflows.types.enums import DispositionAction
from workflows.types.parties import Actor, CreditAssessment


@dataclass(frozen=True)
class CommitInput:
    actor: Actor
    matter: str
    letter_sha256: str | None = None
    signature: str = "online"
    """online: the applicant signs in the system; paper: signed at the counter, recorded by the caseworker."""
    scan_sha256: str | None = None
    """Paper: the hash of the scanned signed letter."""


@dataclass(frozen=True)
class ProofInput:
    actor: Actor
    matter: str
    document: str


@dataclass(frozen=True)
class WithdrawInput:
    actor: Actor
    matter: str
    reason: str


@dataclass(frozen=True)
class DecisionInput:
    actor: Actor
    approve: bool
    reason: str
    credit: CreditAssessment | None = None
    """The applicant's grade under the credit rules in force when the decision is made (the API
    asks the archive); it sets the sampling of an approval. None: the grade at opening stands."""


@dataclass(frozen=True)
class ComplaintInput:
    actor: Actor
    text: str
    contact: str | None = None
    """Optional, for anonymous complaints: never written into the timeline."""


@dataclass(frozen=True)
class VerificationInput:
    actor: Actor
    matter: str
    truthful: bool
    findings: str


@dataclass(frozen=True)
class DispositionInput:
    actor: Actor
    action: DispositionAction
    reason: str
    deadline_days: int | None = None
    also: list[DispositionAction] = field(default_factory=list)
    """Penalty or referral taken together with the main action."""
    decision_no: str | None = None
    """决定书文号 of a penalty or referral."""
    receiving_organ: str | None = None
    """Where a referral goes (移送机关)."""
    keep_decision: str | None = None
    """A penalty on its own: the recorded ground for keeping the decision (public interest,
    行政许可法 第六十九条第三款); without it the finding stays open (measures-keep-rights)."""


@dataclass(frozen=True)
class StatementInput:
    actor: Actor
    text: str
    """The applicant's statement and defence (陈述、申辩)."""


@dataclass(frozen=True)
class RevocationDecisionInput:
    actor: Actor
    revoke: bool
    reason: str
    decision_no: str | None = None
    finding_stands: bool = True
    """Not revoking: the finding stands (back to awaiting disposition) or the statement showed it wrong."""


@dataclass(frozen=True)
class CloseInput:
    actor: Actor
    reason: str


@dataclass(frozen=True)
class RectificationInput:
    actor: Actor
    matter: str
    evidence: str


@dataclass(frozen=True)
class RecomputeInput:
    actor: Actor
    source: str
    """The notice the calendar days were entered from."""


@dataclass(frozen=True)
class ServiceInput:
    """A notice served in person or by post, recorded by the office (送达回证, the receipt)."""

    actor: Actor
    notice: int
    method: str
    """in_person | post"""
    served_at: datetime
    """When the applicant received it (the date on the receipt)."""


@dataclass(frozen=True)
class NoticeOpened:
    """The applicant opened a notice (in the console or through the API): the first time, it is
    served electronically."""

    actor: Actor
    notice: int


@dataclass(frozen=True)
class CancelInput:
    actor: Actor
    reason: str
    ground: str | None = None
    """The office's 终止办理: the ground's id in the case's procedure (organ-terminates)."""
    decision_no: str | None = None
    """终止办理决定书文号 (organ-terminates)."""
