"""An applicant's integrity archive (诚信档案)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from sqlmodel import select

from activities.credit import unrepaired_kinds
from api.deps import CurrentActor, SessionDep, reader
from db.models import CreditRecord
from workflows.rules import CREDIT_KINDS, GRADES, credit_grade, may_see

router = APIRouter(prefix="/applicants", tags=["credit"], dependencies=[Depends(reader("credit"))])
GRADE_LABELS = {g: label for g, label, _ in GRADES}


@router.get("/{applicant_id}/credit")
def get_credit(applicant_id: str, session: SessionDep, actor: CurrentActor) -> dict[str, Any]:
    """Grade, bar from commitment, and every record, newest first (an applicant: only their own)."""
    if not may_see(actor, applicant_id):
        raise HTTPException(403, "申请人只能查看本人的诚信档案")
    grade, barred, reason = credit_grade(unrepaired_kinds(session, applicant_id))
    rows = session.exec(
        select(CreditRecord).where(CreditRecord.applicant_id == applicant_id).order_by(CreditRecord.at.desc())  # type: ignore[attr-defined]
    )
    return {
        "applicant_id": applicant_id,
        "grade": grade,
        "grade_label": GRADE_LABELS[grade],
        "barred": barred,
        "barred_reason": reason,
        "records": [{**r.model_dump(), "kind_label": CREDIT_KINDS[r.kind][1]} for r in rows],
    }
