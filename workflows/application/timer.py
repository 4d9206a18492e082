"""The case's one updatable timer: it stands while the deadline it waits for stays."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from temporalio import workflow


class Timer:
    """Sleeps until a deadline or until woken; a new timer only when the deadline moves (one
    timer per deadline, not one per action)."""

    def __init__(self) -> None:
        self._sleep: asyncio.Future[None] | None = None
        self.at: datetime | None = None

    async def until(self, deadline: datetime | None, woken: Callable[[], bool]) -> None:
        if deadline != self.at:
            self.stop()
            if deadline:
                seconds = max((deadline - workflow.now()).total_seconds(), 1.0)
                self._sleep, self.at = asyncio.ensure_future(asyncio.sleep(seconds)), deadline
        woke = asyncio.ensure_future(workflow.wait_condition(woken))
        await workflow.wait([f for f in (self._sleep, woke) if f], return_when=asyncio.FIRST_COMPLETED)
        woke.cancel()
        if self._sleep and self._sleep.done():
            self._sleep, self.at = None, None

    def stop(self) -> None:
        if self._sleep:
            self._sleep.cancel()
        self._sleep, self.at = None, None
