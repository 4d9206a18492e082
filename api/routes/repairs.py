"""Credit repair (信用修复): the applicant applies, the credit office decides from its queue —
thin routes over services/repairs.py."""

# No `from __future__ import annotations`: FastAPI reads the body types.

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from api.deps import CurrentActor, DbDep, PseudonymsDep, SessionDep, SettingsDep, TemporalDep
from api.schemas import RepairCreate, RepairDecisionBody, RepairOut, RepairWithdrawBody
from services import repairs
from workflows.repair_types import RepairStatus

router = APIRouter(tags=["credit"])


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
    found, created = await repairs.apply(applicant_id, body, actor, db, temporal, settings, pseudonyms, idempotency_key)
    if not created:
        response.status_code = 200
    return found


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
    return repairs.queue(session, actor, status, overdue, applicant, limit)


@router.get("/credit/repairs/{repair_id}")
def get_repair(repair_id: str, session: SessionDep, actor: CurrentActor) -> RepairOut:
    """One repair, with its evidence (the office, or the applicant themself)."""
    return repairs.repair(session, repair_id, actor)


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
    return await repairs.decide(repair_id, body, actor, db, temporal, idempotency_key)


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
    return await repairs.withdraw(repair_id, body, actor, db, temporal, pseudonyms, idempotency_key)
