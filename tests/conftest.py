"""Fixtures: a time-skipping Temporal test server the tests share (replaced after a test that
fails or leaves its clock held), a fresh read model and worker per test, and a replay of every
history a test produced."""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import Engine, text
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from db.session import make_engine
from tests.support.factories import TEST_PSEUDONYM_KEY
from tests.support.harness import Harness
from tests.support.http import api_client
from tests.support.postgres import URL
from tests.support.readmodel import seeded_engine
from tests.support.replay import replay_all, stop_all
from tests.support.temporal import SkippingServer, dev_env
from worker import build_worker
from workflows import search

# Every app and process the tests start knows applicants by the same pseudonyms (tests/support/factories.py).
os.environ.setdefault("PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)


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
        warnings.warn(
            f"{request.node.nodeid} left the time-skipping server's clock held; the next test gets a new server", stacklevel=1
        )
        await skipping_server.retire()


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


@pytest.fixture
def pg() -> Iterator[Engine]:
    """The read model on the machine's PostgreSQL (tests/support/postgres.py), in a schema of its
    own dropped after the test."""
    schema = f"chengnuo_test_{uuid.uuid4().hex[:8]}"
    with make_engine(URL).begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    engine = seeded_engine(URL, connect_args={"options": f"-csearch_path={schema}"})
    yield engine
    engine.dispose()
    with make_engine(URL).begin() as conn:
        conn.execute(text(f'drop schema "{schema}" cascade'))


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


@pytest_asyncio.fixture
async def http(case: Harness) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(case) as client:
        yield client
