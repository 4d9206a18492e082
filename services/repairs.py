"""The credit repair service (信用修复): applying, the office's queue, deciding, withdrawing — as
the API's routes and the console both call it.

The application is checked against the archive and the rules (credit/repair.py: the records are
the applicant's, adverse, unrepaired, not in another pending repair, and past their minimum
period — else 409 with the date it becomes possible); the evidence is kept in the
`creditrepair` row and the workflow gets its SHA-256, the applicant's pseudonym, and decision
reasons as text references. Decisions and withdrawals are Updates: the workflow's validators
refuse a wrong role (403) or state (409) before anything reaches history.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone
from typing import Any

from fastapi import HTTPException
from sqlalchemy import nulls_last
from sqlmodel import Session, col, select
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.deps import Db
from api.errors import CaseGone
from api.schemas import RepairCreate, RepairDecisionBody, RepairOut, RepairWithdrawBody
from api.temporal import Temporal
from config import Settings
from credit import repair as archive
from db.models import CreditRepair
from security import texts
from security.pseudonyms import Pseudonyms
from services.cases import update_id
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

OFFICE = frozenset({Role.credit_officer, Role.supervisor, Role.auditor, Role.admin})  # who reads the queue


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


async def apply(
    applicant_id: str,
    body: RepairCreate,
    actor: Actor,
    db: Db,
    temporal: Temporal,
    settings: Settings,
    pseudonyms: Pseudonyms,
    idempotency_key: str | None = None,
) -> tuple[RepairOut, bool]:
    """Apply to repair one or more records of one's own archive, with evidence (the applicant
    themself; nobody applies on their behalf): (the repair, newly applied for)."""
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
        return repair_out(row), False
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
    return repair_out(await db(lambda s: visible(s.get(CreditRepair, repair_id), actor))), created


def queue(
    session: Session,
    actor: Actor,
    status: RepairStatus | None = None,
    overdue: bool | None = None,
    applicant: str | None = None,
    limit: int = 100,
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


def repair(session: Session, repair_id: str, actor: Actor) -> RepairOut:
    """One repair, with its evidence (the office, or the applicant themself)."""
    return repair_out(visible(session.get(CreditRepair, repair_id), actor))


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


async def act(repair_id: str, db: Db, temporal: Temporal, call: Any) -> RepairOut:
    """Send an Update to the repair (its validators refuse a wrong role or state); answer with
    its row as the Update left it."""
    try:
        await temporal(call(temporal.client.get_workflow_handle(repair_workflow_id(repair_id))))
    except CaseGone:  # the workflow has ended: the repair was decided or withdrawn
        row = await db(lambda s: found(s, repair_id))
        raise HTTPException(
            409, f"信用修复申请当前状态为「{REPAIR_STATUS_LABELS[RepairStatus(row.status)]}」，不能执行此操作"
        ) from None
    return repair_out(await db(lambda s: found(s, repair_id)))


async def decide(
    repair_id: str, body: RepairDecisionBody, actor: Actor, db: Db, temporal: Temporal, idempotency_key: str | None = None
) -> RepairOut:
    """Approve or reject, with a reason (the credit office). Approval repairs the records,
    re-grades the applicant (the bar on commitment lifts) and pushes the repair."""
    reason = await db(lambda s: kept(s, repair_id, body.reason, actor))
    inp = RepairDecisionInput(actor=actor, approve=body.approve, reason=reason or "")
    return await act(
        repair_id, db, temporal, lambda h: h.execute_update(W.decide, inp, id=update_id("decide", body, actor, idempotency_key))
    )


async def withdraw(
    repair_id: str,
    body: RepairWithdrawBody,
    actor: Actor,
    db: Db,
    temporal: Temporal,
    pseudonyms: Pseudonyms,
    idempotency_key: str | None = None,
) -> RepairOut:
    """Withdraw a pending repair (the applicant themself)."""
    known = Actor(pseudonyms.of(actor.id), actor.role) if actor.role == Role.applicant else actor
    reason = await db(lambda s: kept(s, repair_id, body.reason, actor))
    inp = RepairWithdrawInput(actor=known, reason=reason)
    return await act(
        repair_id,
        db,
        temporal,
        lambda h: h.execute_update(W.withdraw, inp, id=update_id("withdraw", body, actor, idempotency_key)),
    )
