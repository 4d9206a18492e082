"""The published catalogue (证明事项告知承诺制清单), open to the public without a token: the list,
one entry and its blank commitment letter (告知承诺书格式文本)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import PlainTextResponse
from sqlmodel import Session, col, select

from activities.letters import blank_letter
from api.deps import OptionalActor, SessionDep
from db.models import Matter
from workflows.rules import READS, ROLE_LABELS
from workflows.types import Actor


def catalogue_reader(actor: OptionalActor) -> Actor:
    """Anyone may read the catalogue, signed in or not; a token, if sent, must be valid."""
    if actor.role not in READS["catalogue"]:
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权查看此内容")
    return actor


router = APIRouter(prefix="/matters", tags=["catalogue"], dependencies=[Depends(catalogue_reader)])


def found(session: Session, code: str) -> Matter:
    matter = session.get(Matter, code)
    if matter is None:
        raise HTTPException(404, f"证明事项 {code} 不在清单中")
    return matter


def in_force(session: Session, code: str) -> Matter:
    """An entry in force; 404 if unknown or retired (withdrawn from the catalogue)."""
    matter = found(session, code)
    if matter.retired:
        raise HTTPException(404, f"证明事项 {code} 已从清单中移除，不再适用告知承诺制")
    return matter


def with_letter(session: Session, code: str) -> Matter:
    """An entry in force under the commitment system, so with a letter; 404 otherwise."""
    matter = in_force(session, code)
    if not matter.commitment_allowed:
        raise HTTPException(404, f"证明事项 {code} 不适用告知承诺制，没有告知承诺书：{matter.exclusion_reason or '应当提交证明'}")
    return matter


@router.get("")
def list_matters(
    session: SessionDep, commitment_allowed: bool | None = None, department: Annotated[str | None, Query(max_length=200)] = None
) -> list[Matter]:
    """All catalogue entries in force (retired ones are left out), optionally filtered."""
    query = select(Matter).where(col(Matter.retired).is_(False)).order_by(Matter.code)
    if commitment_allowed is not None:
        query = query.where(Matter.commitment_allowed == commitment_allowed)
    if department:
        query = query.where(Matter.department == department)
    return list(session.exec(query))


@router.get("/{code}")
def get_matter(code: str, session: SessionDep) -> Matter:
    """One catalogue entry (a retired one too: past cases refer to it)."""
    return found(session, code)


@router.get(
    "/{code}/letter",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "告知承诺书格式文本"}},
)
def get_blank_letter(code: str, session: SessionDep) -> PlainTextResponse:
    """The blank commitment letter (告知承诺书格式文本) of an entry in force, as published."""
    return PlainTextResponse(blank_letter(with_letter(session, code)), media_type="text/plain; charset=utf-8")
