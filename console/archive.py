"""The credit archive (诚信档案) of one applicant: grade, measures, records (services/credit.py, as
the API reads it) — and, for the applicant themself, the form to apply for credit repair
(services/repairs.py `apply`, which checks the records and the minimum period)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import Db
from api.schemas import RepairCreate
from console.forms import refusal_message, validation_message
from console.web import SignedIn, error_page, now, page, signed_form, signed_in, to_login
from console.wording import moment
from services import repairs
from services.credit import archive_of
from workflows.types import Role

router = APIRouter(include_in_schema=False)


def repairable(record: dict[str, Any], at: datetime) -> str:
    """Whether the applicant may pick the record for repair now: 'now', 'later' (its minimum
    period is not over), or '' (not adverse, or repaired). The API checks again."""
    start = moment(record.get("repairable_from"))
    if start is None or record.get("repaired"):
        return ""
    return "now" if start <= at else "later"


def render_archive(
    request: Request,
    user: SignedIn,
    applicant_id: str,
    error: str = "",
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    done: bool = False,
) -> HTMLResponse:
    try:
        with Session(request.app.state.engine) as db:
            archive = archive_of(db, applicant_id, user.actor)
            own = user.actor.role == Role.applicant
            found = repairs.queue(db, user.actor, applicant=applicant_id) if own or user.actor.role in repairs.OFFICE else []
    except HTTPException as err:
        return error_page(request, refusal_message(err), err.status_code, user)
    at = now()
    for r in archive["records"]:
        r["may_repair"] = repairable(r, at)
    return page(
        request,
        "archive.html",
        {
            "a": archive,
            "repairs": found,
            "own": own,
            "error": error,
            "values": values or {"record_ids": []},
            "done": done,
            "idem": secrets.token_urlsafe(12),
        },
        status_code,
        user,
    )


@router.get("/archive/{applicant_id}", response_class=HTMLResponse)
def archive_page(request: Request, applicant_id: str, done: str = "") -> Response:
    user = signed_in(request)
    if user is None:
        return to_login()
    return render_archive(request, user, applicant_id, done=done == "repair")


@router.post("/archive/{applicant_id}/repairs", response_class=HTMLResponse)
async def apply(request: Request, applicant_id: str) -> Response:
    """Apply for repair of the ticked records, with the evidence, by services.repairs.apply (as the API does)."""
    sent = await signed_form(request)
    if isinstance(sent, Response):
        return sent
    user, form = sent
    values = {"record_ids": [str(x) for x in form.getlist("record_ids")], "evidence": str(form.get("evidence") or "")}
    try:
        body = RepairCreate.model_validate(values)
    except ValidationError as err:
        message = "请至少勾选一条要修复的记录" if not values["record_ids"] else validation_message(err)
        return render_archive(request, user, applicant_id, f"填写有误：{message}", values, 422)
    state = request.app.state
    idem = str(form.get("idem") or "")[:64] or None
    try:
        await repairs.apply(
            applicant_id, body, user.actor, Db(state.engine), state.temporal, state.settings, state.pseudonyms, idem
        )
    except HTTPException as err:
        return render_archive(request, user, applicant_id, refusal_message(err), values, err.status_code)
    return RedirectResponse(f"/archive/{quote(applicant_id, safe='')}?done=repair", status_code=303)
