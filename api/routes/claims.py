"""Claiming work (办理人): take a case or a matter, give it back, a supervisor reassigns it
(api/claims.py has the rules)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import claims, schemas
from api.deps import CurrentActor, SessionDep
from db.models import Claim
from services.cases import case_row
from workflows.types import Actor, Role

router = APIRouter(prefix="/applications", tags=["claims"])
Matter = Annotated[str | None, Query(min_length=1, max_length=64)]


def out(claim: Claim) -> schemas.ClaimOut:
    return schemas.ClaimOut(
        application_id=claim.application_id,
        matter=claim.item or None,
        holder_id=claim.holder_id,
        holder_role=claim.holder_role,
        holder_label=claims.holder_label(claim),
        claimed_at=claim.claimed_at,
        assigned_by=claim.assigned_by,
    )


@router.get("/{application_id}/claims")
def list_claims(application_id: str, session: SessionDep, actor: CurrentActor) -> list[schemas.ClaimOut]:
    """Who holds the case and each of its matters."""
    if actor.role == Role.applicant:
        return []
    row = case_row(application_id, session, actor)
    return [out(c) for _, c in sorted(claims.claims_of(session, [row.application_id]).items())]


@router.post(
    "/{application_id}/claims",
    status_code=201,
    responses={200: {"model": schemas.ClaimOut, "description": "Already yours: the claim as it stands"}},
)
def claim(
    application_id: str, body: schemas.ClaimBody, session: SessionDep, actor: CurrentActor, response: Response
) -> schemas.ClaimOut:
    """Take the case (a caseworker) or one of its matters (a verifier): 201, or 200 if already
    yours; 409 naming the holder if someone else has it."""
    held, new = claims.claim(session, case_row(application_id, session, actor), body.matter, actor)
    response.status_code = 201 if new else 200
    return out(held)


@router.delete("/{application_id}/claims", status_code=204)
def release(application_id: str, session: SessionDep, actor: CurrentActor, matter: Matter = None) -> Response:
    """Give the item back (its holder), or take it away (a supervisor)."""
    claims.release(session, case_row(application_id, session, actor), matter, actor)
    return Response(status_code=204)


@router.put("/{application_id}/claims")
def reassign(application_id: str, body: schemas.ReassignBody, session: SessionDep, actor: CurrentActor) -> schemas.ClaimOut:
    """A supervisor gives the item to a caseworker or verifier, with a reason (logged)."""
    to = Actor(body.holder_id, Role(body.holder_role))
    return out(claims.reassign(session, case_row(application_id, session, actor), body.matter, actor, to, body.reason))
