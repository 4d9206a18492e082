"""The console's app in process: time-skipping Temporal and a real worker (the `case` harness)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from api.main import create_app
from config import Settings
from tests.support.harness import Harness


@pytest_asyncio.fixture
async def app_of(case: Harness) -> AsyncIterator[object]:
    settings = Settings(task_queue=case.task_queue, chengnuo_env="development", sampling_probability=1.0)
    app = create_app(settings, case.env.client, case.engine)
    async with app.router.lifespan_context(app):
        yield app
