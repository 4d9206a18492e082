"""Fixtures: a time-skipping Temporal test server the tests share (replaced after a test that
fails or leaves its clock held), a fresh read model and worker per test, and a replay of every
history a test produced."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from config import Settings
from db.migrate import upgrade
from db.session import make_engine
from tests.factories import CONVERTER, TEST_MATTERS, TEST_PSEUDONYM_KEY
from tests.harness import Harness
from worker import build_worker, replayer
from workflows import search

BIN = Path(sys.executable).parent
# Every app and process the tests start knows applicants by the same pseudonyms (tests/factories.py).
os.environ.setdefault("PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)


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


REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the test, for the fixtures' teardown to read."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


@pytest_asyncio.fixture(scope="session")
async def skipping_server() -> AsyncIterator[SkippingServer]:
    server = SkippingServer()
    yield server
    await server.retire()


@pytest_asyncio.fixture
async def env(skipping_server: SkippingServer, request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    """The shared time-skipping server; the next test gets a new one if this one failed (it may
    have left a step in flight) or left the clock held."""
    yield await skipping_server.get()
    if any(r.failed for r in request.node.stash.get(REPORTS, {}).values()):
        await skipping_server.retire()
    elif not await skipping_server.clock_runs():
        warnings.warn(f"{request.node.nodeid} left the time-skipping server's clock held; the next test gets a new server", stacklevel=1)
        await skipping_server.retire()


def seeded_engine(url: str, **kwargs: object) -> Engine:
    engine = make_engine(url, **kwargs)
    upgrade(engine)
    with Session(engine) as session:
        for m in TEST_MATTERS:
            session.merge(m)
        session.commit()
    return engine


@pytest.fixture(scope="session")
def read_model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The read model migrated and seeded once for the session (closed, so nothing is left in
    its write-ahead log); each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "read.db"
    seeded_engine(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def engine(tmp_path: Path, read_model_file: Path) -> Engine:
    shutil.copyfile(read_model_file, tmp_path / "read.db")
    return make_engine(f"sqlite:///{tmp_path}/read.db")


@pytest_asyncio.fixture
async def case(env: WorkflowEnvironment, engine: Engine, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """A worker on its own task queue; after the test, every history it made must replay."""
    harness = Harness(env, engine, task_queue=f"tq-{uuid.uuid4()}")
    async with build_worker(env.client, engine, task_queue=harness.task_queue):
        yield harness
        await stop_all(harness)
    await replay_all(harness, request.node.name)


@pytest_asyncio.fixture
async def dev_case(engine: Engine) -> AsyncIterator[Harness]:
    """A worker on a dev server of its own, search attributes registered: for what the
    time-skipping server cannot do (visibility queries)."""
    async with await dev_env() as env:
        await search.register(env.client, env.client.namespace)
        harness = Harness(env, engine, task_queue=f"tq-{uuid.uuid4()}")
        async with build_worker(env.client, engine, task_queue=harness.task_queue):
            yield harness
            for handle in harness.handles:
                if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                    await handle.terminate("test over")


async def stop_all(harness: Harness) -> None:
    """Let in-flight steps finish, then end what the test left running: an activity orphaned by
    the worker's shutdown would stop the shared test server from skipping time."""
    for started in harness.handles:
        handle = harness.env.client.get_workflow_handle(started.id)  # the latest run (continued as new)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await harness.quiet(handle)
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate("test finished")


async def replay_all(harness: Harness, test_name: str = "") -> None:
    """Replay every history against the current code; with CHENGNUO_RECORD_HISTORIES=<dir>, also
    keep them there (how tests/workflows/histories/ was made)."""
    replay = replayer(CONVERTER)
    record = os.environ.get("CHENGNUO_RECORD_HISTORIES")
    histories = [history for handle in harness.handles async for history in runs(harness, handle)]
    for n, history in enumerate(histories, 1):
        result = await replay.replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, result.replay_failure
        if record:
            Path(record, f"{test_name}-{n}.json").write_text(history.to_json())


async def runs(harness: Harness, handle: WorkflowHandle[Any, Any]) -> AsyncIterator[WorkflowHistory]:
    """The history of each run of a workflow, the first run first (a case continued as new has several)."""
    run_id = handle.first_execution_run_id or handle.run_id
    while True:
        history = await harness.env.client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
        yield history
        last = history.events[-1]
        if not last.HasField("workflow_execution_continued_as_new_event_attributes"):
            return
        run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id



async def track(case: Harness, client: httpx.AsyncClient) -> None:
    """Hand the cases a test opened through the API to the harness, so they are stopped and replayed."""
    rows = (await client.get("/applications", headers={"Authorization": "Bearer dev-auditor"})).json()
    case.handles.extend(case.env.client.get_workflow_handle(row["workflow_id"]) for row in rows)


@asynccontextmanager
async def api_client(case: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """The API in process, on the test server with this test's worker and read model (every
    matter drawn: SAMPLING_PROBABILITY=1)."""
    settings = Settings(task_queue=case.task_queue, chengnuo_env="development", sampling_probability=1.0)
    app = create_app(settings, case.env.client, case.engine)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client
            await track(case, client)


@pytest_asyncio.fixture
async def http(case: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(case) as client:
        yield client
