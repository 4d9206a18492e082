"""Request bodies (validated: a malformed body is a 422) and response shapes.

Every string a client sends is one of the constrained types below: bounded in length, and free of
what has no business in a record — lone surrogates (JSON "\\ud800", which cannot even be written
back out as UTF-8) and control characters (NUL and the rest of C0; `Text` keeps \\n, \\r and \\t).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from activities.procedure import termination_grounds
from credit import identity
from workflows.repair_types import RepairStatus
from workflows.rules import MAX_RECTIFY_DAYS
from workflows.types import DispositionAction

SURROGATE = re.compile(r"[\ud800-\udfff]")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but \t \n \r


def _refuse(value: Any, control: re.Pattern[str]) -> Any:
    """Runs before the length check (which refuses a surrogate with a less clear message)."""
    if isinstance(value, str):
        if SURROGATE.search(value):
            raise ValueError("含有无效字符（未配对的 Unicode 代理项）/ contains an unpaired surrogate (invalid Unicode)")
        if bad := control.search(value):
            raise ValueError(f"含有控制字符 U+{ord(bad.group()):04X} / contains a control character (U+{ord(bad.group()):04X})")
    return value


def _no_control(value: Any) -> Any:
    return _refuse(value, CONTROL)


def _text_controls(value: Any) -> Any:
    return _refuse(value, CONTROL_IN_TEXT)


ONE_LINE = BeforeValidator(_no_control)
"""One line (a name, a code, a number): no surrogates, no control characters at all."""
FREE_TEXT = BeforeValidator(_text_controls)
"""Free text (a reason, findings): line breaks and tabs allowed, other control characters not."""

# The constraints first, the character check after: it then runs first (a surrogate is refused
# with its own message) and a length error keeps pydantic's string message.
Text = Annotated[str, Field(min_length=1, max_length=2000), FREE_TEXT]
Code = Annotated[str, Field(min_length=1, max_length=64), ONE_LINE]
Name = Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]
DecisionNo = Annotated[str, Field(min_length=1, max_length=100), ONE_LINE]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

# 居民身份证号码 (18: 17 digits and a check digit or X; the old 15-digit form) and 统一社会信用代码
# (18 characters of the code's alphabet, which has no I, O, S, V, Z): personal or company data, not
# an application number, and it would become the id of a workflow.
ID_NUMBER = re.compile(r"\d{17}[\dX]|\d{15}")
CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
NOT_AN_ID_NUMBER = "申请编号不得使用身份证件号码或统一社会信用代码"


def not_an_id_number(value: str) -> str:
    """The whole number, or any part of it between separators (., _, -), upper-cased."""
    for part in {value, *re.split(r"[._-]", value)}:
        if ID_NUMBER.fullmatch(part.upper()) or CREDIT_CODE.fullmatch(part.upper()):
            raise ValueError(
                f"{NOT_AN_ID_NUMBER} / an application number must not be a personal ID number or a unified social credit code"
            )
    return value


ApplicationId = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$"), ONE_LINE, AfterValidator(not_an_id_number)
]


class ErrorOut(BaseModel):
    """An error: what went wrong, in Chinese (and English where the client may not read Chinese)."""

    detail: str


def _error(description: str) -> dict[str, Any]:
    # the content spelled out (not `model`): errors are JSON even where the route answers text/plain
    return {"description": description, "content": {"application/json": {"schema": ErrorOut.model_json_schema()}}}


# What any route may answer besides its own success and 422 (documented per route by FastAPI).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("Malformed request (the body could not be parsed)"),
    401: _error("Not authenticated: a bearer token is missing or invalid"),
    403: _error("Forbidden for this role or actor"),
    404: _error("Not found"),
    409: _error("Conflict: the case's state does not allow this action, or the id is taken"),
    413: _error("Request body too large (MAX_BODY_BYTES)"),
    429: _error("Too many requests: retry after Retry-After seconds"),
    500: _error("Internal error (no details; logged with the reference given)"),
    503: _error("Busy: retry after Retry-After seconds"),
    504: _error("No answer in time: the action may still take effect; retry with the same Idempotency-Key"),
}


class ApplicantIn(BaseModel):
    id: Code
    name: Name
    kind: Literal["person", "company"]

    @model_validator(mode="after")
    def valid_id(self) -> ApplicantIn:
        """A person by resident ID number, a company by unified social credit code (check digits
        included); kept normalised (upper case, no spaces)."""
        self.id = identity.validate(self.id, self.kind)
        return self


class ApplicationCreate(BaseModel):
    application_id: ApplicationId
    applicant: ApplicantIn
    service: Name
    matters: list[Code] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def distinct_matters(self) -> ApplicationCreate:
        if len(set(self.matters)) != len(self.matters):
            raise ValueError("matters must not repeat")
        return self


class CommitBody(BaseModel):
    matter: Code
    letter_sha256: Sha256 | None = None
    signature: Literal["online", "paper"] = "online"
    """paper: a letter the applicant signed at the counter, recorded by the caseworker."""
    scan_sha256: Sha256 | None = None
    """paper: the SHA-256 of the scanned signed letter."""

    @model_validator(mode="after")
    def paper_needs_scan(self) -> CommitBody:
        if self.signature == "paper" and not self.scan_sha256:
            raise ValueError("a paper commitment needs scan_sha256")
        return self


class ProofBody(BaseModel):
    matter: Code
    document: Text


class WithdrawBody(BaseModel):
    matter: Code
    reason: Text


class DecisionBody(BaseModel):
    approve: bool
    reason: Text


class ComplaintBody(BaseModel):
    text: Text
    contact: Name | None = None
    """Optional, for the office to reply: not shown in the case's timeline."""


class VerificationBody(BaseModel):
    matter: Code
    truthful: bool
    findings: Text


class DispositionBody(BaseModel):
    action: DispositionAction
    reason: Text
    deadline_days: int | None = Field(None, ge=1, le=MAX_RECTIFY_DAYS)
    also: list[Literal[DispositionAction.penalize, DispositionAction.refer]] = Field(default_factory=list, max_length=2)
    decision_no: DecisionNo | None = None
    """决定书文号: needed for a penalty or a referral."""
    receiving_organ: Name | None = None
    """移送机关: needed for a referral."""
    keep_decision: Text | None = None
    """A penalty on its own, while the decision stands: the ground for keeping it (public interest,
    行政许可法 第六十九条第三款). Without it the finding stays open for rectification or revocation."""

    @model_validator(mode="after")
    def complete(self) -> DispositionBody:
        actions = {self.action, *self.also}
        if self.action == DispositionAction.rectify and self.deadline_days is None:
            raise ValueError("rectify needs deadline_days")
        if actions & {DispositionAction.penalize, DispositionAction.refer} and not self.decision_no:
            raise ValueError("a penalty or a referral needs decision_no")
        if DispositionAction.refer in actions and not self.receiving_organ:
            raise ValueError("a referral needs receiving_organ")
        if self.keep_decision and self.action != DispositionAction.penalize:
            raise ValueError("keep_decision goes with a penalty as the main action")
        return self


class StatementBody(BaseModel):
    text: Text


class RevocationBody(BaseModel):
    revoke: bool
    reason: Text
    decision_no: DecisionNo | None = None
    finding_stands: bool = True
    """Not revoking: true keeps the untrue finding for another measure; false corrects it to true."""

    @model_validator(mode="after")
    def revoke_needs_number(self) -> RevocationBody:
        if self.revoke and not self.decision_no:
            raise ValueError("a revocation needs decision_no")
        return self


class CloseBody(BaseModel):
    reason: Text


class RectificationBody(BaseModel):
    matter: Code
    evidence: Text


def known_ground(value: str | None) -> str | None:
    """A ground of 终止办理 from the procedure's list (activities/data/procedure.json)."""
    grounds = termination_grounds()
    if value is not None and value not in grounds:
        raise ValueError(f"终止事由须为以下之一 / ground must be one of: {', '.join(grounds)}")
    return value


class CancelBody(BaseModel):
    """The applicant withdraws; the office ends the case (终止办理) on a ground, with its number."""

    reason: Text
    ground: Annotated[Code | None, AfterValidator(known_ground)] = None
    """The office's 终止办理: a ground of GET /termination-grounds."""
    decision_no: DecisionNo | None = None
    """终止办理决定书文号."""


class ServiceBody(BaseModel):
    """A notice served in person (直接送达) or by post (邮寄送达), with the date of receipt."""

    notice: int = Field(ge=1, le=10_000)
    method: Literal["in_person", "post"]
    served_at: AwareDatetime
    """When the applicant received it: the 送达回证's signature or the postal receipt's date."""


class NoticeBody(BaseModel):
    notice: int = Field(ge=1, le=10_000)


class ActionOut(BaseModel):
    """Something the caller may do on the case now: POST /applications/{id}/{action}."""

    action: str
    matter: str | None = None
    """The matter it is about (send it as `matter`)."""
    measure: str | None = None
    """For a disposition: the measure (send it as `action` in the body)."""


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
    notices: list[dict[str, Any]] = []
    """What was served on the applicant, and how (without the texts: GET …/notices/{no} opens one)."""
    follow_up_until: datetime | None = None
    departments: list[str] = []
    next_deadline: datetime | None = None
    escalated: bool = False
    workflow_id: str
    actions: list[ActionOut] | None = None
    """What the caller may do now (workflows/guards.py, the rules the workflow's validators
    apply), per matter first; None in lists (ask the case)."""


class Received(BaseModel):
    """What someone who may not read the case learns of their action on it."""

    id: str
    received: bool
    message: str = "已收到，将依法处理"


class ClaimBody(BaseModel):
    matter: Code | None = None
    """A matter of the case (a verifier's item); none: the case itself (a caseworker's)."""


class ReassignBody(BaseModel):
    matter: Code | None = None
    holder_id: Code
    holder_role: Literal["caseworker", "verifier"]
    reason: Text


class ClaimOut(BaseModel):
    application_id: str
    matter: str | None
    holder_id: str
    holder_role: str
    holder_label: str
    claimed_at: datetime
    assigned_by: str | None


# ---- credit repair (信用修复) -------------------------------------------------------------------

Evidence = Annotated[str, Field(min_length=1, max_length=20_000), FREE_TEXT]
RecordId = Annotated[str, Field(min_length=1, max_length=200)]


class RepairCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record_ids: list[RecordId] = Field(min_length=1, max_length=50)
    """The applicant's unrepaired adverse records to repair."""
    evidence: Evidence
    """What shows the dishonest act corrected and the duties fulfilled, and the credit commitment."""


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("准予或不予信用修复，均须说明理由")
    return value


class RepairDecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    reason: Annotated[Text, AfterValidator(not_blank)]


class RepairWithdrawBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text | None = None


class RepairOut(BaseModel):
    id: str
    workflow_id: str
    applicant_id: str
    record_ids: list[str]
    evidence: str | None = None
    """Shown to the applicant and the office; the workflow has only its SHA-256."""
    evidence_sha256: str
    status: RepairStatus
    status_label: str
    applied_at: datetime
    due_at: datetime | None
    overdue: bool
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None
