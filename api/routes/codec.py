"""The codec server: the Temporal Web UI and CLI send it payloads to decode (or encode).

Only auditors and supervisors may decode: anyone else who opens the Web UI sees ciphertext.
The CLI sends the token as a header (`temporal workflow show --codec-endpoint
http://127.0.0.1:8000/codec --codec-auth "Bearer <token>"`); a browser signs in once at
`/codec/login`, which keeps the token in an HttpOnly cookie for this site, and the Web UI's
codec settings then "include cross-origin credentials".
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from temporalio.api.common.v1 import Payload

from api.deps import SettingsDep, actor_for, bearer
from security.codec import EncryptionCodec
from workflows.rules import ROLE_LABELS
from workflows.types import Actor, Role

router = APIRouter(prefix="/codec", tags=["codec"])
DECODERS = frozenset({Role.auditor, Role.supervisor})
COOKIE = "chengnuo_codec"


class JSONPayload(BaseModel):
    metadata: dict[str, str] = Field(default_factory=dict)  # base64 values, as Temporal's JSON writes them
    data: str = ""


class Payloads(BaseModel):
    payloads: list[JSONPayload] = Field(default_factory=list, max_length=10_000)  # the CLI sends {} for no arguments


def decoder(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    cookie: Annotated[str | None, Cookie(alias=COOKIE)] = None,
) -> Actor:
    """An auditor or a supervisor, by bearer token or by the cookie /codec/login set."""
    token = credentials.credentials if credentials else cookie
    actor = actor_for(token, settings, request.app.state.engine) if token else None
    if actor is None:
        raise HTTPException(401, "未认证：解码须提供审计或负责人令牌", headers={"WWW-Authenticate": "Bearer"})
    if actor.role not in DECODERS:
        raise HTTPException(403, f"{ROLE_LABELS[actor.role]}无权解码工作流数据（仅限督查审计、负责人）")
    return actor


def _codec(request: Request) -> EncryptionCodec:
    codec = request.app.state.temporal.client.data_converter.payload_codec
    assert isinstance(codec, EncryptionCodec)
    return codec


def _from_json(body: Payloads) -> list[Payload]:
    return [
        Payload(
            metadata={k: base64.b64decode(v, validate=True) for k, v in p.metadata.items()},
            data=base64.b64decode(p.data, validate=True),
        )
        for p in body.payloads
    ]


def _to_json(payloads: list[Payload]) -> dict[str, Any]:
    return {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                "data": base64.b64encode(p.data).decode(),
            }
            for p in payloads
        ]
    }


@router.post("/decode", dependencies=[Depends(decoder)])
async def decode(body: Payloads, request: Request) -> dict[str, Any]:
    """Payloads as Temporal stores them → as they were written (JSON)."""
    try:
        return _to_json(await _codec(request).decode(_payloads(body)))
    except ValueError as err:  # altered, or under a key this keyring does not hold
        raise HTTPException(422, f"无法解码：{err}") from None


@router.post("/encode", dependencies=[Depends(decoder)])
async def encode(body: Payloads, request: Request) -> dict[str, Any]:
    """The reverse, for the CLI's and UI's own inputs (say a query argument)."""
    return _to_json(await _codec(request).encode(_payloads(body)))


def _payloads(body: Payloads) -> list[Payload]:
    try:
        return _from_json(body)
    except ValueError as err:  # not base64
        raise HTTPException(422, f"无法读取：{err}") from None


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form() -> str:
    return """<!doctype html><meta charset="utf-8"><title>解码登录</title>
<form method="post" action="/codec/login"><label>令牌（督查审计或负责人）：<input name="token" type="password" autofocus></label>
<button>登录</button></form>"""


@router.post("/login", include_in_schema=False)
def login(request: Request, settings: SettingsDep, token: Annotated[str, Form(max_length=512)]) -> RedirectResponse:
    """Keeps an allowed token in an HttpOnly cookie, so the Web UI's requests carry it."""
    actor = actor_for(token, settings, request.app.state.engine)
    if actor is None or actor.role not in DECODERS:
        raise HTTPException(403, "令牌无效，或该角色无权解码")
    response = RedirectResponse("/codec/login?ok=1", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", max_age=8 * 3600)
    return response
