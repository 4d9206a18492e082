"""The credit office's queue of credit repairs (信用修复) and the page where a repair is decided.

The list and the decision are services/repairs.py's, as the API's (`queue`: oldest due first, an
applicant only their own; `decide`: the workflow's validator admits only the credit officer and
a pending repair, and wants a reason).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, cast
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select

from api.deps import Db
from api.schemas import RepairDecisionBody, RepairOut
from console.forms import body_from_form, refusal_message, validation_message
from console.queues import calendar
from console.web import SignedIn, error_page, now, page, signed_form, signed_in, to_login
from console.wording import working_days_left
from db.models import CreditRecord
from services import repairs
from services.repairs import OFFICE
from workflows.repair import DECIDERS
from workflows.repair_types import REPAIR_STATUS_LABELS, RepairStatus
from workflows.rules import CREDIT_KINDS, ROLE_LABELS

router = APIRouter(include_in_schema=False)

SHOWN = {"pending": RepairStatus.pending, "all": None}
LIMIT = 500


def refused_role(request: Request, user: SignedIn) -> HTMLResponse:
    return error_page(request, f"{ROLE_LABELS[user.actor.role]}无权查看信用修复申请", 403, user)


def queue_rows(repairs: list[RepairOut], at: datetime, db: Session) -> list[dict[str, Any]]:
    """The repairs as the queue lists them (the API's order: oldest due first), with the
    working days left to each one's due date (negative: overdue)."""
    cal = calendar(db, at)
    return [
        {
            "repair": r,
            "left": working_days_left(r.due_at, at, cal) if r.status == RepairStatus.pending else None,
            "overdue": r.status == RepairStatus.pending and (r.overdue or (r.due_at is not None and r.due_at <= at)),
        }
        for r in repairs
    ]


@router.get("/repairs", response_class=HTMLResponse)
def repairs_queue(request: Request, show: str = "pending") -> Response:
    user = signed_in(request)
    if user is None:
        return to_login()
    if user.actor.role not in OFFICE:
        return refused_role(request, user)
    status = SHOWN.get(show, RepairStatus.pending)
    with Session(request.app.state.engine) as db:
        found = repairs.queue(db, user.actor, status=status, limit=LIMIT)
        rows = queue_rows(found, now(), db)
    return page(
        request,
        "repairs.html",
        {"rows": rows, "show": "all" if status is None else "pending", "labels": REPAIR_STATUS_LABELS},
        user=user,
    )


def record_labels(db: Session, ids: list[str]) -> list[dict[str, Any]]:
    """The repair's records as the archive holds them, with their kinds in Chinese."""
    rows = {r.business_id: r for r in db.exec(select(CreditRecord).where(col(CreditRecord.business_id).in_(ids)))}
    return [
        {"id": i, "row": rows.get(i), "kind": CREDIT_KINDS[rows[i].kind][1] if i in rows and rows[i].kind in CREDIT_KINDS else ""}
        for i in ids
    ]


def render_repair(
    request: Request,
    user: SignedIn,
    repair_id: str,
    error: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
    done: bool = False,
) -> HTMLResponse:
    try:
        with Session(request.app.state.engine) as db:
            repair = repairs.repair(db, repair_id, user.actor)
            records = record_labels(db, repair.record_ids)
            row = queue_rows([repair], now(), db)[0]
    except HTTPException as err:
        return error_page(request, refusal_message(err), err.status_code, user)
    may_decide = user.actor.role in DECIDERS and repair.status == RepairStatus.pending
    return page(
        request,
        "repair.html",
        {
            "r": repair,
            "row": row,
            "records": records,
            "may_decide": may_decide,
            "error": error,
            "values": values or {},
            "done": done,
            "idem": secrets.token_urlsafe(12),
        },
        status_code,
        user,
    )


@router.get("/repairs/{repair_id}", response_class=HTMLResponse)
def repair_page(request: Request, repair_id: str, done: str = "") -> Response:
    user = signed_in(request)
    if user is None:
        return to_login()
    return render_repair(request, user, repair_id, done=done == "decision")


@router.post("/repairs/{repair_id}/decision", response_class=HTMLResponse)
async def decide(request: Request, repair_id: str) -> Response:
    """Approve or reject with a reason, by services.repairs.decide (as the API does)."""
    sent = await signed_form(request)
    if isinstance(sent, Response):
        return sent
    user, form = sent
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    try:
        body = cast(RepairDecisionBody, body_from_form(RepairDecisionBody, form))
    except ValidationError as err:
        return render_repair(request, user, repair_id, f"填写有误：{validation_message(err)}", values, 422)
    state = request.app.state
    idem = str(form.get("idem") or "")[:64] or None
    try:
        await repairs.decide(repair_id, body, user.actor, Db(state.engine), state.temporal, idem)
    except HTTPException as err:
        return render_repair(request, user, repair_id, refusal_message(err), values, err.status_code)
    return RedirectResponse(f"/repairs/{quote(repair_id, safe='')}?done=decision", status_code=303)
