"""What every console page shares: the templates, the signed-in person, the page with its
navigation (queue counts), and the answers to a missing sign-in or a failed CSRF check."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session
from starlette.datastructures import FormData

from api.deps import actor_for
from console import session as sessions
from console.charts import percent
from console.nav import links_for
from console.queues import Ask, queues_for
from console.wording import MODE_BADGES, by_when, mode_of, on_day
from workflows.rules import MODE_LABELS, ROLE_LABELS, VERIFICATION_LABELS
from workflows.types import Actor, Role

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")  # .html: autoescaped
templates.env.globals.update(
    by_when=by_when,
    on_day=on_day,
    mode_of=mode_of,
    percent=percent,
    MODE_BADGES=MODE_BADGES,
    ROLE_LABELS=ROLE_LABELS,
    MODE_LABELS={str(k): v for k, v in MODE_LABELS.items()},
    VERIFICATION_LABELS={str(k): v for k, v in VERIFICATION_LABELS.items()},
)


def now() -> datetime:
    return datetime.now(timezone.utc)


class SignedIn:
    """The signed-in person: their actor (resolved again on every request) and their session."""

    def __init__(self, actor: Actor, session: sessions.ConsoleSession) -> None:
        self.actor, self.session = actor, session

    @property
    def label(self) -> str:
        who = self.actor.id if self.actor.role == Role.applicant else (self.actor.department or "全区")
        return f"{ROLE_LABELS[self.actor.role]} · {who}"


def signed_in(request: Request) -> SignedIn | None:
    s = sessions.read(request)
    if s is None or not s.signed_in:
        return None
    actor = actor_for(s.token, request.app.state.settings, request.app.state.engine)
    if actor is None or actor.role == Role.public:
        return None
    request.state.actor = actor  # for the log of refused requests
    return SignedIn(actor, s)


def to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


def page(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200, user: SignedIn | None = None
) -> HTMLResponse:
    """A console page; with the signed-in person's navigation (queue counts) when there is one."""
    nav: list[Any] = context.get("queues") or []
    links: list[Any] = []
    if user is not None:
        with Session(request.app.state.engine) as db:
            nav = nav or queues_for(db, user.actor, now(), Ask(per_page=0))  # the counts alone
            links = links_for(db, user.actor)
    response = templates.TemplateResponse(
        request,
        name,
        {"user": user, "nav": nav, "links": links, "csrf": user.session.csrf if user else context.get("csrf", ""), **context},
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"  # a case page is personal data
    return response


async def signed_form(request: Request) -> tuple[SignedIn, FormData] | Response:
    """The signed-in person and the form they sent, its CSRF token checked; otherwise the answer
    to give instead (to the sign-in page, or 403)."""
    user = signed_in(request)
    if user is None:
        return to_login()
    form = await request.form()
    if not sessions.csrf_ok(user.session, form.get("csrf")):
        return refused_csrf(request, user)
    return user, form


def refused_csrf(request: Request, user: SignedIn | None) -> HTMLResponse:
    return page(request, "error.html", {"message": "表单已失效（安全校验未通过），请刷新页面后重新提交。"}, 403, user)


def error_page(request: Request, message: str, status_code: int, user: SignedIn | None) -> HTMLResponse:
    return page(request, "error.html", {"message": message}, status_code, user)
