"""Token administration (admin only): issue, list, revoke. A token is shown once, at issue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from api.deps import CurrentActor, SessionDep
from security import tokens
from workflows.rules import ROLE_LABELS
from workflows.types import Actor, Role

router = APIRouter(prefix="/admin", tags=["admin"])


def admin(actor: CurrentActor) -> Actor:
    if actor.role != Role.admin:
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权管理令牌（仅限管理员）")
    return actor


class TokenCreate(BaseModel):
    role: Role
    actor_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    department: str | None = Field(None, min_length=1, max_length=100)
    days: int = Field(90, ge=1, le=tokens.MAX_DAYS)
    note: str = Field("", max_length=200)


class TokenOut(BaseModel):
    id: str
    role: str
    actor_id: str
    department: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    note: str


@router.post("/tokens", status_code=201, dependencies=[Depends(admin)])
def create_token(body: TokenCreate, session: SessionDep) -> dict[str, Any]:
    """Issue a token; `token` is in this answer only (the database keeps its hash)."""
    token, row = tokens.issue(session, body.role, body.actor_id, body.department, body.days, body.note)
    return {"token": token, **TokenOut.model_validate(row, from_attributes=True).model_dump()}


@router.get("/tokens", dependencies=[Depends(admin)])
def list_tokens(session: SessionDep) -> list[TokenOut]:
    return [TokenOut.model_validate(r, from_attributes=True) for r in tokens.listed(session)]


@router.delete("/tokens/{token_id}", dependencies=[Depends(admin)])
def revoke_token(token_id: str, session: SessionDep) -> TokenOut:
    """Revoked at once in the database; API processes stop accepting it within 30 s."""
    row = tokens.revoke(session, token_id)
    if row is None:
        raise HTTPException(404, f"令牌 {token_id} 不存在")
    return TokenOut.model_validate(row, from_attributes=True)
