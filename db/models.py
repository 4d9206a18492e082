"""SQLModel tables. The workflow is the source of truth; these rows are its projection."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Dialect, TypeDecorator
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
    decision_due_at: datetime | None = At(default=None)
    decision_overdue: bool = False
    hearing: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    decisions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    follow_up_until: datetime | None = At(default=None)
    departments: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    next_deadline: datetime | None = At(default=None, index=True)
    escalated: bool = False
    updated_at: datetime | None = At(default=None)
    projection_seq: int = Field(default=0, sa_type=BigInteger)


class CaseEvent(SQLModel, table=True):
    """The timeline: who did what, when and why, in Chinese."""

    application_id: str = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    at: datetime = At()
    actor_id: str
    role: str
    action: str
    summary: str


class Letter(SQLModel, table=True):
    """A rendered commitment letter, kept outside history and referred to by its hash."""

    sha256: str = Field(primary_key=True)
    application_id: str = Field(index=True)
    matter_code: str
    text: str
    rendered_at: datetime = At()


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
    received_at: datetime = At()
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
