"""Credit repair (信用修复): the applicant applies, the credit office decides from its queue.

The application is checked here against the archive and the rules (credit/repair.py: the
records are the applicant's, adverse, unrepaired, not in another pending repair, and past their
minimum period — else 409 with the date it becomes possible); the evidence is kept in the
`creditrepair` row and the workflow gets its SHA-256, the applicant's pseudonym, and decision
reasons as text references. Decisions and withdrawals are Updates: the workflow's validators
refuse a wrong role (403) or state (409) before anything reaches history.
"""

# No `from __future__ import annotations`: FastAPI reads the body types.

import hashlib
import uuid
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import nulls_last
from sqlmodel import Session, col, select
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.errors import CaseGone
from api.deps import CurrentActor, DbDep, PseudonymsDep, SessionDep, SettingsDep, TemporalDep
from api.schemas import FREE_TEXT, Text
from credit import repair as archive
from db.models import CreditRepair
from security import texts
from workflows.repair import CreditRepairWorkflow as W
from workflows.repair_types import (
    REPAIR_STATUS_LABELS,
    RepairDecisionInput,
    RepairInput,
    RepairStatus,
    RepairWithdrawInput,
    repair_workflow_id,
)
from workflows.rules import ROLE_LABELS
from workflows.types import Actor, Role

router = APIRouter(tags=["credit"])

OFFICE = frozenset({Role.credit_officer, Role.supervisor, Role.auditor, Role.admin})  # who reads the queue
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


def repair_out(row: CreditRepair) -> RepairOut:
    return RepairOut(
        workflow_id=repair_workflow_id(row.id),
        status_label=REPAIR_STATUS_LABELS[RepairStatus(row.status)],
        **row.model_dump(exclude={"pseudonym"}),
    )


def visible(row: CreditRepair | None, actor: Actor) -> CreditRepair:
    """The repair if the actor may see it: the office, or the applicant themself; else 404/403."""
    if row is None:
        raise HTTPException(404, "信用修复申请不存在")
    if actor.role in OFFICE or (actor.role == Role.applicant and actor.id == row.applicant_id):
        return row
    raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权查看此信用修复申请")


@router.post(
    "/applicants/{applicant_id}/credit/repairs",
    status_code=201,
    responses={200: {"model": RepairOut, "description": "The same Idempotency-Key again: the repair as it stands"}},
)
async def apply_for_repair(
    applicant_id: str,
    body: RepairCreate,
    actor: CurrentActor,
    db: DbDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    pseudonyms: PseudonymsDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> RepairOut:
    """Apply to repair one or more records of one's own archive, with evidence (the applicant
    themself; nobody applies on their behalf)."""
    if actor.role != Role.applicant:
        raise HTTPException(403, f"信用修复须由申请人本人申请，{ROLE_LABELS[actor.role]}不得代为申请")
    if actor.id != applicant_id:
        raise HTTPException(403, "申请人只能为本人的信用记录申请修复")
    repair_id = archive.repair_id(applicant_id, idempotency_key) if idempotency_key else uuid.uuid4().hex[:16]
    pseudonym = pseudonyms.of(applicant_id)

    def register(session: Session) -> tuple[CreditRepair, bool]:
        row = session.get(CreditRepair, repair_id)
        if row is not None:  # the same request again
            if row.record_ids != body.record_ids or row.evidence != body.evidence:
                raise HTTPException(409, "该 Idempotency-Key 已用于另一信用修复申请")
            return row, False
        now = datetime.now(timezone.utc)
        try:
            archive.check(session, applicant_id, body.record_ids, now)
            archive.claim(session, repair_id, body.record_ids)
        except archive.Refused as refused:
            raise HTTPException(refused.status, refused.message) from None
        row = CreditRepair(
            id=repair_id,
            applicant_id=applicant_id,
            pseudonym=pseudonym,
            record_ids=body.record_ids,
            evidence=body.evidence,
            evidence_sha256=hashlib.sha256(body.evidence.encode()).hexdigest(),
            status=RepairStatus.pending,
            applied_at=now,
        )
        session.add(row)
        session.commit()
        session.refresh(row)
        return row, True

    row, created = await db(register)
    if row.status != RepairStatus.pending:  # decided already: nothing to start
        response.status_code = 200
        return repair_out(row)
    start = WithStartWorkflowOperation(
        W.run,
        RepairInput(repair_id=row.id, applicant=pseudonym, record_ids=row.record_ids, evidence_sha256=row.evidence_sha256),
        id=repair_workflow_id(row.id),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        static_summary=f"信用修复申请（{len(row.record_ids)}条记录）",
    )
    try:
        await temporal.update_with_start(W.submitted, start)
    except WorkflowAlreadyStartedError:
        pass  # closed meanwhile: the row says how
    if not created:
        response.status_code = 200
    return repair_out(await db(lambda s: visible(s.get(CreditRepair, repair_id), actor)))


@router.get("/credit/repairs")
def list_repairs(
    session: SessionDep,
    actor: CurrentActor,
    status: RepairStatus | None = None,
    overdue: bool | None = None,
    applicant: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RepairOut]:
    """The credit office's queue: repairs by status (pending by default… or any given), oldest
    due first; an applicant sees only their own."""
    if actor.role == Role.applicant:
        applicant = actor.id
    elif actor.role not in OFFICE:
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权查看信用修复申请")
    query = select(CreditRepair).order_by(nulls_last(col(CreditRepair.due_at).asc()), col(CreditRepair.applied_at)).limit(limit)
    if status is not None:
        query = query.where(CreditRepair.status == status)
    if overdue is not None:
        query = query.where(CreditRepair.overdue == overdue)
    if applicant:
        query = query.where(CreditRepair.applicant_id == applicant)
    return [repair_out(r) for r in session.exec(query)]


@router.get("/credit/repairs/{repair_id}")
def get_repair(repair_id: str, session: SessionDep, actor: CurrentActor) -> RepairOut:
    """One repair, with its evidence (the office, or the applicant themself)."""
    return repair_out(visible(session.get(CreditRepair, repair_id), actor))


def update_id(action: str, key: str | None, actor: Actor, body: BaseModel) -> str | None:
    """An Idempotency-Key names one request of one actor with one body."""
    if key is None:
        return None
    digest = hashlib.sha256(f"{actor.role}:{actor.id}:{body.model_dump_json()}".encode()).hexdigest()[:16]
    return f"{action}:{key}:{digest}"


def found(session: Session, repair_id: str) -> CreditRepair:
    row = session.get(CreditRepair, repair_id)
    if row is None:
        raise HTTPException(404, "信用修复申请不存在")
    return row


def kept(session: Session, repair_id: str, text: str | None, actor: Actor) -> str | None:
    """The repair known (404 if not) and a free text kept outside history: its reference."""
    found(session, repair_id)
    if text is None:
        return None
    ref = texts.keep(session, repair_workflow_id(repair_id), "reason", text, actor.id)
    session.commit()
    return ref


async def act(repair_id: str, db: DbDep, temporal: TemporalDep, call: Any) -> RepairOut:
    """Send an Update to the repair (its validators refuse a wrong role or state); answer with
    its row as the Update left it."""
    try:
        await temporal(call(temporal.client.get_workflow_handle(repair_workflow_id(repair_id))))
    except CaseGone:  # the workflow has ended: the repair was decided or withdrawn
        row = await db(lambda s: found(s, repair_id))
        raise HTTPException(409, f"信用修复申请当前状态为「{REPAIR_STATUS_LABELS[RepairStatus(row.status)]}」，不能执行此操作") from None
    return repair_out(await db(lambda s: found(s, repair_id)))


@router.post("/credit/repairs/{repair_id}/decision")
async def decide_repair(
    repair_id: str,
    body: RepairDecisionBody,
    actor: CurrentActor,
    db: DbDep,
    temporal: TemporalDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> RepairOut:
    """Approve or reject, with a reason (the credit office). Approval repairs the records,
    re-grades the applicant (the bar on commitment lifts) and pushes the repair."""
    reason = await db(lambda s: kept(s, repair_id, body.reason, actor))
    inp = RepairDecisionInput(actor=actor, approve=body.approve, reason=reason or "")
    return await act(repair_id, db, temporal, lambda h: h.execute_update(W.decide, inp, id=update_id("decide", idempotency_key, actor, body)))


@router.post("/credit/repairs/{repair_id}/withdraw")
async def withdraw_repair(
    repair_id: str,
    body: RepairWithdrawBody,
    actor: CurrentActor,
    db: DbDep,
    temporal: TemporalDep,
    pseudonyms: PseudonymsDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> RepairOut:
    """Withdraw a pending repair (the applicant themself)."""
    known = Actor(pseudonyms.of(actor.id), actor.role) if actor.role == Role.applicant else actor
    reason = await db(lambda s: kept(s, repair_id, body.reason, actor))
    inp = RepairWithdrawInput(actor=known, reason=reason)
    return await act(repair_id, db, temporal, lambda h: h.execute_update(W.withdraw, inp, id=update_id("withdraw", idempotency_key, actor, body)))
