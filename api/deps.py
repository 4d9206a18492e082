"""Request dependencies: the database session, the Temporal client, the acting user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from temporalio.client import Client

from config import Settings
from workflows.rules import READS, ROLE_LABELS
from workflows.types import Actor, Role

bearer = HTTPBearer(auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


def get_temporal(request: Request) -> Client:
    return request.app.state.temporal


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def actor_for(token: str, settings: Settings) -> Actor | None:
    """In development `dev-<role>`, or `dev-applicant:<applicant-id>` to act as that applicant;
    otherwise a token configured as "role:actor-id" (an applicant's actor id is their id)."""
    if settings.dev_tokens_enabled and token.startswith("dev-"):
        role, _, applicant_id = token[4:].partition(":")
        if role == Role.applicant and applicant_id:
            return Actor(id=applicant_id, role=Role.applicant)
        if role in Role.__members__ and not applicant_id:
            return Actor(id=token, role=Role(role))
    role, _, actor_id = settings.api_tokens.get(token, "").partition(":")
    if role in Role.__members__ and actor_id:
        return Actor(id=actor_id, role=Role(role))
    return None


def current_actor(
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Actor:
    actor = actor_for(credentials.credentials, settings) if credentials else None
    if actor is None:
        raise HTTPException(401, "未认证：请提供有效的 Authorization: Bearer 令牌", headers={"WWW-Authenticate": "Bearer"})
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def reader(what: str) -> Callable[[Actor], Actor]:
    """A dependency admitting the roles that may read `what`."""

    def check(actor: CurrentActor) -> Actor:
        if actor.role not in READS[what]:
            raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权查看此内容")
        return actor

    return check
