"""The API's calls to Temporal: bounded in number and in time, their errors mapped once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from api.errors import busy, http_error, no_answer
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

    async def __call__(self, call: Awaitable[T]) -> T:
        try:
            await asyncio.wait_for(self._slots.acquire(), self._queue_timeout)
        except TimeoutError:
            close = getattr(call, "close", None)
            if close:
                close()  # never started: no "coroutine was never awaited"
            raise busy("服务繁忙，请稍后重试") from None
        try:
            return await asyncio.wait_for(call, self._timeout)
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            raise no_answer() from None
        except (WorkflowUpdateFailedError, RPCError) as err:
            raise http_error(err) from None
        finally:
            self._slots.release()
