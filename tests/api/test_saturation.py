"""The API under pressure answers at once: 503 with Retry-After when its database pool or its
line to Temporal is full, 504 when no worker answers — never a hang, never a 500.

"At once" is shown by the answer, not by a stopwatch (which a busy machine would fail): a request
that waited for the held connection or the busy slot would never answer while it is held, and
one that waited for the worker's answer could not be a 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import Engine, text

from api.main import create_app
from api.temporal import Temporal
from config import Settings
from tests.support.harness import Harness
from tests.support.http import auth, body
from tests.support.readmodel import seeded_engine
from tests.support.temporal import skipping_env
from workflows import DATA_CONVERTER


async def client_for(case: Harness, settings: Settings, engine: Engine | None = None) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, case.env.client, engine or case.engine)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=30) as http:
            yield http


@asynccontextmanager
async def unserved_api(engine: Engine, update_timeout: float) -> AsyncIterator[tuple[httpx.AsyncClient, Temporal]]:
    """An API whose task queue no worker polls, that waits `update_timeout` for an answer and
    lets one Temporal call in flight at a time. On a test server of its own: the cases it leaves
    waiting for a worker would hold the shared server's clock."""
    settings = Settings(task_queue="nobody", update_timeout=update_timeout, api_max_inflight=1, api_queue_timeout=0.2)
    async with await skipping_env(DATA_CONVERTER) as env:
        app = create_app(settings, env.client, engine)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=30) as http:
                yield http, app.state.temporal


@pytest_asyncio.fixture
async def unserved(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    async with unserved_api(engine, update_timeout=1) as (http, _):
        yield http


async def test_no_worker_is_a_504_that_says_the_action_may_still_take_effect(unserved: httpx.AsyncClient) -> None:
    r = await unserved.post("/applications", json=body("gone-1"), headers=auth("caseworker"))
    assert r.status_code == 504, r.text
    assert "Idempotency-Key" in r.json()["detail"] and "可能稍后仍会生效" in r.json()["detail"]


@pytest.mark.slow  # the first call holds the line for its 8 s
async def test_a_full_line_to_temporal_is_a_quick_503(engine: Engine) -> None:
    async with unserved_api(engine, update_timeout=8) as (unserved, line):
        first = asyncio.create_task(unserved.post("/applications", json=body("gone-2"), headers=auth("caseworker")))
        while not line.full:  # the first call takes the only slot and holds it until its 8 s run out
            await asyncio.sleep(0.01)
        second = await unserved.post("/applications", json=body("gone-3"), headers=auth("caseworker"))
        assert not first.done()  # refused while the first still holds the slot (0.2 s in line), not after it let go
        assert second.status_code == 503 and second.headers["Retry-After"] == "1", second.text
        assert (await first).status_code == 504


async def test_an_exhausted_pool_is_a_quick_503(case: Harness, tmp_path: Path) -> None:
    engine = seeded_engine(f"sqlite:///{tmp_path}/small.db", pool_size=1, max_overflow=0, pool_timeout=0.2)
    async for http in client_for(case, Settings(task_queue=case.task_queue), engine):
        with engine.connect() as held:  # someone else holds the only connection
            held.execute(text("select 1"))
            r = await http.get("/applications", headers=auth("auditor"))  # answered while it is still held
            assert r.status_code == 503 and r.headers["Retry-After"] == "1", r.text
            assert (await http.get("/health")).status_code == 200  # the loop itself never waits
        assert (await http.get("/applications", headers=auth("auditor"))).status_code == 200


async def test_bad_list_limits_are_422(case: Harness) -> None:
    async for http in client_for(case, Settings(task_queue=case.task_queue)):
        for limit in ("-1", "0", "501", "-708232815671816632991219712"):
            r = await http.get(f"/applications?limit={limit}", headers=auth("auditor"))
            assert r.status_code == 422, (limit, r.text)


async def test_docs_work_offline(case: Harness) -> None:
    async for http in client_for(case, Settings(task_queue=case.task_queue)):
        for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
            html = (await http.get(page)).text
            assert "cdn" not in html.lower() and "googleapis" not in html, html
            src = next(part.split('"')[0] for part in html.split('src="')[1:] if asset in part.split('"')[0])
            assert src.startswith("/") and (await http.get(src)).status_code == 200
