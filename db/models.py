"""SQLModel tables. The workflow is the source of truth; these rows are its projection."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


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


class Application(SQLModel, table=True):
    """One row per application: the lasting guard of an idempotent start."""

    application_id: str = Field(primary_key=True)
    workflow_id: str = Field(unique=True)
    applicant_id: str = Field(index=True)
    applicant_name: str
    applicant_kind: str
    service: str
    status: str = Field(index=True)
    status_label: str
    credit_grade: str | None = None
    barred_reason: str | None = None
    penalized: bool = False
    referred: bool = False
    decision_reason: str | None = None
    matters: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    opened_at: datetime | None = None
    approved_at: datetime | None = None
    window_ends_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None


class CaseEvent(SQLModel, table=True):
    """The timeline: who did what, when and why, in Chinese."""

    application_id: str = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    at: datetime
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
    rendered_at: datetime


class CreditRecord(SQLModel, table=True):
    """An entry of the applicant's integrity archive (诚信档案)."""

    business_id: str = Field(primary_key=True)
    applicant_id: str = Field(index=True)
    application_id: str | None = None
    matter_code: str | None = None
    kind: str
    severity: str
    note: str
    at: datetime
    repaired: bool = False


class CalendarDay(SQLModel, table=True):
    """A day entered from the State Council's holiday notice: overrides the packaged calendars."""

    day: date = Field(primary_key=True)
    is_workday: bool
    source: str
