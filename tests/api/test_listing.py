"""GET /applications: filters, sorts and pages, the body still a list; the total and the next
page in headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest_asyncio
from sqlalchemy import Engine, insert
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from config import Settings
from db.models import Application, CaseMatter
from tests.support.http import auth

START = datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc)


@pytest_asyncio.fixture
async def http(env: WorkflowEnvironment, engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    """The API on a read model of rows written here (no workflows behind them)."""
    app = create_app(Settings(chengnuo_env="development"), env.client, engine)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield client


def seed(engine: Engine, n: int) -> None:
    rows, matters = [], []
    for i in range(n):
        app_id = f"l-{i:03d}"
        department = "湛河区卫生健康委员会" if i % 3 == 0 else "湛河区市场监督管理局"
        rows.append(
            {
                "application_id": app_id,
                "workflow_id": f"application-{app_id}",
                "applicant_id": f"ap-{i % 5}",
                "applicant_name": "某公司",
                "applicant_kind": "company",
                "service": "食品经营许可",
                "status": "approved",
                "status_label": "已批准",
                "opened_at": START + timedelta(hours=i),
                "matters": [],
                "decisions": [],
                "departments": [department],
                "next_deadline": START + timedelta(days=200 - i) if i % 4 else None,
            }
        )
        matters.append(
            {
                "application_id": app_id,
                "code": "M-1",
                "department": department,
                "status": "approved",
                "opened_at": START + timedelta(hours=i),
                "name": "证明",
                "stage": "after",
                "mode": "commitment",
                "verification": "scheduled",
            }
        )
    with Session(engine) as session:
        session.execute(insert(Application), rows)
        session.execute(insert(CaseMatter), matters)
        session.commit()


async def test_pages_with_total_and_next_link(http: httpx.AsyncClient, engine: Engine) -> None:
    seed(engine, 120)
    first = await http.get("/applications?limit=50", headers=auth("auditor"))
    assert first.status_code == 200 and first.headers["X-Total-Count"] == "120"
    ids = [r["id"] for r in first.json()]
    assert ids[0] == "l-119" and len(ids) == 50  # newest first, as before
    seen = list(ids)
    link = first.headers["Link"]
    while link:
        url = link.split(">")[0].removeprefix("<")
        assert 'rel="next"' in link
        page = await http.get(url, headers=auth("auditor"))
        assert page.status_code == 200, page.text
        seen += [r["id"] for r in page.json()]
        link = page.headers.get("Link", "")
    assert seen == [f"l-{i:03d}" for i in range(119, -1, -1)]  # every case once, in order


async def test_by_deadline_and_department(http: httpx.AsyncClient, engine: Engine) -> None:
    seed(engine, 120)
    r = await http.get("/applications?sort=deadline&department=湛河区卫生健康委员会&limit=500", headers=auth("auditor"))
    rows = r.json()
    assert r.headers["X-Total-Count"] == "40" and len(rows) == 40 and "Link" not in r.headers
    deadlines = [row["next_deadline"] for row in rows]
    dated = [d for d in deadlines if d]
    assert dated == sorted(dated) and deadlines[len(dated) :] == [None] * (40 - len(dated))  # nearest first, none last
    scoped = await http.get("/applications?limit=500", headers={"Authorization": "Bearer dev-caseworker"})
    assert scoped.headers["X-Total-Count"] == "120"  # dev tokens reach every department
    bad = await http.get("/applications?sort=nearest", headers=auth("auditor"))
    assert bad.status_code == 422
