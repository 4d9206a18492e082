"""A case as it stands: its matters, hearing, decisions and timeline; its view (queried and projected); the whole state continue-as-new carries; the workflow's input."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workflows.types.enums import ApplicationStatus, MatterMode, VerificationState
from workflows.types.parties import Actor, Applicant, CreditAssessment, MatterEntry, Procedure


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


@dataclass(frozen=True)
class Statement:
    """One statement and defence (陈述、申辩) on record."""

    text: str
    at: datetime


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
    statements: list[Statement] = field(default_factory=list)
    """Every statement made in this hearing, also those on grounds a later proposal joined."""


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
    ground: str | None = None
    """终止办理: the ground's id (organ-terminates)."""
    keeps_decision: str | None = None
    """A penalty that keeps the decision: the recorded ground (measures-keep-rights)."""


@dataclass
class Notice:
    """A document the office serves on the applicant (送达): a decision, a proposal, an order, a
    finding; how and when it was served, and when the applicant first opened it."""

    no: int
    kind: str
    """approval | reject | terminate | finding | proposal | revoke | not_revoke | order | penalize | refer"""
    title: str
    issued_at: datetime
    text: str
    matters: list[str] = field(default_factory=list)
    decision_no: str | None = None
    period_days: int | None = None
    """An order's period in calendar days, counted from service (自收到之日起)."""
    deemed_at: datetime | None = None
    """Not served otherwise by then, it is deemed served then (the procedure's rule)."""
    served_at: datetime | None = None
    method: str | None = None
    """in_person (直接送达) | post (邮寄送达) | electronic (opened in the console or the API) | deemed"""
    served_by: str | None = None
    read_at: datetime | None = None
    """The applicant first opened it."""


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
    notices: list[Notice] = field(default_factory=list)
    """What was served on the applicant, and how (notices-served)."""


@dataclass
class CaseState:
    """Everything a case knows: the workflow's state, read by its view and carried whole into
    its next run when its history grows long (field names and defaults stay: recorded continued
    histories carry them)."""

    status: ApplicationStatus = ApplicationStatus.opening
    matters: list[MatterCase] = field(default_factory=list)
    entries: list[MatterEntry] = field(default_factory=list)
    credit: CreditAssessment | None = None
    grade_now: CreditAssessment | None = None
    """The applicant's grade after this case's own credit records."""
    events: list[TimelineEntry] = field(default_factory=list)
    """Timeline entries of this run (carried on: those not yet projected, normally none)."""
    event_base: int = 0
    """Timeline entries of the earlier runs, all projected."""
    projections: int = 0
    penalized: bool = False
    referred: bool = False
    decision_reason: str | None = None
    opened_at: datetime | None = None
    approved_at: datetime | None = None
    window_end: datetime | None = None
    closed_at: datetime | None = None
    complained: bool = False
    """A complaint came before the decision: every commitment is verified first."""
    procedure: Procedure = field(default_factory=Procedure)
    decision_due_at: datetime | None = None
    decision_basis: str | None = None
    decision_overdue: bool = False
    hearing: Hearing | None = None
    decisions: list[AdverseDecision] = field(default_factory=list)
    follow_up_until: datetime | None = None
    follow_up_closed: bool = False
    run: int = 1
    """This state starts the case's run number `run` (the first run is 1)."""
    notices: list[Notice] = field(default_factory=list)
    patches: list[str] | None = None
    """The case-wide patches the case follows, as its first run answered them: a later run (a
    new history, where `patched` is True) keeps them. None: a state carried before this field."""

    def matter(self, code: str) -> MatterCase:
        return next(m for m in self.matters if m.code == code)

    def entry(self, code: str) -> MatterEntry:
        return next(e for e in self.entries if e.code == code)


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
