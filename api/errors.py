"""Temporal and domain errors mapped to HTTP, in one place."""

from __future__ import annotations

from fastapi import HTTPException
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

STATUS_BY_TYPE = {"Forbidden": 403, "Conflict": 409}


def http_error(err: Exception) -> HTTPException:
    """A refused update keeps its reason; a closed or missing case says so."""
    if isinstance(err, WorkflowUpdateFailedError):
        return http_error(err.cause) if isinstance(err.cause, ApplicationError) else HTTPException(409, str(err.cause))
    if isinstance(err, ApplicationError):
        return HTTPException(STATUS_BY_TYPE.get(err.type or "", 409), err.message)
    if isinstance(err, RPCError) and err.status == RPCStatusCode.NOT_FOUND:
        return HTTPException(409, "申请已办结，不能再执行操作")
    if isinstance(err, RPCError):
        return HTTPException(503, f"Temporal 暂不可用，请稍后重试（{err.status.name if err.status else 'UNKNOWN'}）")
    raise err
