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


class CommitBody(BaseModel):
    matter: str = Code
    letter_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


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


class VerificationBody(BaseModel):
    matter: str = Code
    truthful: bool
    findings: str = Text


class DispositionBody(BaseModel):
    action: DispositionAction
    reason: str = Text
    deadline_days: int | None = Field(None, ge=1, le=MAX_RECTIFY_DAYS)
    also: list[Literal[DispositionAction.penalize, DispositionAction.refer]] = Field(default_factory=list)

    @model_validator(mode="after")
    def rectify_needs_deadline(self) -> DispositionBody:
        if self.action == DispositionAction.rectify and self.deadline_days is None:
            raise ValueError("rectify needs deadline_days")
        return self


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
    workflow_id: str


class Received(BaseModel):
    """What someone who may not read the case learns of their action on it."""

    id: str
    received: bool
    message: str = "已收到，将依法处理"
