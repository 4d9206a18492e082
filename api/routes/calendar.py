"""The working-day calendar: holidays and adjusted working days entered from the State
Council's yearly notice; entering them recomputes the pending deadlines of open cases."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from api.deps import CurrentActor, DbDep, SessionDep, TemporalDep, reader
from db.models import Application, CalendarDay
from workflows.application import ApplicationWorkflow as W
from workflows.case import AWAITING_VERIFIER
from workflows.rules import AFTER_APPROVAL, ROLE_LABELS
from workflows.types import RecomputeInput, Role, VerificationState

router = APIRouter(prefix="/calendar", tags=["calendar"])
PENDING = {VerificationState.scheduled, *AWAITING_VERIFIER}


class DayIn(BaseModel):
    day: date
    is_workday: bool


class NoticeIn(BaseModel):
    source: str = Field(min_length=1, max_length=200, description="e.g. 国务院办公厅关于2027年部分节假日安排的通知")
    days: list[DayIn] = Field(min_length=1, max_length=400)


@router.get("/days", dependencies=[Depends(reader("catalogue"))])
def list_days(session: SessionDep, year: Annotated[int, Field(ge=2000, le=2100)]) -> list[CalendarDay]:
    """The days entered for a year (the packaged calendars answer for the rest)."""
    query = select(CalendarDay).where(col(CalendarDay.day) >= date(year, 1, 1), col(CalendarDay.day) <= date(year, 12, 31))
    return list(session.exec(query.order_by(col(CalendarDay.day))))


@router.post("/days")
async def enter_notice(notice: NoticeIn, actor: CurrentActor, db: DbDep, temporal: TemporalDep) -> dict[str, Any]:
    """Enter a notice's days (admin), then recompute every open case's pending deadlines."""
    if actor.role != Role.admin:
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权录入节假日安排（仅限管理员）")

    def enter(session: Session) -> list[tuple[str, str]]:
        for d in notice.days:
            session.merge(CalendarDay(day=d.day, is_workday=d.is_workday, source=notice.source))
        session.commit()
        open_cases = session.exec(select(Application).where(col(Application.status).in_(list(AFTER_APPROVAL))))
        return [(r.application_id, r.workflow_id) for r in open_cases if any(m["verification"] in PENDING for m in r.matters)]

    recomputed, failed = [], {}
    for application_id, wf_id in await db(enter):
        try:
            await temporal(
                temporal.client.get_workflow_handle(wf_id).execute_update(
                    W.recompute_deadlines, RecomputeInput(actor, notice.source)
                )
            )
            recomputed.append(application_id)
        except HTTPException as err:  # one case not answering must not stop the others
            failed[application_id] = err.detail
    return {"entered": len(notice.days), "recomputed": recomputed, "failed": failed}
