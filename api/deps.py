"""Request dependencies: the database, the Temporal client, the acting user.

The event loop never waits on the database: sync routes run in Starlette's thread pool with a
`SessionDep`; async routes (those that await Temporal) reach the database only through `DbDep`,
which runs one short unit of work in a thread and gives its connection back before returning,
so no connection is ever held across an `await` on Temporal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar, cast

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.temporal import Temporal
from config import Settings
from security import tokens
from security.pseudonyms import Pseudonyms
from workflows.rules import READS, ROLE_LABELS
from workflows.types import Actor, Role

bearer = HTTPBearer(auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


T = TypeVar("T")


class Db:
    """One unit of work in a worker thread, with a session of its own, closed before returning."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def __call__(self, work: Callable[[Session], T]) -> T:
        return await run_in_threadpool(self._run, work)

    def _run(self, work: Callable[[Session], T]) -> T:
        with Session(self._engine) as session:
            return work(session)


def get_db(request: Request) -> Db:
    return Db(request.app.state.engine)


def get_temporal(request: Request) -> Temporal:
    return cast(Temporal, request.app.state.temporal)


def get_app_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def get_pseudonyms(request: Request) -> Pseudonyms:
    return cast(Pseudonyms, request.app.state.pseudonyms)


SessionDep = Annotated[Session, Depends(get_session)]
PseudonymsDep = Annotated[Pseudonyms, Depends(get_pseudonyms)]
DbDep = Annotated[Db, Depends(get_db)]
TemporalDep = Annotated[Temporal, Depends(get_temporal)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


TOKEN_CACHE_SECONDS = 30.0  # a revoked token stops working within this long on every API process
_holders: dict[tuple[int, str], tuple[float, Actor | None]] = {}


def actor_for(token: str, settings: Settings, engine: Engine) -> Actor | None:
    """In development `dev-<role>`, or `dev-applicant:<applicant-id>` to act as that applicant;
    otherwise a live token from the token table (kept there as a hash)."""
    if settings.dev_tokens_enabled and token.startswith("dev-"):
        role, _, applicant_id = token[4:].partition(":")
        if role == Role.applicant and applicant_id:
            return Actor(id=applicant_id, role=Role.applicant)
        if role in Role.__members__ and not applicant_id:
            return Actor(id=token, role=Role(role))
    key, now = (id(engine), tokens.digest(token)), time.monotonic()
    cached = _holders.get(key)
    if cached and now - cached[0] < TOKEN_CACHE_SECONDS:
        return cached[1]
    with Session(engine) as session:
        actor = tokens.holder(session, token)
    if len(_holders) > 10_000:
        _holders.clear()
    _holders[key] = (now, actor)
    return actor


def current_actor(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    actor = actor_for(credentials.credentials, settings, request.app.state.engine) if credentials else None
    if actor is None:
        raise HTTPException(401, "未认证：请提供有效的 Authorization: Bearer 令牌", headers={"WWW-Authenticate": "Bearer"})
    request.state.actor = actor  # for the log of refused requests
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]

PUBLIC_ACTOR = Actor(id="public", role=Role.public)


def actor_or_public(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """For what the public may read without signing in: no Authorization header at all is the
    anonymous public; a header that is there must hold a valid bearer token, or 401 as ever."""
    if credentials is None and "authorization" not in request.headers:
        return PUBLIC_ACTOR
    return current_actor(request, settings, credentials)


OptionalActor = Annotated[Actor, Depends(actor_or_public)]


def reader(what: str) -> Callable[[Actor], Actor]:
    """A dependency admitting the roles that may read `what`."""

    def check(actor: CurrentActor) -> Actor:
        if actor.role not in READS[what]:
            raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权查看此内容")
        return actor

    return check
