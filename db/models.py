"""SQLModel tables. The workflow is the source of truth; these rows are its projection."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Dialect, Index, LargeBinary, TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def At(**kwargs: Any) -> Any:
    """A timestamp column."""
    return Field(sa_type=UTCDateTime, **kwargs)


class Matter(SQLModel, table=True):
    """A catalogue entry (证明事项告知承诺制清单)."""

    code: str = Field(primary_key=True)
    name: str
    services: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    department: str
    issuing_unit: str
    basis: str
    basis_rank: str = ""
    act_type: str = ""
    content: str
    conditions: str = ""
    commitment_allowed: bool
    exclusion_reason: str | None = None
    verification_exempt: bool
    verification_stage: str
    verification_days: int
    verification_deadline_days: int
    verification_method: str
    verification_method_label: str = ""
    verification_standard: str
    supervision_days: int
    consequences: str
    publication: str = ""
    version: int = 1
    basis_source: str = ""
    """Where the basis was checked (publication and article, or URL), or why it could not be."""
    basis_verified: bool = False
    """True only where the published text was found and matches the basis quoted."""
    retired: bool = False
    """Withdrawn from the catalogue: kept as a row so stored cases still resolve, never offered again."""
    retired_reason: str | None = None
    risk_level: str = "medium"
    """low | medium | high: with the applicant's credit grade, sets the chance of after-approval verification."""


class Application(SQLModel, table=True):
    """One row per application: the lasting guard of an idempotent start."""

    application_id: str = Field(primary_key=True)
    workflow_id: str = Field(unique=True)
    applicant_id: str = Field(index=True)
    applicant_name: str
    applicant_kind: str
    applicant_ref: str | None = None
    """The applicant as the workflow knows them (a pseudonym); None: opened before pseudonyms,
    the workflow knows the applicant by `applicant_id`."""
    service: str
    status: str = Field(index=True)
    status_label: str
    credit_grade: str | None = None
    barred_reason: str | None = None
    penalized: bool = False
    referred: bool = False
    decision_reason: str | None = None
    matters: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    opened_at: datetime | None = At(default=None)
    approved_at: datetime | None = At(default=None)
    window_ends_at: datetime | None = At(default=None)
    closed_at: datetime | None = At(default=None)
    decided_at: datetime | None = At(default=None)
    """When the application was approved or rejected (the figures' days to a decision)."""
    decision_due_at: datetime | None = At(default=None)
    decision_overdue: bool = False
    hearing: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    decisions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    follow_up_until: datetime | None = At(default=None)
    departments: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    next_deadline: datetime | None = At(default=None, index=True)
    escalated: bool = False
    notices: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    """What was served on the applicant (送达), with the texts; the case's answer leaves the texts out."""
    statement_until: datetime | None = At(default=None)
    """The end of the statement period (陈述申辩) of a proposed revocation: the hearings queue's order."""
    updated_at: datetime | None = At(default=None)
    projection_seq: int = Field(default=0, sa_type=BigInteger)

    __table_args__ = (  # the queues and lists: each filters and orders by one of these
        Index("ix_application_opened_at_application_id", "opened_at", "application_id"),
        Index("ix_application_status_decision_due_at", "status", "decision_due_at", "opened_at"),
        Index("ix_application_status_follow_up_until", "status", "follow_up_until"),
        Index("ix_application_escalated_next_deadline", "escalated", "next_deadline"),
        Index("ix_application_applicant_id_opened_at", "applicant_id", "opened_at"),
    )


class CaseMatter(SQLModel, table=True):
    """One row per matter of a case, written with the case's row: what the queues, the lists
    and the figures filter and order by (a department, a verification state, a deadline)."""

    application_id: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    department: str
    status: str
    """The case's status, opening and closing, copied so that a queue of matters is read from
    these rows alone (their case rows only for the page shown)."""
    opened_at: datetime | None = At(default=None)
    closed_at: datetime | None = At(default=None)
    name: str
    stage: str
    mode: str
    verification: str
    sampled: bool | None = None
    exempt: bool = False
    due_at: datetime | None = At(default=None)
    deadline_at: datetime | None = At(default=None)
    rectify_by: datetime | None = At(default=None)
    window_end: datetime | None = At(default=None)
    escalated: bool = False
    overdue: bool = False
    """Its verification was ever reported overdue (督办), even after a new due date reset `escalated`."""
    withdrawn: bool = False
    """The commitment was withdrawn before the decision (撤回承诺, proof instead)."""
    case_first: bool = False
    """The case's first matter (by code): the row by which the figures count a case once."""
    department_first: bool = False
    """The case's first matter of its department: the row by which a department counts the case once."""
    committed_at: datetime | None = At(default=None)

    __table_args__ = (
        Index("ix_casematter_verification_status_deadline_at", "verification", "status", "deadline_at", "opened_at"),
        Index("ix_casematter_verification_status_rectify_by", "verification", "status", "rectify_by", "opened_at"),
        Index("ix_casematter_department_verification_deadline_at", "department", "verification", "deadline_at", "opened_at"),
        Index("ix_casematter_department_status_application_id", "department", "status", "application_id"),
    )


class CaseEvent(SQLModel, table=True):
    """The timeline: who did what, when and why, in Chinese."""

    application_id: str = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    at: datetime = At()
    actor_id: str
    role: str
    action: str
    summary: str

    __table_args__ = (Index("ix_caseevent_action_application_id", "action", "application_id"),)  # complaints counted


class Letter(SQLModel, table=True):
    """A rendered commitment letter, kept outside history and referred to by its hash."""

    sha256: str = Field(primary_key=True)
    application_id: str = Field(index=True)
    matter_code: str
    text: str
    rendered_at: datetime = At()
    pdf: bytes | None = Field(default=None, sa_type=LargeBinary)
    """The letter as a PDF in two copies, rendered once (in the background, or at its first request)."""
    pdf_sha256: str | None = None
    """The PDF's own digest; the commitment stays bound to `sha256`, the text's."""


class CreditRecord(SQLModel, table=True):
    """An entry of the applicant's integrity archive (诚信档案)."""

    business_id: str = Field(primary_key=True)
    applicant_id: str = Field(index=True)
    application_id: str | None = None
    matter_code: str | None = None
    kind: str
    severity: str
    note: str
    at: datetime = At()
    repaired: bool = False
    actor_id: str = ""
    """Who decided the fact recorded (the case's actor)."""
    basis: str = ""
    """Its legal basis (法律依据)."""
    publication_until: datetime | None = At(default=None)
    """End of its publication period (公示期), from the credit rules when written; None: rows before 0008a."""
    repaired_at: datetime | None = At(default=None)
    """When credit repair was approved (信用修复)."""


class ApiToken(SQLModel, table=True):
    """A production token, kept as its SHA-256 only; it expires and can be revoked."""

    id: str = Field(primary_key=True)  # short public handle, for listing and revoking
    token_sha256: str = Field(unique=True)
    role: str
    actor_id: str
    department: str | None = None
    created_at: datetime = At()
    expires_at: datetime = At()
    revoked_at: datetime | None = At(default=None)
    note: str = ""


class CalendarDay(SQLModel, table=True):
    """A day entered from the State Council's holiday notice: overrides the packaged calendars."""

    day: date = Field(primary_key=True)
    is_workday: bool
    source: str


class Complaint(SQLModel, table=True):
    """A complaint as received (投诉举报登记): its text stays here; the case's history gets only
    its number and digest, and only the first of a window (the rest are merged into that check)."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(index=True)
    received_at: datetime = At(index=True)
    """The complaints queue reads the last month's by it."""
    actor_id: str
    role: str
    text: str
    text_sha256: str
    contact: str | None = None
    forwarded: bool = False
    """Sent to the case (verification due); False: merged into an earlier complaint's check."""
    forward_key: str | None = Field(default=None, unique=True)
    """`<application>:<day>` on the one complaint of that case and day that goes to the case."""


class ApplicantIdentity(SQLModel, table=True):
    """Who a pseudonym stands for. Workflows know applicants only by the pseudonym (a keyed hash of
    the ID number or credit code); this table, outside Temporal, resolves it."""

    pseudonym: str = Field(primary_key=True)
    id_number: str = Field(unique=True)
    name: str
    kind: str
    created_at: datetime = At()


class CaseText(SQLModel, table=True):
    """A free text of a case (a reason, finding, statement, evidence): kept here, while the case's
    history carries only its reference `⟦text:<sha256>⟧`."""

    application_id: str = Field(primary_key=True)
    sha256: str = Field(primary_key=True)
    field: str
    text: str
    actor_id: str
    at: datetime = At()


# --- credit supervision (信用监管): grading rules as versioned data, grades and their log ---


class CreditRuleSet(SQLModel, table=True):
    """A version of the grading rules (credit.rules.RuleBody as JSON). Versions are never changed:
    the newest is in force; version 1 is credit/data/rules.json."""

    version: int = Field(primary_key=True)
    rules: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str
    created_at: datetime = At()
    note: str = ""


class ApplicantGrade(SQLModel, table=True):
    """An applicant's grade as last assessed (kept current by credit.grading.regrade)."""

    applicant_id: str = Field(primary_key=True)
    grade: str
    rule_version: int
    updated_at: datetime = At()


class CreditGradeChange(SQLModel, table=True):
    """The log of grade changes: a record written, repaired, or a rule change (规则第N版)."""

    id: int | None = Field(default=None, primary_key=True)
    applicant_id: str = Field(index=True)
    old_grade: str | None = None
    new_grade: str
    rule_version: int
    at: datetime = At()
    cause: str


# --- catalogue revisions and published versions (issue 19) ---


class CatalogueRevision(SQLModel, table=True):
    """A revision of the catalogue (清单调整) as its workflow last projected it."""

    id: str = Field(primary_key=True)
    department: str | None = Field(default=None, index=True)
    """None: a district-wide revision (an administrator's import)."""
    status: str = Field(index=True)
    created_by: str
    created_at: datetime = At()
    updated_at: datetime | None = At(default=None)
    source: str = "manual"
    changes: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    comments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    """Who did what, when: each step with its actor, role and workflow time."""
    published_version: int | None = None


class CatalogueVersion(SQLModel, table=True):
    """A published catalogue version: immutable, numbered from 1 (the starter catalogue)."""

    number: int = Field(primary_key=True)
    published_at: datetime = At()
    published_by: str
    revision_id: str | None = Field(default=None, unique=True)
    """The revision it published (the key that makes publication idempotent); None for version 1."""
    entries: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    """Every catalogue row as it stood after publication, retired ones included."""


# --- the push to the credit platform (推送) and credit repair (信用修复), issue 18 ---


class CreditOutbox(SQLModel, table=True):
    """A credit event waiting for the credit platform: written in the same transaction as the fact
    it reports, delivered (or exported) later, each under its own key."""

    event_id: str = Field(primary_key=True)
    """The credit record's business id, or `repair:<id>` for an approved repair: the Idempotency-Key."""
    kind: str
    """record | repaired"""
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = At(index=True)
    delivered_at: datetime | None = At(default=None, index=True)
    attempts: int = 0
    last_error: str | None = None
    held_until: datetime | None = At(default=None)
    """Refused by the platform as malformed (a 4xx of its own): not offered again before this."""
    exported_at: datetime | None = At(default=None)


class CreditRepair(SQLModel, table=True):
    """A credit repair application (信用修复申请) as its workflow last projected it; the evidence
    text is kept only here, the workflow carries its SHA-256."""

    id: str = Field(primary_key=True)
    applicant_id: str = Field(index=True)
    """The real applicant id (ID number or credit code)."""
    pseudonym: str
    record_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    evidence: str
    evidence_sha256: str
    status: str = Field(index=True)
    """pending | approved | rejected | withdrawn"""
    applied_at: datetime = At()
    due_at: datetime | None = At(default=None, index=True)
    overdue: bool = False
    decided_at: datetime | None = At(default=None)
    decided_by: str | None = None
    reason: str | None = None


class RepairClaim(SQLModel, table=True):
    """A record in a repair application still open: one application at a time per record,
    however many arrive at once (the key refuses the second). Released when the application is
    rejected or withdrawn; an approved one keeps it (the record is repaired)."""

    record_id: str = Field(primary_key=True)
    repair_id: str = Field(index=True)


class Claim(SQLModel, table=True):
    """Who is handling a queue item (办理人): a case (`item` "") or one of its matters. Not an act
    of the case, so kept here and not in its workflow."""

    application_id: str = Field(primary_key=True)
    item: str = Field(default="", primary_key=True)
    holder_id: str = Field(index=True)
    holder_role: str
    claimed_at: datetime = At()
    assigned_by: str | None = None
    """A supervisor who gave it to the holder; None: the holder took it."""


class ClaimLog(SQLModel, table=True):
    """Every claim, release, reassignment and act on an item another person holds (confirmed)."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(index=True)
    item: str
    kind: str
    """claim | release | reassign | override"""
    actor_id: str
    holder_id: str | None = None
    note: str | None = None
    at: datetime = At()


class RateBucket(SQLModel, table=True):
    """A token bucket of a limit shared by every API process (api/ratelimits.py): `tokens` as they
    stood at `at` (seconds since the epoch)."""

    key: str = Field(primary_key=True)
    tokens: float
    at: float = Field(index=True)
