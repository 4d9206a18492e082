"""Payloads of the application workflow: plain dataclasses, no I/O, safe in the sandbox.

One input dataclass per workflow, activity and update, so fields can be added later without
breaking recorded histories. Names and ID numbers never go into workflow ids or failure
messages; they travel only inside payloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    applicant = "applicant"
    caseworker = "caseworker"
    verifier = "verifier"
    supervisor = "supervisor"
    admin = "admin"
    auditor = "auditor"
    public = "public"
    credit_officer = "credit_officer"  # the credit office (信用主管部门): grading rules, credit repair
    department = "department"  # a department's catalogue officer: drafts catalogue revisions
    bureau = "bureau"  # the legal-affairs bureau (司法局): reviews, files and publishes the catalogue


class ApplicationStatus(StrEnum):
    opening = "opening"
    notified = "notified"
    reviewing = "reviewing"
    approved = "approved"
    verifying = "verifying"
    rectifying = "rectifying"
    fulfilled = "fulfilled"
    rectified = "rectified"
    rejected = "rejected"
    terminated = "terminated"
    revoked = "revoked"
    cancelled = "cancelled"
    hearing = "hearing"  # revocation proposed: statement period (陈述申辩), then the supervisor decides
    no_finding = "no_finding"  # window over, commitments not all verified, nothing untrue found
    sanctioned = "sanctioned"  # window over, an untrue promise dealt with by penalty or referral
    aborted = "aborted"  # read model only: the workflow was terminated or failed outside the process


class MatterMode(StrEnum):
    """How a matter is being proven."""

    undecided = "undecided"
    commitment = "commitment"
    proof = "proof"


class VerificationState(StrEnum):
    """Where a committed matter stands in verification (核查)."""

    none = "none"  # not committed, or not yet approved
    exempt = "exempt"
    pending = "pending"  # verified during processing, result not yet in
    scheduled = "scheduled"  # timer running until due_at
    sampled_out = "sampled_out"  # not drawn; only a complaint makes it due
    due = "due"
    true = "true"
    untrue = "untrue"  # awaiting disposition
    rectifying = "rectifying"  # rectification ordered, evidence awaited
    reverifying = "reverifying"  # evidence in, re-verification due
    rectified = "rectified"
    revoked = "revoked"
    proposed = "proposed"  # revocation proposed on this finding, awaiting the organ's decision
    disposed = "disposed"  # an untrue finding closed by a penalty or a referral on its own


class DispositionAction(StrEnum):
    rectify = "rectify"
    revoke = "revoke"
    penalize = "penalize"
    refer = "refer"


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


@dataclass(frozen=True)
class OpenApplicationInput:
    application_id: str
    applicant: Applicant
    service: str
    matter_codes: list[str]
    opened_by: Actor
    sampling_probability: float = 0.3
    """Chance that a clean-credit applicant's after-decision verification is drawn (before
    graded-measures; since, the chance for a risk level the credit rules leave out)."""
    resume: CaseState | None = None
    """A case carried on from an earlier run whose history grew long (continue-as-new)."""
    sampling_fixed: bool = False
    """Every matter drawn with `sampling_probability`, whatever the credit rules say (a
    demonstration or a test: SAMPLING_PROBABILITY)."""
    continue_after_events: int = 10_000
    """A run whose history reaches this many events continues as new (or sooner, when the
    server suggests it); far below Temporal's limit of 51,200 events and 50 MB."""


@dataclass(frozen=True)
class LoadMattersInput:
    codes: list[str]


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


@dataclass(frozen=True)
class AssessCreditInput:
    applicant_id: str


@dataclass(frozen=True)
class RenderLettersInput:
    application_id: str
    applicant: Applicant
    service: str
    issued_on: str  # ISO date, workflow time
    matter_codes: list[str]
    opened_at: datetime | None = None
    """Workflow time of the opening: the 办理时限 runs from it."""


@dataclass(frozen=True)
class LetterRef:
    matter_code: str
    sha256: str


@dataclass(frozen=True)
class OpenedCase:
    """What a case opens with: the catalogue entries, the applicant's credit, the letters of
    the matters that may be done by commitment."""

    entries: list[MatterEntry]
    credit: CreditAssessment
    letters: list[LetterRef]
    procedure: Procedure | None = None
    decision_due_at: datetime | None = None
    """The service's 办理时限 from the opening, in working days; None if the data has none."""
    decision_basis: str | None = None


@dataclass(frozen=True)
class ScheduleInput:
    start: datetime
    working_days: int
    deadline_working_days: int


@dataclass(frozen=True)
class VerificationSchedule:
    due_at: datetime
    deadline_at: datetime
    provisional: bool
    note: str | None = None


@dataclass(frozen=True)
class CreditRecordInput:
    business_id: str
    """Unique per fact (application, matter, kind): retries and replays never write it twice."""
    applicant_id: str
    application_id: str
    kind: str
    severity: str
    matter_code: str | None
    at: datetime
    note: str
    actor_id: str = ""
    """Who decided the fact (an applicant: their pseudonym); `system`: a deadline."""


@dataclass(frozen=True)
class RecordCreditsInput:
    applicant_id: str
    records: list[CreditRecordInput]
    """The records one action or deadline writes, together."""


# --- updates (one input per human action) ---


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
class CancelInput:
    actor: Actor
    reason: str


# --- state, as queried and projected ---


@dataclass
class MatterCase:
    code: str
    name: str
    stage: str
    exempt: bool
    eligible: bool
    ineligible_reason: str | None = None
    letter_sha256: str | None = None
    mode: MatterMode = MatterMode.undecided
    commitment_sha256: str | None = None
    committed_at: datetime | None = None
    proof_sha256: str | None = None
    withdrawn_reason: str | None = None
    verification: VerificationState = VerificationState.none
    sampled: bool | None = None
    due_at: datetime | None = None
    deadline_at: datetime | None = None
    provisional_deadline: bool = False
    calendar_note: str | None = None
    escalated: bool = False
    findings: str | None = None
    rectify_by: datetime | None = None
    verification_days: int = 0
    deadline_days: int = 0
    schedule_round: int = 0
    """Counts due-date requests: only the answer to the newest one is applied."""
    window_end: datetime | None = None
    """The end of this matter's own supervision period (日常监管)."""
    signature: str | None = None
    scan_sha256: str | None = None
    recorded_by: str | None = None
    sampling_probability: float | None = None
    """The chance of after-approval verification used in the draw (graded measures)."""
    draw: float | None = None
    verification_method: str | None = None
    """on_site (现场核查) | data (数据核查), by the applicant's grade."""
    risk_level: str | None = None


@dataclass
class Hearing:
    """A revocation proposed: grounds told to the applicant, a statement period, a statement."""

    grounds: str
    matters: list[str]
    proposed_at: datetime
    statement_until: datetime | None = None
    statement: str | None = None
    stated_at: datetime | None = None
    period_over: bool = False


@dataclass(frozen=True)
class AdverseDecision:
    """A decision against the applicant, with its legal basis and remedies."""

    kind: str  # reject | terminate | revoke | penalize | refer
    label: str
    at: datetime
    actor_id: str
    reason: str
    basis: str
    remedies: str
    decision_no: str | None = None
    receiving_organ: str | None = None


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: datetime
    actor_id: str
    role: str
    action: str
    summary: str
    """Plain Chinese: what happened and why."""


@dataclass
class ApplicationView:
    application_id: str
    applicant: Applicant
    service: str
    status: ApplicationStatus
    matters: list[MatterCase]
    credit_grade: str | None = None
    barred_reason: str | None = None
    penalized: bool = False
    referred: bool = False
    decision_reason: str | None = None
    approved_at: datetime | None = None
    window_ends_at: datetime | None = None
    closed_at: datetime | None = None
    opened_at: datetime | None = None
    decision_due_at: datetime | None = None
    decision_overdue: bool = False
    hearing: Hearing | None = None
    decisions: list[AdverseDecision] = field(default_factory=list)
    follow_up_until: datetime | None = None
    departments: list[str] = field(default_factory=list)
    """The departments whose matters the case has: who may see and act on it."""
    next_deadline: datetime | None = None
    escalated: bool = False
    """A deadline was missed and reported to the supervisor (a verification or the 办理时限)."""


@dataclass(frozen=True)
class ProjectionInput:
    view: ApplicationView
    new_events: list[TimelineEntry]
    seq: int = 0
    """Orders the projections of one case: an older attempt never overwrites a newer one."""
    projected_before: int | None = None
    """How many timeline entries the case had before new_events. Given (lean cases), the write
    is the whole truth: new_events replace entries of the same number, entries numbered past
    the case's count go (a thrown-away workflow task's). None: cases before lean-life."""


@dataclass(frozen=True)
class CaseState:
    """Everything a case knows, carried into its next run when its history grows long."""

    status: ApplicationStatus
    matters: list[MatterCase]
    entries: list[MatterEntry]
    credit: CreditAssessment | None
    grade_now: CreditAssessment | None
    events: list[TimelineEntry]
    """Timeline entries not yet projected (normally none)."""
    event_base: int
    """Timeline entries of the earlier runs, all projected."""
    projections: int
    penalized: bool
    referred: bool
    decision_reason: str | None
    opened_at: datetime | None
    approved_at: datetime | None
    window_end: datetime | None
    closed_at: datetime | None
    complained: bool
    procedure: Procedure
    decision_due_at: datetime | None
    decision_basis: str | None
    decision_overdue: bool
    hearing: Hearing | None
    decisions: list[AdverseDecision]
    follow_up_until: datetime | None
    follow_up_closed: bool
    run: int
    """This state starts the case's run number `run` (the first run is 1)."""
