"""Temporal servers of the tests' own: the time-skipping test server and the dev server, and the
time-skipping server the tests share."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from datetime import timedelta
from pathlib import Path

from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from tests.support.factories import CONVERTER
from workflows import search

BIN = Path(sys.executable).parent


STARTUP = timedelta(seconds=60)
"""How long a test server may take to start: a second or two when idle, many more on a busy
machine (the SDK's own 5 s failed a test there)."""


def skipping_env(converter: DataConverter = CONVERTER) -> Awaitable[WorkflowEnvironment]:
    """A time-skipping test server of its own."""
    return WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=converter, test_server_startup_timeout=STARTUP
    )


def dev_env(converter: DataConverter = CONVERTER) -> Awaitable[WorkflowEnvironment]:
    """A Temporal dev server of its own (visibility, continue-as-new, the CLI)."""
    return WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"), data_converter=converter, dev_server_startup_timeout=STARTUP
    )


class SkippingServer:
    """The time-skipping test server the tests share, replaced when a test leaves its clock held.

    A workflow task or activity still outstanding when its worker stops holds the server's clock
    for good (terminating the workflow does not release it): every later skip would then pass in
    real time, and one failed test would fail every test after it."""

    def __init__(self) -> None:
        self._env: WorkflowEnvironment | None = None
        self.started = 0

    async def get(self) -> WorkflowEnvironment:
        if self._env is None:
            self._env = await skipping_env()
            await search.register(self._env.client, self._env.client.namespace)
            self.started += 1
        return self._env

    async def clock_runs(self, within: float = 10) -> bool:
        """A skipped minute passes at once unless something left behind holds the clock (then
        it takes a real minute)."""
        if self._env is None:
            return True
        try:
            await asyncio.wait_for(self._env.sleep(timedelta(minutes=1)), timeout=within)
        except TimeoutError:
            return False
        return True

    async def retire(self) -> None:
        if self._env is not None:
            await self._env.shutdown()
        self._env = None
