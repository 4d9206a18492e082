"""The published catalogue (证明事项告知承诺制清单)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from sqlmodel import select

from api.deps import SessionDep, reader
from db.models import Matter

router = APIRouter(prefix="/matters", tags=["catalogue"], dependencies=[Depends(reader("catalogue"))])

@router.get("")
def list_matters(session: SessionDep, commitment_allowed: bool | None = None, department: str | None = None) -> list[Matter]:
    """All catalogue entries, optionally filtered."""
    query = select(Matter).order_by(Matter.code)
    if commitment_allowed is not None:
        query = query.where(Matter.commitment_allowed == commitment_allowed)
    if department:
        query = query.where(Matter.department == department)
    return list(session.exec(query))

@router.get("/{code}")
def get_matter(code: str, session: SessionDep) -> Matter:
    """One catalogue entry."""
    matter = session.get(Matter, code)
    if matter is None:
        raise HTTPException(404, f"证明事项 {code} 不在清单中")
    return matter
