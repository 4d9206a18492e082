"""Catalogue revisions (清单调整) for the legal-affairs bureau: the list (those awaiting its
审定, 备案 or 公布 first) and a revision's page with the steps its status allows, each sent by
services/catalogue.py as the API sends it (`review`, `file`, `publish`: each checks
`workflows.revision_rules.check_step` and sends the workflow's Update)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select
from temporalio.exceptions import ApplicationError

from api.catalogue_schemas import ReviewBody, RevisionOut, StepBody
from api.deps import Db
from catalogue.checks import ACTION_LABELS
from catalogue.columns import FIELD_LABELS
from catalogue.versions import entry_of
from console.forms import refusal_message, validation_message
from console.nav import BUREAU_STATUSES
from console.web import SignedIn, error_page, page, signed_form, signed_in, to_login
from db.models import Matter
from services import catalogue
from services.catalogue import display
from workflows.catalogue_types import ChangeAction, RevisionStatus
from workflows.revision_rules import READERS, STEP_LABELS, check_step
from workflows.rules import ROLE_LABELS

router = APIRouter(include_in_schema=False)

BUREAU_STEPS = ("review", "file", "publish")
SENDERS = {"review": catalogue.review, "file": catalogue.file, "publish": catalogue.publish}
SHOWN_FIELDS = (
    "name",
    "department",
    "commitment_allowed",
    "exclusion_reason",
    "verification_stage",
    "verification_days",
    "verification_deadline_days",
    "verification_method",
    "supervision_days",
    "services",
    "basis",
    "consequences",
)
STEP_DONE = {"review": "审定意见已作出", "file": "已备案", "publish": "已公布，清单已更新"}


def steps_allowed(actor: Any, revision: RevisionOut) -> list[str]:
    """The bureau's steps the revision's status and the actor's role allow now (the rule table's answer)."""
    allowed = []
    for step in BUREAU_STEPS:
        try:
            check_step(step, actor, RevisionStatus(revision.status), revision.department)
        except ApplicationError:
            continue
        allowed.append(step)
    return allowed


def change_rows(db: Session, revision: RevisionOut) -> list[dict[str, Any]]:
    """Each change as the page shows it: for a change, only the columns it alters (old → new)."""
    codes = [c["code"] for c in revision.changes]
    current = {m.code: asdict(entry_of(m)) for m in db.exec(select(Matter).where(col(Matter.code).in_(codes)))}
    rows = []
    for c in revision.changes:
        entry, old = c.get("entry") or {}, current.get(c["code"])
        fields = [f for f in SHOWN_FIELDS if f in entry]
        if c["action"] == ChangeAction.change and old is not None:
            fields = [f for f in entry if f in old and entry[f] != old[f]]
        rows.append(
            {
                "action": ACTION_LABELS[ChangeAction(c["action"])],
                "code": c["code"],
                "name": entry.get("name") or (old or {}).get("name", ""),
                "reason": c.get("reason"),
                "fields": [
                    (
                        FIELD_LABELS.get(f, f),
                        display(old[f]) if old and c["action"] == ChangeAction.change else "",
                        display(entry[f]),
                    )
                    for f in fields
                ],
            }
        )
    return rows


@router.get("/revisions", response_class=HTMLResponse)
def revisions_list(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login()
    if user.actor.role not in READERS:
        return error_page(request, f"{ROLE_LABELS[user.actor.role]}无权查看清单调整", 403, user)
    with Session(request.app.state.engine) as db:
        every = catalogue.revisions(db, user.actor)
    waiting = sorted((r for r in every if r.status in BUREAU_STATUSES), key=lambda r: r.updated_at or r.created_at)
    rest = [r for r in every if r.status not in BUREAU_STATUSES]
    return page(request, "revisions.html", {"waiting": waiting, "rest": rest}, user=user)


def render_revision(
    request: Request,
    user: SignedIn,
    revision_id: str,
    error: str = "",
    failed: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    try:
        with Session(request.app.state.engine) as db:
            revision = catalogue.revision(db, revision_id, user.actor)
            changes = change_rows(db, revision)
    except HTTPException as err:
        return error_page(request, refusal_message(err), err.status_code, user)
    return page(
        request,
        "revision.html",
        {
            "r": revision,
            "changes": changes,
            "steps": steps_allowed(user.actor, revision),
            "STEP_LABELS": STEP_LABELS,
            "error": error,
            "failed": failed,
            "values": values or {},
            "done": STEP_DONE.get(done, ""),
        },
        status_code,
        user,
    )


@router.get("/revisions/{revision_id}", response_class=HTMLResponse)
def revision_page(request: Request, revision_id: str, done: str = "") -> Response:
    user = signed_in(request)
    if user is None:
        return to_login()
    return render_revision(request, user, revision_id, done=done)


@router.post("/revisions/{revision_id}/{step}", response_class=HTMLResponse)
async def take_step(request: Request, revision_id: str, step: str) -> Response:
    """审定 (approve, or send back with comments), 备案, 公布 — by services/catalogue.py, as the API."""
    sent = await signed_form(request)
    if isinstance(sent, Response):
        return sent
    user, form = sent
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    if step not in SENDERS:
        return render_revision(request, user, revision_id, "没有这项操作。", step, values, 404)
    body: ReviewBody | StepBody
    try:
        if step == "review":
            comments = [
                {"code": k.removeprefix("comment-"), "comment": v.strip()}
                for k, v in values.items()
                if k.startswith("comment-") and v.strip()
            ]
            body = ReviewBody.model_validate(
                {"approve": values.get("approve"), "note": values.get("note", ""), "comments": comments}
            )
        else:
            body = StepBody.model_validate({"note": values.get("note", "")})
    except ValidationError as err:
        return render_revision(request, user, revision_id, f"填写有误：{validation_message(err)}", step, values, 422)
    state = request.app.state
    try:
        await SENDERS[step](revision_id, body, user.actor, Db(state.engine), state.temporal)  # type: ignore[operator]
    except HTTPException as err:
        return render_revision(request, user, revision_id, refusal_message(err), step, values, err.status_code)
    return RedirectResponse(f"/revisions/{quote(revision_id, safe='')}?done={step}", status_code=303)
