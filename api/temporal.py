"""The API's calls to Temporal: bounded in number and in time, their errors mapped once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError

from api.errors import busy, http_error, no_answer
from api.observability import count_temporal
from config import Settings

T = TypeVar("T")


class Temporal:
    """The client, a line of at most `api_max_inflight` calls, and the time each may take.

    A request that cannot get into the line within `api_queue_timeout` is answered 503 at once;
    a call that gets no answer within `update_timeout` is a 504 — never a hang, never a 500.
    """

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self._slots = asyncio.Semaphore(settings.api_max_inflight)
        self._queue_timeout = settings.api_queue_timeout
        self._timeout = settings.update_timeout

    @property
    def full(self) -> bool:
        """Every slot is taken: the next call waits in line."""
        return self._slots.locked()

    async def __call__(self, call: Awaitable[T]) -> T:
        try:
            await asyncio.wait_for(self._slots.acquire(), self._queue_timeout)
        except TimeoutError:
            close = getattr(call, "close", None)
            if close:
                close()  # never started: no "coroutine was never awaited"
            count_temporal("busy")
            raise busy("服务繁忙，请稍后重试") from None
        try:
            answer = await asyncio.wait_for(call, self._timeout)
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            count_temporal("no_answer")
            raise no_answer() from None
        except (WorkflowUpdateFailedError, RPCError) as err:
            refusal = http_error(err)
            count_temporal("refused" if refusal.status_code in (403, 409) else "gone" if refusal.status_code == 404 else "error")
            raise refusal from None
        finally:
            self._slots.release()
        count_temporal("ok")
        return answer

    async def update_with_start(self, update: Any, start: WithStartWorkflowOperation[Any, Any]) -> Any:
        """An Update sent together with the start of its workflow: a retried request (say after
        the API died between the two) finds the same workflow and is answered by it. Raises
        WorkflowAlreadyStartedError when a workflow of that id already ran and closed."""
        try:
            return await self(self.client.execute_update_with_start_workflow(update, start_workflow_operation=start))
        finally:
            handle = start._workflow_handle  # the start's own outcome: seen, so no "never retrieved" in the log
            if handle.done() and not handle.cancelled():
                handle.exception()
