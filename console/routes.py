"""The console's pages: work queues, the case page with its action forms, opening a case (sign-in
is console/signin.py).

Every action goes through the same service as the API (services/cases.py: `open_case`,
`perform`, the readers) with the signed-in person's identity; the workflow accepts or refuses
it, and a refusal is shown on the page in Chinese.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pylopdf_fonts_zh_cn
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select

from api import claims, schemas
from api.claims import ClaimTaken
from api.deps import Db
from api.files import pdf_response
from console import archive, complaints, dashboard, repairs, revisions, signin
from console.actions import allowed_actions, grouped
from console.forms import body_from_form, refusal_message, validation_message
from console.queues import Ask, calendar, queues_for
from console.web import SignedIn, now, page, signed_form, signed_in, to_login
from console.wording import next_step, working_days_left
from db.models import Application, CaseEvent, Letter, Matter
from services import cases, notices
from workflows.case import CHINA
from workflows.rules import ACTIONS, READS, in_scope
from workflows.types import Actor, Role, VerificationState

router = APIRouter(tags=["console"], include_in_schema=False)

TEMPORAL_UI = os.environ.get("TEMPORAL_UI_URL", "http://127.0.0.1:8233").rstrip("/")
ACTION_DONE = {
    "commit": "承诺已签署",
    "proof": "证明材料已提交",
    "withdraw-commitment": "承诺已撤回",
    "decision": "决定已作出",
    "complaints": "投诉举报已登记",
    "verification": "核查结果已登记",
    "disposition": "处置措施已作出",
    "rectification": "整改材料已提交",
    "cancel": "申请已结束办理",
    "statement": "陈述申辩已提交",
    "revocation": "决定已作出",
    "close": "本案已办结",
    "open": "申请已受理",
}


@router.get("/console/font/NotoSansSC-Regular.otf", include_in_schema=False)
def font() -> FileResponse:
    """The packaged Chinese font (SIL OFL 1.1), for machines without one."""
    return FileResponse(
        pylopdf_fonts_zh_cn.sans_path(), media_type="font/otf", headers={"Cache-Control": "public, max-age=604800"}
    )


# ---- queues --------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    """The signed-in person's work queues."""
    user = signed_in(request)
    if user is None:
        return to_login()
    pages = {
        key.removeprefix("page-"): int(value)
        for key, value in request.query_params.items()
        if key.startswith("page-") and value.isdigit() and 0 < int(value) < 100_000
    }
    with Session(request.app.state.engine) as db:
        queues = queues_for(db, user.actor, now(), Ask(pages))
    return page(
        request, "queues.html", {"queues": queues, "may_open": user.actor.role in (Role.caseworker, Role.applicant)}, user=user
    )


@router.get("/cases", response_class=HTMLResponse)
def find_case(request: Request, id: str = "") -> Response:
    """The navigation's "open a case by number" box."""
    if signed_in(request) is None:
        return to_login()
    return RedirectResponse(f"/cases/{quote(id.strip(), safe='')}" if id.strip() else "/", status_code=303)


# ---- opening a case ------------------------------------------------------------------------


def catalogue_for(db: Session, actor: Actor) -> list[Matter]:
    """The matters in force the actor may open a case with (a department's caseworker: its own)."""
    matters = db.exec(select(Matter).where(Matter.retired == False).order_by(col(Matter.code)))  # noqa: E712
    return [m for m in matters if in_scope(actor, [m.department])]


def open_form(
    request: Request, user: SignedIn, error: str = "", values: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    with Session(request.app.state.engine) as db:
        matters = catalogue_for(db, user.actor)
    services = sorted({s for m in matters for s in m.services})
    values = values or {"application_id": f"{now():%Y}-{secrets.token_hex(3).upper()}", "kind": "person", "matters": []}
    if user.actor.role == Role.applicant:
        values["applicant_id"] = user.actor.id
    return page(
        request, "open.html", {"matters": matters, "services": services, "values": values, "error": error}, status_code, user
    )


@router.get("/cases/new", response_class=HTMLResponse)
def new_case(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login()
    return open_form(request, user)


@router.post("/cases/new", response_class=HTMLResponse)
async def open_case(request: Request) -> Response:
    """Open a case by `services.cases.open_case`, as POST /applications does."""
    sent = await signed_form(request)
    if isinstance(sent, Response):
        return sent
    user, form = sent
    applicant_id = user.actor.id if user.actor.role == Role.applicant else str(form.get("applicant_id") or "")
    values: dict[str, Any] = {k: str(form.get(k) or "") for k in ("application_id", "applicant_name", "kind", "service")}
    values |= {"applicant_id": applicant_id, "matters": [str(m) for m in form.getlist("matters")]}
    try:
        body = schemas.ApplicationCreate.model_validate(
            {
                "application_id": values["application_id"].strip(),
                "applicant": {"id": applicant_id, "name": values["applicant_name"].strip(), "kind": values["kind"]},
                "service": values["service"].strip(),
                "matters": values["matters"],
            }
        )
    except ValidationError as err:
        return open_form(request, user, f"填写有误：{validation_message(err)}", values, 422)
    state = request.app.state
    try:
        await cases.open_case(body, user.actor, Db(state.engine), state.temporal, state.settings, state.pseudonyms)
    except HTTPException as err:
        return open_form(request, user, refusal_message(err), values, err.status_code)
    return RedirectResponse(f"/cases/{quote(body.application_id, safe='')}?done=open", status_code=303)


# ---- the case page -------------------------------------------------------------------------


def case_context(db: Session, actor: Actor, application_id: str, at: datetime, namespace: str) -> dict[str, Any]:
    """Everything the case page shows; HTTPException 403/404 as the API would answer."""
    row = cases.case_row(application_id, db, actor)
    shas = [m["letter_sha256"] for m in row.matters if m.get("letter_sha256")]
    letters = {x.matter_code: x.text for x in db.exec(select(Letter).where(col(Letter.sha256).in_(shas)))} if shas else {}
    events = list(db.exec(select(CaseEvent).where(CaseEvent.application_id == application_id).order_by(col(CaseEvent.seq))))
    offers = allowed_actions(actor, row, at)
    cal = calendar(db, at)
    left = {
        m["code"]: working_days_left(m.get("deadline_at"), at, cal)
        for m in row.matters
        if m["verification"] in (VerificationState.due, VerificationState.pending, VerificationState.reverifying)
    }
    ui = None
    if actor.role in READS["history"]:
        ui = f"{TEMPORAL_UI}/namespaces/{quote(namespace, safe='')}/workflows/{quote(row.workflow_id, safe='')}"
    held = (
        {
            item: {"label": claims.holder_label(c), "holder_id": c.holder_id}
            for (_, item), c in claims.claims_of(db, [row.application_id]).items()
        }
        if actor.role in claims.ACTORS
        else {}
    )
    return {
        "case": row,
        "letters": letters,
        "events": events,
        "offers": grouped(offers),
        "step": next_step(row, at),
        "left": left,
        "temporal_ui": ui,
        "is_applicant": actor.role == Role.applicant,
        "claims": held,
        "claim_items": claim_items(actor, row),
        "may_release_any": actor.role in claims.ASSIGNERS,
        "notices": notices.listed(row),
        "may_serve": actor.role in ACTIONS["serve"][0],
        "now_iso": at.astimezone(CHINA).isoformat(timespec="minutes"),
    }


def claim_items(actor: Actor, row: Application) -> set[str]:
    """What the person may claim on this case: a caseworker the case, a verifier its matters."""
    if actor.role == Role.caseworker:
        return {claims.CASE}
    if actor.role == Role.verifier:
        return {m["code"] for m in row.matters}
    return set()


@router.post("/cases/{application_id}/claim", response_class=HTMLResponse)
async def claim_item(request: Request, application_id: str) -> Response:
    """Claim (认领) or give back (释放) the case or one of its matters, by the API's rules."""
    sent = await signed_form(request)
    if isinstance(sent, Response):
        return sent
    user, form = sent
    matter = str(form.get("matter") or "") or None
    try:
        with Session(request.app.state.engine) as db:
            row = cases.case_row(application_id, db, user.actor)
            if form.get("release") == "yes":
                claims.release(db, row, matter, user.actor)
            else:
                claims.claim(db, row, matter, user.actor)
    except HTTPException as err:
        return render_case(request, user, application_id, refusal_message(err), "claim", status_code=err.status_code)
    anchor = f"#matter-{quote(matter, safe='')}" if matter else ""
    return RedirectResponse(f"/cases/{quote(application_id, safe='')}{anchor}", status_code=303)


def render_case(
    request: Request,
    user: SignedIn,
    application_id: str,
    error: str = "",
    failed: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    try:
        with Session(request.app.state.engine) as db:
            context = case_context(db, user.actor, application_id, now(), request.app.state.settings.temporal_namespace)
    except HTTPException as err:
        return page(request, "error.html", {"message": refusal_message(err)}, err.status_code, user)
    keys = {o.key for o in context["offers"].case} | {o.key for os in context["offers"].by_matter.values() for o in os}
    context.update(
        error=error,
        failed=failed,
        values=values or {},
        done=ACTION_DONE.get(done, ""),
        error_on_top=failed not in keys,
        idem=secrets.token_urlsafe(12),
    )
    return page(request, "case.html", context, status_code, user)


@router.get("/cases/{application_id}", response_class=HTMLResponse)
def case_page(request: Request, application_id: str, done: str = "") -> Response:
    user = signed_in(request)
    if user is None:
        return to_login()
    return render_case(request, user, application_id, done=done)


@router.post("/cases/{application_id}/actions/{path}", response_class=HTMLResponse)
async def act(request: Request, application_id: str, path: str) -> Response:
    """One action's form: validated as the API validates its body, sent by `perform`; a refusal
    is shown on the case page, a success redirects back to it (POST-redirect-GET)."""
    sent = await signed_form(request)
    if isinstance(sent, Response):
        return sent
    user, form = sent
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    failed = str(form.get("form") or "")

    def refuse(message: str, status_code: int) -> HTMLResponse:
        return render_case(request, user, application_id, message, failed, values, status_code)

    action = cases.ACTIONS.get(path)
    if action is None:
        return refuse("没有这项操作。", 404)
    if path == "commit" and user.actor.role == Role.applicant and form.get("read") != "yes":
        return refuse("请先阅读告知承诺书，并勾选「我已阅读并承诺」。", 422)
    try:
        body = body_from_form(action.body_type, form)
    except ValidationError as err:
        return refuse(f"填写有误：{validation_message(err)}", 422)
    idem = str(form.get("idem") or "")[:64] or None
    confirmed = str(form.get("claim_confirmed") or "")[:64] or None  # the holder the person confirmed acting for
    state = request.app.state
    try:
        await cases.perform(
            action, application_id, body, user.actor, Db(state.engine), state.temporal, state.pseudonyms, idem, confirmed
        )
    except ClaimTaken as err:
        values["claim_holder"] = err.holder  # the form asks to confirm (a checkbox naming the holder)
        return refuse(refusal_message(err), err.status_code)
    except HTTPException as err:
        return refuse(refusal_message(err), err.status_code)
    return RedirectResponse(f"/cases/{quote(application_id, safe='')}?done={path}", status_code=303)


@router.get("/cases/{application_id}/notices/{no}", response_class=HTMLResponse)
async def notice_page(request: Request, application_id: str, no: int) -> Response:
    """One notice served on the applicant; the applicant's first opening serves it (送达)."""
    user = signed_in(request)
    if user is None:
        return to_login()
    state = request.app.state
    try:
        n = await notices.opened(application_id, no, user.actor, Db(state.engine), state.temporal, state.pseudonyms)
    except HTTPException as err:
        return page(request, "error.html", {"message": refusal_message(err)}, err.status_code, user)
    return page(request, "notice.html", {"application_id": application_id, "notice": n}, user=user)


@router.get("/cases/{application_id}/letters/{matter}", response_class=HTMLResponse)
def letter_page(request: Request, application_id: str, matter: str) -> Response:
    """The letter as notified (text, with its SHA-256), as GET /applications/{id}/letters/{matter}."""
    user = signed_in(request)
    if user is None:
        return to_login()
    if matter.endswith(".pdf"):
        return letter_pdf(request, user, application_id, matter.removesuffix(".pdf"))
    try:
        with Session(request.app.state.engine) as db:
            letter = cases.letter_of(application_id, matter, db, user.actor)
    except HTTPException as err:
        return page(request, "error.html", {"message": refusal_message(err)}, err.status_code, user)
    return page(request, "letter.html", {"application_id": application_id, "letter": letter}, user=user)


def letter_pdf(request: Request, user: SignedIn, application_id: str, matter: str) -> Response:
    """The PDF of the letter as notified, as GET /applications/{id}/letters/{matter}.pdf."""
    try:
        with Session(request.app.state.engine) as db:
            return pdf_response(*cases.letter_pdf(application_id, matter, db, user.actor))
    except HTTPException as err:
        return page(request, "error.html", {"message": refusal_message(err)}, err.status_code, user)


for _pages in (signin, complaints, repairs, archive, revisions, dashboard):  # each a router of its own pages
    router.include_router(_pages.router)
