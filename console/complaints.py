"""The public's complaint form (投诉举报): no sign-in, no cookie.

GET /complaints/new?case=<申请编号> shows the form; POST /complaints/new sends it through the
API's own tokenless complaint (`perform(ACTIONS["complaints"], …)` as `PUBLIC_ACTOR`, after the
same per-case and per-source limit, `api.ratelimits.limit_complaints`). The form carries a signed
token instead of a session's CSRF token: `<issued>.<HMAC-SHA256 of it>` under a key of its own
(derived from the pseudonym key like the session's), valid for FORM_TTL_S — a form not made by
this site, or too old, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api import schemas
from api.deps import PUBLIC_ACTOR, Db
from api.ratelimits import complaint_limits, limit_complaints
from console.forms import body_from_form, refusal_message, validation_message
from console.web import page
from security.pseudonyms import Pseudonyms
from services.cases import ACTIONS, MERGED, perform

router = APIRouter(include_in_schema=False)

FORM_TTL_S = 2 * 3600
KEY_LABEL = "\x00chengnuo-console-complaint-form-v1"
CASE_MAX = 64


def form_key(pseudonyms: Pseudonyms) -> bytes:
    """A key of its own: the pseudonym key's HMAC of a label no ID number has."""
    return bytes.fromhex(pseudonyms.of(KEY_LABEL)[len("ap-") :])


def _mac(key: bytes, issued: int) -> str:
    return hmac.new(key, f"complaint-form\x1f{issued}".encode(), hashlib.sha256).hexdigest()[:32]


def form_token(key: bytes, at: float | None = None) -> str:
    issued = int(time.time() if at is None else at)
    return f"{issued}.{_mac(key, issued)}"


def token_ok(key: bytes, token: object, at: float | None = None) -> bool:
    """Made by this site and not older than FORM_TTL_S (nor from the future)."""
    if not isinstance(token, str) or "." not in token:
        return False
    issued_text, _, mac = token.partition(".")
    if not issued_text.isdigit() or len(issued_text) > 12:
        return False
    issued = int(issued_text)
    age = (time.time() if at is None else at) - issued
    return -60 <= age <= FORM_TTL_S and hmac.compare_digest(_mac(key, issued).encode(), mac.encode())


def complaint_form(request: Request, values: dict[str, str], error: str = "", status_code: int = 200) -> HTMLResponse:
    token = form_token(form_key(request.app.state.pseudonyms))
    return page(request, "complaint.html", {"values": values, "error": error, "token": token}, status_code)


@router.get("/complaints/new", response_class=HTMLResponse)
def new_complaint(request: Request, case: str = "") -> HTMLResponse:
    return complaint_form(request, {"case": case.strip()[:CASE_MAX], "text": "", "contact": ""})


@router.post("/complaints/new", response_class=HTMLResponse)
async def send_complaint(request: Request) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("case", "text", "contact")}
    if not token_ok(form_key(request.app.state.pseudonyms), form.get("token")):
        return complaint_form(request, values, "表单已失效（安全校验未通过），请重新提交。", 403)
    case_id = values["case"]
    if not case_id or len(case_id) > CASE_MAX:
        return complaint_form(request, values, "请填写被投诉举报的申请编号。", 422)
    try:
        body = body_from_form(schemas.ComplaintBody, values)
    except ValidationError as err:
        return complaint_form(request, values, f"填写有误：{validation_message(err)}", 422)
    state = request.app.state
    try:
        await run_in_threadpool(limit_complaints, case_id, request, PUBLIC_ACTOR, complaint_limits(request))
        answer = await perform(
            ACTIONS["complaints"], case_id, body, PUBLIC_ACTOR, Db(state.engine), state.temporal, state.pseudonyms
        )
    except HTTPException as err:
        response = complaint_form(request, values, refusal_message(err), err.status_code)
        if err.headers and "Retry-After" in err.headers:
            response.headers["Retry-After"] = err.headers["Retry-After"]
        return response
    merged = "1" if isinstance(answer, schemas.Received) and answer.message == MERGED else ""
    return RedirectResponse(f"/complaints/sent?case={quote(case_id, safe='')}&merged={merged}", status_code=303)


@router.get("/complaints/sent", response_class=HTMLResponse)
def complaint_sent(request: Request, case: str = "", merged: str = "") -> HTMLResponse:
    return page(request, "complaint_sent.html", {"case": case[:CASE_MAX], "merged": merged == "1"})
