"""An applicant's integrity archive (诚信档案): grade, measures, records."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.deps import CurrentActor, SessionDep, reader
from services.credit import archive_of

router = APIRouter(prefix="/applicants", tags=["credit"], dependencies=[Depends(reader("credit"))])


@router.get("/{applicant_id}/credit")
def get_credit(applicant_id: str, session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """Grade, its measures under the rules in force, and every record, newest first, with its
    publication period and whether it is repaired (an applicant: only their own)."""
    return archive_of(session, applicant_id, actor)
