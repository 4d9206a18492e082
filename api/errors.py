"""Temporal, database and domain errors mapped to HTTP, in one place."""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError, TimeoutError as PoolTimeout
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

STATUS_BY_TYPE = {"Forbidden": 403, "Conflict": 409}
RETRY_AFTER_S = 1


def busy(detail: str) -> HTTPException:
    """503: the API is saturated for a moment; the client may retry after a second."""
    return HTTPException(503, detail, headers={"Retry-After": str(RETRY_AFTER_S)})


def no_answer() -> HTTPException:
    """504: the workflow did not answer in time. The action may still take effect."""
    return HTTPException(
        504,
        "工作流未在时限内响应（worker 是否在运行？）。操作可能稍后仍会生效："
        "请使用同一 Idempotency-Key 重试，或稍后查询申请状态",
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
