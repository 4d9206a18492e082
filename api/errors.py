"""Temporal, database and domain errors mapped to HTTP, in one place; and the answers to what
the client got wrong (422, always in FastAPI's documented shape) or the server did (500, never
with a traceback)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError, TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

STATUS_BY_TYPE = {"Forbidden": 403, "Conflict": 409, "Invalid": 422}
RETRY_AFTER_S = 1


def busy(detail: str) -> HTTPException:
    """503: the API is saturated for a moment; the client may retry after a second."""
    return HTTPException(503, detail, headers={"Retry-After": str(RETRY_AFTER_S)})


def no_answer() -> HTTPException:
    """504: the workflow did not answer in time. The action may still take effect."""
    return HTTPException(
        504,
        "工作流未在时限内响应（worker 是否在运行？）。操作可能稍后仍会生效：请使用同一 Idempotency-Key 重试，或稍后查询申请状态",
    )


class CaseGone(HTTPException):
    """Temporal knows no running workflow for the case: it is closed, or it never was."""


def http_error(err: Exception) -> HTTPException:
    """A refused update keeps its reason; a closed or missing case says so."""
    if isinstance(err, WorkflowUpdateFailedError):
        return http_error(err.cause) if isinstance(err.cause, ApplicationError) else HTTPException(409, str(err.cause))
    if isinstance(err, ApplicationError):
        return HTTPException(STATUS_BY_TYPE.get(err.type or "", 409), err.message)
    if isinstance(err, RPCError) and err.status == RPCStatusCode.NOT_FOUND:
        return CaseGone(409, "申请已办结，不能再执行操作")
    if isinstance(err, RPCError) and err.status == RPCStatusCode.ALREADY_EXISTS:  # a start on a closed case
        return HTTPException(409, "申请已办结，不能重复受理")
    if isinstance(err, RPCError) and err.status == RPCStatusCode.RESOURCE_EXHAUSTED:  # e.g. 10 Updates in flight on one case
        return busy("该申请正在处理的操作过多，请稍后重试")
    if isinstance(err, RPCError):
        return busy(f"Temporal 暂不可用，请稍后重试（{err.status.name if err.status else 'UNKNOWN'}）")
    raise err


async def database_busy(_request: Request, err: Exception) -> JSONResponse:
    """No free connection in time, or the database refused for a moment: 503, not a hang or a 500."""
    detail = "数据库繁忙，请稍后重试" if isinstance(err, PoolTimeout) else "数据库暂不可用，请稍后重试"
    e = busy(detail)
    return JSONResponse({"detail": e.detail}, status_code=e.status_code, headers=e.headers)


DATABASE_ERRORS = {PoolTimeout: database_busy, OperationalError: database_busy}


# ---- what the client got wrong: 422, as documented -------------------------------------------

log = logging.getLogger("chengnuo.api")
MAX_ECHO = 200
UNPARSABLE = "There was an error parsing the body"


def printable(text: str, limit: int = MAX_ECHO) -> str:
    """`text` safe to put in a JSON answer: no lone surrogates or control characters, bounded."""
    clean = "".join("\ufffd" if "\ud800" <= c <= "\udfff" or (c < " " and c not in "\n\t") or c == "\x7f" else c for c in text)
    return clean if len(clean) <= limit else clean[:limit] + "…"


def validation_error(msg: str, loc: Sequence[str | int] = ("body",), type_: str = "value_error") -> dict[str, Any]:
    """One error object of FastAPI's documented ValidationError shape ({loc, msg, type})."""
    return {
        "loc": [part if isinstance(part, int) else printable(str(part)) for part in loc],
        "msg": printable(msg, 2000),
        "type": printable(type_),
    }


def unprocessable(msg: str, loc: Sequence[str | int] = ("body",), type_: str = "value_error") -> HTTPException:
    """422 with `detail` an array of one error object, as the OpenAPI schema documents every 422."""
    return HTTPException(422, [validation_error(msg, loc, type_)])


def clean_errors(errors: Iterable[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors without `input` or `ctx`: they may hold what cannot be written as JSON
    (a lone surrogate, inf) or should not be echoed back (a 1 MB string)."""
    return [
        validation_error(str(e.get("msg", "")), tuple(e.get("loc", ())), str(e.get("type", "value_error")))
        if isinstance(e, dict)
        else validation_error(str(e))
        for e in errors
    ]


REFUSALS = frozenset({401, 403, 404, 409, 413, 422, 429})
refused = logging.getLogger("chengnuo.refused")  # every refused request: who, what, why


async def invalid_request(_request: Request, err: Exception) -> JSONResponse:
    """A request that does not validate: 422 with each error's place, message and type, never its input."""
    assert isinstance(err, RequestValidationError)
    return JSONResponse({"detail": clean_errors(err.errors())}, status_code=422)


async def http_exception(request: Request, err: Exception) -> Response:
    """HTTPExceptions as FastAPI answers them, except that a 422 raised with a plain message is
    given the documented shape."""
    assert isinstance(err, StarletteHTTPException)
    if err.status_code in REFUSALS:
        actor = getattr(request.state, "actor", None)
        refused.info(
            "refused %s %s %s: %s (actor %s)",
            err.status_code,
            request.method,
            request.url.path,
            printable(str(err.detail)),
            f"{actor.role}:{actor.id}" + (f"@{actor.department}" if actor.department else "") if actor else "unauthenticated",
        )
    if err.status_code == 422 and not isinstance(err.detail, list):
        return JSONResponse({"detail": [validation_error(str(err.detail))]}, status_code=422, headers=err.headers)
    if err.status_code == 400 and err.detail == UNPARSABLE:  # FastAPI's, for a body that is not even text (say not UTF-8)
        return JSONResponse(
            {"detail": f"请求体无法解析（应为 UTF-8 编码的 JSON）/ {UNPARSABLE}"}, status_code=400, headers=err.headers
        )
    return await http_exception_handler(request, err)


# ---- what the server got wrong: 500, no traceback ---------------------------------------------


async def unexpected(request: Request, err: Exception) -> JSONResponse:
    """Any error nothing else answered: logged here with its traceback and a reference, answered
    with the reference only."""
    ref = uuid.uuid4().hex[:12]
    log.error("unhandled error %s on %s %s", ref, request.method, request.url.path, exc_info=err)
    return JSONResponse(
        {"detail": f"服务器内部错误，已记录（编号 {ref}），请稍后重试或联系管理员 / Internal server error (reference {ref})"},
        status_code=500,
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    **DATABASE_ERRORS,
    RequestValidationError: invalid_request,
    StarletteHTTPException: http_exception,
    Exception: unexpected,
}
