"""Request bodies (validated: a malformed body is a 422) and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from workflows.rules import MAX_RECTIFY_DAYS
from workflows.types import DispositionAction

Text = Field(min_length=1, max_length=2000)
Code = Field(min_length=1, max_length=64)


class ApplicantIn(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["person", "company"]


class ApplicationCreate(BaseModel):
    application_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    applicant: ApplicantIn
    service: str = Field(min_length=1, max_length=200)
    matters: list[str] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def distinct_matters(self) -> ApplicationCreate:
        if len(set(self.matters)) != len(self.matters):
            raise ValueError("matters must not repeat")
        return self


Sha256 = Field(None, pattern=r"^[0-9a-f]{64}$")


class CommitBody(BaseModel):
    matter: str = Code
    letter_sha256: str | None = Sha256
    signature: Literal["online", "paper"] = "online"
    """paper: a letter the applicant signed at the counter, recorded by the caseworker."""
    scan_sha256: str | None = Sha256
    """paper: the SHA-256 of the scanned signed letter."""

    @model_validator(mode="after")
    def paper_needs_scan(self) -> CommitBody:
        if self.signature == "paper" and not self.scan_sha256:
            raise ValueError("a paper commitment needs scan_sha256")
        return self


class ProofBody(BaseModel):
    matter: str = Code
    document: str = Text


class WithdrawBody(BaseModel):
    matter: str = Code
    reason: str = Text


class DecisionBody(BaseModel):
    approve: bool
    reason: str = Text


class ComplaintBody(BaseModel):
    text: str = Text
    contact: str | None = Field(None, min_length=1, max_length=200)
    """Optional, for the office to reply: not shown in the case's timeline."""


class VerificationBody(BaseModel):
    matter: str = Code
    truthful: bool
    findings: str = Text


class DispositionBody(BaseModel):
    action: DispositionAction
    reason: str = Text
    deadline_days: int | None = Field(None, ge=1, le=MAX_RECTIFY_DAYS)
    also: list[Literal[DispositionAction.penalize, DispositionAction.refer]] = Field(default_factory=list)
    decision_no: str | None = Field(None, min_length=1, max_length=100)
    """决定书文号: needed for a penalty or a referral."""
    receiving_organ: str | None = Field(None, min_length=1, max_length=200)
    """移送机关: needed for a referral."""

    @model_validator(mode="after")
    def complete(self) -> DispositionBody:
        actions = {self.action, *self.also}
        if self.action == DispositionAction.rectify and self.deadline_days is None:
            raise ValueError("rectify needs deadline_days")
        if actions & {DispositionAction.penalize, DispositionAction.refer} and not self.decision_no:
            raise ValueError("a penalty or a referral needs decision_no")
        if DispositionAction.refer in actions and not self.receiving_organ:
            raise ValueError("a referral needs receiving_organ")
        return self


class StatementBody(BaseModel):
    text: str = Text


class RevocationBody(BaseModel):
    revoke: bool
    reason: str = Text
    decision_no: str | None = Field(None, min_length=1, max_length=100)
    finding_stands: bool = True
    """Not revoking: true keeps the untrue finding for another measure; false corrects it to true."""

    @model_validator(mode="after")
    def revoke_needs_number(self) -> RevocationBody:
        if self.revoke and not self.decision_no:
            raise ValueError("a revocation needs decision_no")
        return self


class CloseBody(BaseModel):
    reason: str = Text


class RectificationBody(BaseModel):
    matter: str = Code
    evidence: str = Text


class CancelBody(BaseModel):
    reason: str = Text


class ApplicationOut(BaseModel):
    id: str
    status: str
    status_label: str
    applicant: dict[str, str]
    service: str
    matters: list[dict[str, Any]]
    credit_grade: str | None
    barred_reason: str | None
    penalized: bool
    referred: bool
    decision_reason: str | None
    opened_at: datetime | None
    approved_at: datetime | None
    window_ends_at: datetime | None
    closed_at: datetime | None
    decision_due_at: datetime | None = None
    decision_overdue: bool = False
    hearing: dict[str, Any] | None = None
    decisions: list[dict[str, Any]] = []
    follow_up_until: datetime | None = None
    workflow_id: str


class Received(BaseModel):
    """What someone who may not read the case learns of their action on it."""

    id: str
    received: bool
    message: str = "已收到，将依法处理"
