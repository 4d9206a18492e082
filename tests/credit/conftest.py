"""Fixtures of the credit tests: a receiver playing the credit platform, and a worker whose
delivery activity POSTs to it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from sqlalchemy import Engine

from config import Settings
from tests.credit.receiver import Receiver
from tests.support.credit import POST_TIMEOUT, end
from tests.support.harness import Harness
from tests.support.replay import replay_all, stop_all
from tests.support.temporal import SkippingServer
from worker import build_worker
from workflows.delivery import DELIVERY_WORKFLOW_ID


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest_asyncio.fixture
async def pushing(engine: Engine, receiver: Receiver, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """A worker that pushes to the receiver, on a time-skipping server of its own: the delivery
    workflow is ended mid-round (a POST or a task in flight), which would hold a shared server's
    clock. After the test every history (each run of it too) must replay."""
    server = SkippingServer()
    try:
        env = await server.get()
        harness = Harness(env, engine, task_queue=f"tq-{uuid.uuid4()}")
        settings = Settings(credit_platform_url=receiver.url, credit_platform_timeout=POST_TIMEOUT)
        async with build_worker(env.client, engine, harness.task_queue, settings):
            yield harness
            for handle in harness.handles:
                if handle.id == DELIVERY_WORKFLOW_ID:
                    await end(handle)
            await stop_all(harness)
        await replay_all(harness, request.node.name)
    finally:
        await server.retire()
