"""The API in process for the tests: its client, the test company's token and opening body, and
the cases a test opened through it handed to the harness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from api.main import create_app
from config import Settings
from tests.support.factories import AFTER
from tests.support.harness import Harness

Client = httpx.AsyncClient


COMPANY = "91410411MA0000001B"


def auth(role: str) -> dict[str, str]:
    """A dev token; the applicant acts as the test company (its own cases only)."""
    return {"Authorization": f"Bearer dev-{role}:{COMPANY}" if role == "applicant" else f"Bearer dev-{role}"}


def body(app_id: str, matters: list[str] | None = None) -> dict[str, Any]:
    return {
        "application_id": app_id,
        "applicant": {"id": COMPANY, "name": "湛河测试商贸有限公司", "kind": "company"},
        "service": "食品经营许可",
        "matters": matters or [AFTER],
    }


async def track(case: Harness, client: httpx.AsyncClient) -> None:
    """Hand the cases a test opened through the API to the harness, so they are stopped and replayed."""
    rows = (await client.get("/applications", headers={"Authorization": "Bearer dev-auditor"})).json()
    case.handles.extend(case.env.client.get_workflow_handle(row["workflow_id"]) for row in rows)


@asynccontextmanager
async def api_client(case: Harness, **settings_given: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The API in process, on the test server with this test's worker and read model (every
    matter drawn: SAMPLING_PROBABILITY=1; other settings as given)."""
    settings = Settings(task_queue=case.task_queue, chengnuo_env="development", sampling_probability=1.0, **settings_given)
    app = create_app(settings, case.env.client, case.engine)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client
            await track(case, client)
