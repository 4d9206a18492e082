"""A case's complaints (投诉举报) as received: services/complaints.py keeps them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.deps import SessionDep, reader
from services.complaints import complaints_of

router = APIRouter(prefix="/applications", tags=["applications"])


@router.get("/{application_id}/complaints", dependencies=[Depends(reader("history"))])
def list_complaints(application_id: str, session: SessionDep) -> list[dict[str, Any]]:
    """Every complaint on the case as received, newest first (staff who handle them)."""
    return complaints_of(session, application_id)
