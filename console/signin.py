"""Signing in to the console: a development identity (a role, and an applicant's ID number) or a
token; each form carries its session's CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import actor_for
from console import session as sessions
from console.web import page, refused_csrf, signed_in, to_login
from credit.identity import normalise
from workflows.rules import ROLE_LABELS
from workflows.types import Role

router = APIRouter(include_in_schema=False)

# the roles a person may sign in as with a development token, in the picker's order
DEV_ROLES = (
    Role.caseworker,
    Role.verifier,
    Role.supervisor,
    Role.applicant,
    Role.auditor,
    Role.admin,
    Role.credit_officer,
    Role.bureau,
    Role.department,
)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    """The sign-in form; its own session (no token yet) carries the form's CSRF token."""
    s = sessions.read(request)
    if s is None or s.signed_in:
        s = sessions.new_session()
    response = login_form(request, s)
    sessions.write(request, response, s)
    return response


def login_form(request: Request, s: sessions.ConsoleSession, error: str = "", status_code: int = 200) -> HTMLResponse:
    dev = request.app.state.settings.dev_tokens_enabled
    roles = [(r.value, ROLE_LABELS[r]) for r in DEV_ROLES]
    return page(request, "login.html", {"csrf": s.csrf, "dev": dev, "roles": roles, "error": error}, status_code)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Sign in with a development identity (role, and an applicant's ID number) or a token."""
    form = await request.form()
    s = sessions.read(request)
    if not sessions.csrf_ok(s, form.get("csrf")):
        fresh = sessions.new_session()
        response = login_form(request, fresh, "表单已失效，请重新登录。", 403)
        sessions.write(request, response, fresh)
        return response
    assert s is not None
    settings = request.app.state.settings
    token = str(form.get("token") or "").strip()
    role = str(form.get("role") or "")
    if not token and settings.dev_tokens_enabled and role in {r.value for r in DEV_ROLES}:
        if role == Role.applicant:
            number = normalise(str(form.get("applicant_id") or ""))
            if not number:
                return login_form(request, s, "以申请人身份登录，请填写本人的身份证件号码或统一社会信用代码。", 422)
            token = f"dev-applicant:{number}"
        else:
            token = f"dev-{role}"
    actor = actor_for(token, settings, request.app.state.engine) if token else None
    if actor is None or actor.role == Role.public:
        return login_form(request, s, "登录失败：令牌无效、已过期或已被吊销。", 401)
    done = RedirectResponse("/", status_code=303)
    sessions.write(request, done, sessions.new_session(token))  # a new CSRF token with the new identity
    return done


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    if not sessions.csrf_ok(sessions.read(request), form.get("csrf")):
        return refused_csrf(request, signed_in(request))
    response = to_login()
    sessions.clear(response)
    return response
