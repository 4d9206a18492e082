"""What a case is opened with: who acts, who applies, the catalogue entries, the procedure rules, the applicant's credit."""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.types.enums import Role


@dataclass(frozen=True)
class Actor:
    id: str
    role: Role
    department: str | None = None
    """Caseworkers and verifiers of a department act only on cases with a matter of theirs;
    None: the whole district (supervisors, auditors, dev tokens)."""


@dataclass(frozen=True)
class Applicant:
    id: str
    name: str
    kind: str  # person | company


@dataclass(frozen=True)
class MatterEntry:
    """A catalogue entry as the application saw it when it opened (its version is kept)."""

    code: str
    name: str
    department: str
    commitment_allowed: bool
    exclusion_reason: str | None
    verification_exempt: bool
    verification_stage: str  # during | after
    verification_days: int
    verification_deadline_days: int
    supervision_days: int
    version: int = 1
    risk_level: str = "medium"
    """low | medium | high: with the applicant's grade it sets the chance of verification."""


@dataclass(frozen=True)
class TerminationGround:
    """A ground on which the office ends a case before its decision (终止办理), with its basis."""

    id: str
    label: str
    basis: str
    finding: bool = False
    """It needs an untrue finding of 事中核查 on the case (and writes its credit record)."""


@dataclass(frozen=True)
class Procedure:
    """Procedure rules from the rules data (activities/data/procedure.json), kept by the case."""

    statement_working_days: int = 3
    follow_up_days: int = 90
    statement_basis: str = ""
    revoke_basis: str = ""
    penalty_basis: str = ""
    referral_basis: str = ""
    termination_basis: str = ""
    remedies: str = ""
    service_deemed_days: int = 0
    """A notice neither served in person or by post nor opened is deemed served this many
    calendar days after its issue (notices-served); 0: never."""
    service_basis: str = ""
    termination_grounds: list[TerminationGround] = field(default_factory=list)
    """The grounds of 终止办理 (organ-terminates); empty in cases opened before."""

    def ground(self, ground_id: str | None) -> TerminationGround | None:
        return next((g for g in self.termination_grounds if g.id == ground_id), None)


@dataclass(frozen=True)
class CreditAssessment:
    grade: str
    barred: bool
    clean: bool
    reason: str | None = None
    label: str = ""
    """The grade's name (守信 / 一般失信 / 较重失信 / 严重失信); empty in histories before credit rules."""
    rule_version: int = 0
    """The version of the grading rules applied; 0: before credit rules."""
    sampling: dict[str, float] = field(default_factory=dict)
    """Chance of after-approval verification per matter risk level (low, medium, high)."""
    method: str = ""
    """on_site (现场核查) | data (数据核查)."""
